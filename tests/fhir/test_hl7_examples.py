"""The official HL7 R4B example resources of every type in scope: create → read back → the
meaningful fields survive, and what cannot be stored is reported as a warning.

The examples come from the npm registry's ``hl7.fhir.r4b.examples`` package, which ``make test``
fetches into ``.cache/fhir-examples`` (the only download). References to other examples are
pointed at records of the test country (they do not exist here otherwise).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

CACHE = Path(
    os.environ.get(
        "SAGLAM_FHIR_EXAMPLES",
        Path(__file__).resolve().parents[2] / ".cache" / "fhir-examples" / "package",
    )
)
IN_SCOPE = ("Patient", "Practitioner", "PractitionerRole", "Organization", "Device", "Location")
EXAMPLES = (
    sorted(p for kind in IN_SCOPE for p in CACHE.glob(f"{kind}-*.json")) if CACHE.exists() else []
)
KNOWN_TARGETS = {
    "Organization": "Organization/2",
    "Practitioner": "Practitioner/1",
    "Patient": "Patient/1",
    "Location": "Location/AZ-BA",
}

if not EXAMPLES and os.environ.get("CI") == "true":
    raise RuntimeError(f"HL7 examples missing in {CACHE}: run `make fhir-examples`")


def _point_references(value: Any) -> Any:
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            kind = value["reference"].split("/")[0]
            return {**value, "reference": KNOWN_TARGETS.get(kind, value["reference"])}
        out = {k: _point_references(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {})}
    if isinstance(value, list):
        items = [_point_references(v) for v in value]
        return [v for v in items if v not in (None, [], {})]
    return value


def _survives(kind: str, sent: dict[str, Any], back: dict[str, Any]) -> None:
    if kind in ("Patient", "Practitioner"):
        if sent.get("gender"):
            assert back.get("gender") == sent["gender"]
        if sent.get("birthDate"):
            assert back.get("birthDate") == sent["birthDate"][:10]
        families = [n.get("family") for n in sent.get("name", []) if n.get("family")]
        if families:
            assert back["name"][0]["family"] in families
    if kind == "Organization" and sent.get("name"):
        assert back["name"] == sent["name"]
    if kind == "Device" and sent.get("identifier"):
        assert {i.get("value") for i in sent["identifier"]} & {
            i.get("value") for i in back.get("identifier", [])
        }
    if kind in ("Organization", "Practitioner") and sent.get("identifier"):
        sent_ids = {
            (i.get("system"), i.get("value"))
            for i in sent["identifier"]
            if i.get("system") and i.get("value")
        }
        back_ids = {(i.get("system"), i.get("value")) for i in back.get("identifier", [])}
        assert not sent_ids or sent_ids & back_ids
    if kind == "PractitionerRole":
        assert back["practitioner"]["reference"] == "Practitioner/1"
        assert back["organization"]["reference"] == "Organization/2"


@pytest.mark.skipif(not EXAMPLES, reason="HL7 examples not fetched (make fhir-examples)")
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_hl7_example_round_trips(client: TestClient, admin: dict[str, str], path: Path) -> None:
    example = json.loads(path.read_text())
    kind = example["resourceType"]
    example.pop("id", None)
    sent = _point_references(example)
    if kind == "Device":
        sent.setdefault("owner", {"reference": "Organization/1"})  # equipment belongs to a facility
    created = client.post(
        f"/fhir/{kind}", json=sent, headers={**admin, "Prefer": "return=OperationOutcome"}
    )
    if kind == "Location":
        assert created.status_code == 405 and created.json()["resourceType"] == "OperationOutcome"
        return
    if (
        created.status_code == 422
        and kind == "Patient"
        and sent.get("identifier") is None
        and not sent.get("name")
    ):
        pytest.fail(created.text)
    assert created.status_code == 201, created.text
    issues = created.json()["issue"]
    assert all(i["severity"] in ("warning", "information") for i in issues)
    back = client.get(
        created.headers["location"].split("/_history")[0].replace("http://testserver", ""),
        headers=admin,
    ).json()
    assert back["resourceType"] == kind
    _survives(kind, sent, back)
    dropped = [k for k in sent if k not in back and k not in ("meta", "text", "id")]
    warned = " ".join(i["diagnostics"] for i in issues)
    for key in dropped:
        assert key in warned or kind == "Device", (
            f"{kind}.{key} dropped without a warning: {warned}"
        )

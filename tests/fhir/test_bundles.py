"""Batch and transaction bundles, including real third-party (Synthea) data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fhir.conftest import FIN_SYSTEM, patient

SYNTHEA = sorted(
    (Path(__file__).resolve().parents[3] / "shared" / "conformance" / "synthea").glob("*.json")
)


def _supported() -> set[str]:
    """The types a bundle entry can create (Synthea bundles POST every entry)."""
    from saglam.fhir.registry import REGISTRY

    return {kind for kind, handler in REGISTRY.handlers.items() if "create" in handler.interactions}


SUPPORTED = _supported()


def _count(client: TestClient, headers: dict[str, str], query: str) -> int:
    return int(client.get(f"/fhir/{query}&_summary=count", headers=headers).json()["total"])


def test_transaction_resolves_urn_uuid_references_in_any_order(
    client: TestClient, admin: dict[str, str]
) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:p1",
                "resource": {**patient(), "managingOrganization": {"reference": "urn:uuid:o1"}},
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:r1",
                "resource": {
                    "resourceType": "PractitionerRole",
                    "practitioner": {"reference": "urn:uuid:d1"},
                    "organization": {"reference": "urn:uuid:o1"},
                    "period": {"start": "2024-01-01"},
                },
                "request": {"method": "POST", "url": "PractitionerRole"},
            },
            {
                "fullUrl": "urn:uuid:d1",
                "resource": {
                    "resourceType": "Practitioner",
                    "name": [{"family": "Qasımov", "given": ["Elvin"]}],
                    "gender": "male",
                },
                "request": {"method": "POST", "url": "Practitioner"},
            },
            {
                "fullUrl": "urn:uuid:o1",
                "resource": {
                    "resourceType": "Organization",
                    "name": "Gəncə Tibb Mərkəzi",
                    "identifier": [{"system": "urn:test:org", "value": "G1"}],
                },
                "request": {"method": "POST", "url": "Organization"},
            },
        ],
    }
    response = client.post("/fhir", json=bundle, headers=admin)
    assert response.status_code == 200, response.text
    entries = response.json()["entry"]
    assert response.json()["type"] == "transaction-response" and all(
        e["response"]["status"].startswith("201") for e in entries
    )
    organization = entries[3]["resource"]["id"]
    assert (
        entries[0]["resource"]["managingOrganization"]["reference"]
        == f"Organization/{organization}"
    )
    assert (
        entries[1]["resource"]["practitioner"]["reference"]
        == f"Practitioner/{entries[2]['resource']['id']}"
    )
    found = client.get(
        "/fhir/Organization", params={"identifier": "urn:test:org|G1"}, headers=admin
    ).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [organization]


def test_a_transaction_with_an_invalid_fiftieth_entry_stores_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    entries = [
        {
            "fullUrl": f"urn:uuid:p{i}",
            "resource": patient(
                f"7T{i:03d}AB" if i != 49 else "not-a-fin",
                name=[{"family": "Tranzaksiyaov", "given": [f"N{i}"]}],
            ),
            "request": {"method": "POST", "url": "Patient"},
        }
        for i in range(60)
    ]
    response = client.post(
        "/fhir",
        json={"resourceType": "Bundle", "type": "transaction", "entry": entries},
        headers=admin,
    )
    assert response.status_code == 422
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["Bundle.entry[49]"] and "entry 49" in issue["diagnostics"]
    assert _count(client, admin, "Patient?family=tranzaksiyaov") == 0


def test_a_batch_stores_what_it_can_and_reports_each_entry(
    client: TestClient, admin: dict[str, str]
) -> None:
    entries = [
        {"resource": patient("5BT1ACH"), "request": {"method": "POST", "url": "Patient"}},
        {"resource": patient("bad"), "request": {"method": "POST", "url": "Patient"}},
        {
            "resource": {
                "resourceType": "ImagingStudy",
                "status": "available",
                "subject": {"reference": "Patient/1"},
            },
            "request": {"method": "POST", "url": "ImagingStudy"},
        },
        {"request": {"method": "GET", "url": f"Patient?identifier={FIN_SYSTEM}|5BT1ACH"}},
    ]
    response = client.post(
        "/fhir", json={"resourceType": "Bundle", "type": "batch", "entry": entries}, headers=admin
    )
    statuses = [e["response"]["status"][:3] for e in response.json()["entry"]]
    assert statuses == ["201", "422", "404", "200"]
    assert response.json()["entry"][3]["resource"]["total"] == 1


@pytest.mark.parametrize("path", SYNTHEA[:6], ids=lambda p: p.stem.split("_")[0])
def test_synthea_transaction_is_refused_whole_and_batch_stores_supported_entries(
    client: TestClient, admin: dict[str, str], path: Path
) -> None:
    bundle = json.loads(path.read_text())
    names = [
        e["resource"]["name"][0]["family"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Patient"
    ]
    refused = client.post("/fhir", json=bundle, headers=admin)
    assert refused.status_code == 400
    unsupported = [
        i for i, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] not in SUPPORTED
    ]
    assert [i["expression"][0] for i in refused.json()["issue"]] == [
        f"Bundle.entry[{i}]" for i in unsupported
    ]
    assert _count(client, admin, f"Patient?family:exact={names[0]}") == 0
    bundle["type"] = "batch"
    response = client.post("/fhir", json=bundle, headers=admin)
    assert response.status_code == 200
    results = response.json()["entry"]
    assert len(results) == len(bundle["entry"])
    stored = 0
    for sent, got in zip(bundle["entry"], results, strict=True):
        kind = sent["resource"]["resourceType"]
        status = got["response"]["status"]
        assert not status.startswith("5")
        if kind in ("Patient", "Organization", "Practitioner"):
            assert status.startswith("201"), (kind, got)
            back = client.get(
                f"/fhir/{got['response']['location'].split('/_history')[0]}", headers=admin
            ).json()
            assert back["resourceType"] == kind
            if kind == "Patient":
                assert back["name"][0]["family"] == sent["resource"]["name"][0]["family"]
                assert back["birthDate"] == sent["resource"]["birthDate"]
                warnings = " ".join(i["diagnostics"] for i in got["response"]["outcome"]["issue"])
                assert "is not stored" in warnings
            stored += 1
        elif kind not in SUPPORTED:
            assert status.startswith(("404", "405")), (kind, status)
    assert stored >= 3

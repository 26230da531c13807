"""Code systems, extensions and small helpers shared by the mappers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from saglam.fhir.registry import Stored

BASE = "https://saglam.example/fhir"
SYSTEMS = {
    "facility-code": f"{BASE}/sid/facility-code",
    "licence": f"{BASE}/sid/licence",
    "device-serial": f"{BASE}/sid/device-serial",
    "facility-type": f"{BASE}/CodeSystem/facility-type",
    "facility-level": f"{BASE}/CodeSystem/facility-level",
    "specialty": f"{BASE}/CodeSystem/specialty",
    "profession": f"{BASE}/CodeSystem/profession",
    "device-type": f"{BASE}/CodeSystem/device-type",
    "territory-kind": f"{BASE}/CodeSystem/territory-kind",
    "territory": f"{BASE}/sid/territory",
    "insurance-category": f"{BASE}/CodeSystem/insurance-category",
    "employment-role": f"{BASE}/CodeSystem/employment-role",
    "iso-country": "urn:iso:std:iso:3166",
}
EXT = {
    "patronymic": f"{BASE}/StructureDefinition/patronymic",
    "insurance-category": f"{BASE}/StructureDefinition/insurance-category",
    "nationality": "http://hl7.org/fhir/StructureDefinition/patient-nationality",
    "household": f"{BASE}/StructureDefinition/household",
    "district": f"{BASE}/StructureDefinition/district",
    "mission": f"{BASE}/StructureDefinition/mission",
    "beds": f"{BASE}/StructureDefinition/beds",
    "contract": f"{BASE}/StructureDefinition/insurer-contract",
    "facility-status": f"{BASE}/StructureDefinition/facility-status",
    "licence-valid-until": f"{BASE}/StructureDefinition/licence-valid-until",
}


def coding(system_key: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": SYSTEMS[system_key], "code": code}
    if display:
        out["display"] = display
    return out


def concept(system_key: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"coding": [coding(system_key, code, display)], **({"text": display} if display else {})}


def code_in(value: Any, system_key: str) -> str | None:
    """The code of the first coding in our ``system_key`` in a CodeableConcept (or list)."""
    concepts = value if isinstance(value, list) else [value] if value else []
    for item in concepts:
        for c in (item or {}).get("coding", []):
            if c.get("system") == SYSTEMS[system_key] and c.get("code"):
                return str(c["code"])
    return None


def extension(url_key: str, **value: Any) -> dict[str, Any]:
    return {"url": EXT[url_key], **value}


def ext_value(holder: dict[str, Any] | None, url_key: str) -> Any:
    for ext in (holder or {}).get("extension", []):
        if ext.get("url") == EXT[url_key]:
            for key, value in ext.items():
                if key.startswith("value"):
                    return value
            return ext
    return None


def identifier_value(resource: dict[str, Any], system: str) -> str | None:
    for ident in resource.get("identifier", []):
        if ident.get("system") == system and ident.get("value"):
            return str(ident["value"])
    return None


def ref_id(reference: Any, resource_type: str) -> str | None:
    """The id of a ``Type/id`` reference (None when absent or of another type)."""
    text = (reference or {}).get("reference") if isinstance(reference, dict) else reference
    if not text:
        return None
    parts = str(text).rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == resource_type:
        return parts[-1]
    return None


def refs(values: Iterable[Any], resource_type: str) -> list[str]:
    return [r for r in (ref_id(v, resource_type) for v in values) if r]


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def parse_day(text: Any) -> date | None:
    if not text:
        return None
    return date.fromisoformat(str(text)[:10])


def stored(
    ident: Any, resource: dict[str, Any], version: int, at: datetime, deleted: bool = False
) -> Stored:
    return Stored(str(ident), resource, version, at, deleted)


def clean(resource: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values (FHIR forbids empty elements)."""
    return {k: v for k, v in resource.items() if v not in (None, [], {}, "")}

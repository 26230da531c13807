"""Device ⇄ facility equipment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy.orm import Session

from saglam.core.errors import Invalid, NotFound
from saglam.core.query import AnyOf, Criterion, Query
from saglam.core.security import Principal
from saglam.facilities import service as facilities
from saglam.facilities.enums import EquipmentStatus
from saglam.facilities.schemas import EquipmentCreate, EquipmentRead
from saglam.fhir.mappers.common import (
    BASE,
    SYSTEMS,
    clean,
    code_in,
    concept,
    day,
    parse_day,
    ref_id,
    stored,
)
from saglam.fhir.params import reference_param, token_param
from saglam.fhir.registry import Handler, Include, SearchParam, Stored, Value, register

ORIGIN = f"{BASE}/StructureDefinition/country-of-origin"
ACQUIRED = f"{BASE}/StructureDefinition/acquired"
MAINTAINED = f"{BASE}/StructureDefinition/last-maintenance"
STATUS = f"{BASE}/StructureDefinition/equipment-status"
ACTIVE = {EquipmentStatus.IN_SERVICE, EquipmentStatus.UNDER_MAINTENANCE}
UNKNOWN_COUNTRY = "ZZ"  # ISO 3166 user-assigned code, used here for "not known"


def _default(notes: list[str], what: str, value: str) -> str:
    notes.append(f"Device {what} not given: recorded as {value!r}")
    return value


def to_fhir(e: EquipmentRead) -> dict[str, Any]:
    return clean(
        {
            "resourceType": "Device",
            "extension": [
                {"url": ORIGIN, "valueCode": e.country_of_origin},
                {"url": STATUS, "valueCode": e.status.value},
                *([{"url": ACQUIRED, "valueDate": day(e.acquired_on)}] if e.acquired_on else []),
                *(
                    [{"url": MAINTAINED, "valueDate": day(e.last_maintenance_on)}]
                    if e.last_maintenance_on
                    else []
                ),
            ],
            "identifier": [{"system": SYSTEMS["device-serial"], "value": e.serial_number}],
            "status": "active" if e.status in ACTIVE else "inactive",
            "manufacturer": e.manufacturer,
            "serialNumber": e.serial_number,
            "modelNumber": e.model or None,
            "type": concept("device-type", e.type_code),
            "owner": {"reference": f"Organization/{e.facility_id}"},
            "location": {"reference": f"Location/site-{e.facility_id}"},
        }
    )


def _ext(resource: dict[str, Any], url: str) -> Any:
    for ext in resource.get("extension", []):
        if ext.get("url") == url:
            return next((v for k, v in ext.items() if k.startswith("value")), None)
    return None


def _stored(e: EquipmentRead) -> Stored:
    return stored(e.id, to_fhir(e), e.version, e.updated_at)


def _status(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
    active = [s.value for s in ACTIVE]
    inactive = [s.value for s in EquipmentStatus if s not in ACTIVE]
    return AnyOf(
        tuple(
            Criterion("status", "in", active if (v.code or v.raw) == "active" else inactive)
            for v in values
        )
    )


class DeviceHandler(Handler):
    type = "Device"
    interactions = frozenset({"read", "vread", "history-instance", "search-type", "create"})
    documentation = (
        "Equipment of facilities: type, manufacturer, country of origin, status, maintenance."
    )
    params: ClassVar[dict[str, SearchParam]] = {
        "identifier": SearchParam(
            "identifier",
            "token",
            token_param("serial_number", system=SYSTEMS["device-serial"]),
            "Serial number",
            "Device.identifier",
        ),
        "type": SearchParam(
            "type",
            "token",
            token_param("type_code", system=SYSTEMS["device-type"]),
            "Device type",
            "Device.type",
        ),
        "manufacturer": SearchParam(
            "manufacturer",
            "string",
            lambda s, a, vs: AnyOf(tuple(Criterion("manufacturer", "co", v.raw) for v in vs)),
            "Manufacturer (contains)",
            "Device.manufacturer",
        ),
        "organization": SearchParam(
            "organization",
            "reference",
            reference_param("facility_id", ["Organization"]),
            "Owning facility",
            "Device.owner",
            ("Organization",),
            "facility_id",
        ),
        "status": SearchParam("status", "token", _status, "active or inactive", "Device.status"),
        "origin": SearchParam(
            "origin",
            "token",
            token_param("country_of_origin"),
            "Country of origin (ISO alpha-2)",
            "Device.extension",
        ),
    }
    includes: ClassVar[dict[str, Include]] = {
        "organization": Include(
            "organization",
            "Organization",
            lambda r: [x for x in [ref_id(r.get("owner"), "Organization")] if x],
            "facility_id",
        ),
    }

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        if not ident.isdigit():
            raise NotFound("not-found", f"Device/{ident} does not exist")
        return _stored(facilities.get_equipment(session, actor, int(ident)))

    def versions(self, session: Session, actor: Principal, ident: str) -> list[Stored]:
        if not ident.isdigit():
            raise NotFound("not-found", f"Device/{ident} does not exist")
        return [
            stored(
                v.entity_id, to_fhir(EquipmentRead.model_validate(v.data)), v.version, v.recorded_at
            )
            for v in facilities.equipment_versions(session, actor, int(ident))
        ]

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        found, total = facilities.find_equipment(session, actor, query, with_total=with_total)
        return [_stored(e) for e in found], total

    def read_many(self, session: Session, actor: Principal, ids: Sequence[str]) -> list[Stored]:
        return [
            _stored(e)
            for e in facilities.read_equipment(session, actor, [int(i) for i in ids if i.isdigit()])
        ]

    def create(
        self, session: Session, actor: Principal, resource: dict[str, Any]
    ) -> tuple[Stored, list[str]]:
        owner = ref_id(resource.get("owner"), "Organization")
        if not owner or not owner.isdigit():
            raise Invalid(
                "missing-owner",
                "a Device needs an owner Organization (the facility)",
                fields={"Device.owner": "required"},
            )
        defaults: list[str] = []
        serial = resource.get("serialNumber") or next(
            (str(i["value"]) for i in resource.get("identifier", []) if i.get("value")), None
        )
        values = {
            "type_code": code_in(resource.get("type"), "device-type")
            or _default(defaults, "type", "other"),
            "manufacturer": resource.get("manufacturer")
            or _default(defaults, "manufacturer", "unknown"),
            "country_of_origin": _ext(resource, ORIGIN)
            or _default(defaults, "country of origin", UNKNOWN_COUNTRY),
            "model": resource.get("modelNumber") or "",
            "serial_number": serial or _default(defaults, "serial number", "unknown"),
            "acquired_on": parse_day(_ext(resource, ACQUIRED)),
            "status": _ext(resource, STATUS)
            or ("in_service" if resource.get("status", "active") == "active" else "out_of_service"),
            "last_maintenance_on": parse_day(_ext(resource, MAINTAINED)),
        }
        try:
            data = EquipmentCreate.model_validate(values)
        except ValidationError as exc:
            fields = {
                f"Device.{'.'.join(str(p) for p in e['loc'])}": str(e["msg"]) for e in exc.errors()
            }
            raise Invalid("invalid-device", "the device is not valid", fields=fields) from None
        known = {
            "resourceType",
            "id",
            "meta",
            "extension",
            "identifier",
            "status",
            "manufacturer",
            "serialNumber",
            "modelNumber",
            "type",
            "owner",
            "location",
            "text",
        }
        warnings = defaults + [f"Device.{k} is not stored" for k in resource if k not in known]
        return _stored(facilities.add_equipment(session, actor, int(owner), data)), warnings


register(DeviceHandler())

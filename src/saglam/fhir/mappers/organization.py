"""Organization ⇄ facilities (and the insurer, from the profile)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from saglam.core.errors import Invalid, NotFound
from saglam.core.query import AnyOf, Criterion, Query
from saglam.core.security import Principal
from saglam.core.text import fold
from saglam.country import service as country
from saglam.facilities import service as facilities
from saglam.facilities.enums import FacilityStatus
from saglam.facilities.schemas import FacilityCreate, FacilityRead, FacilityUpdate
from saglam.fhir.mappers.common import (
    SYSTEMS,
    clean,
    code_in,
    concept,
    day,
    ext_value,
    extension,
    identifier_value,
    parse_day,
    stored,
)
from saglam.fhir.params import identifier_param, token_param
from saglam.fhir.registry import Handler, SearchParam, Stored, Value, register

EXTERNAL_TYPE = "external_organization"
INSURER_ID = "insurer"
INSURER_SINCE = datetime(2021, 4, 1, tzinfo=UTC)
STORED_ELEMENTS = {
    "resourceType",
    "id",
    "meta",
    "identifier",
    "active",
    "type",
    "name",
    "alias",
    "telecom",
    "address",
    "extension",
    "text",
}


def to_fhir(f: FacilityRead) -> dict[str, Any]:
    extensions = [
        extension("beds", valueInteger=f.beds),
        extension("facility-status", valueCode=f.status.value),
    ]
    if f.contracted:
        contract: list[dict[str, Any]] = (
            [{"url": "number", "valueString": f.contract_number}] if f.contract_number else []
        )
        contract.append(
            {
                "url": "period",
                "valuePeriod": clean({"start": day(f.contract_from), "end": day(f.contract_to)}),
            }
        )
        extensions.append(extension("contract", extension=contract))
    return clean(
        {
            "resourceType": "Organization",
            "extension": extensions,
            "identifier": [
                {"system": SYSTEMS["facility-code"], "value": f.code},
                *(
                    [{"system": f.external_system, "value": f.external_value}]
                    if f.external_system
                    else []
                ),
            ],
            "active": f.status is not FacilityStatus.CLOSED,
            "type": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                            "code": "prov",
                        },
                        {"system": SYSTEMS["facility-type"], "code": f.type_code},
                    ]
                },
                concept("facility-level", f.level),
            ],
            "name": f.name_az,
            "alias": [f.name_en],
            "telecom": [{"system": "phone", "value": f.phone}] if f.phone else [],
            "address": [
                clean(
                    {
                        "text": f.address,
                        "extension": [extension("district", valueCode=f.district_code)],
                        "country": "AZ",
                    }
                )
            ],
        }
    )


def insurer(session: Session) -> Stored:
    profile = country.active_profile(session)
    resource = {
        "resourceType": "Organization",
        "active": True,
        "type": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                        "code": "ins",
                    }
                ]
            }
        ],
        "name": profile.insurance("agency_name_az"),
        "alias": [profile.insurance("agency_name_en")],
        "address": [{"country": profile.country_code}],
    }
    return stored(INSURER_ID, resource, 1, INSURER_SINCE)


def _contract(resource: dict[str, Any]) -> dict[str, Any]:
    holder = ext_value(resource, "contract")
    if not isinstance(holder, dict):
        return {"contracted": False}
    values: dict[str, Any] = {"contracted": True}
    for part in holder.get("extension", []):
        if part.get("url") == "number":
            values["contract_number"] = part.get("valueString")
        if part.get("url") == "period":
            period = part.get("valuePeriod", {})
            values["contract_from"] = parse_day(period.get("start"))
            values["contract_to"] = parse_day(period.get("end"))
    return values


def from_fhir(resource: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    warnings = [f"Organization.{k} is not stored" for k in resource if k not in STORED_ELEMENTS]
    address = (resource.get("address") or [{}])[0]
    phones = [
        t["value"]
        for t in resource.get("telecom", [])
        if t.get("system") == "phone" and t.get("value")
    ]
    foreign = [
        i
        for i in resource.get("identifier", [])
        if i.get("system") and i.get("system") != SYSTEMS["facility-code"] and i.get("value")
    ]
    warnings += [
        f"identifier {i['system']}|{i['value']} is not stored (one foreign identifier is kept)"
        for i in foreign[1:]
    ]
    type_code = code_in(resource.get("type"), "facility-type")
    if type_code is None:
        type_code = EXTERNAL_TYPE
        warnings.append(
            f"no facility type in {SYSTEMS['facility-type']}: stored as {EXTERNAL_TYPE}"
        )
    code = identifier_value(resource, SYSTEMS["facility-code"])
    if code is None:
        seed = (
            f"{foreign[0]['system']}|{foreign[0]['value']}"
            if foreign
            else str(resource.get("name"))
        )
        code = "X-" + hashlib.sha1(seed.encode()).hexdigest()[:10].upper()  # noqa: S324 - a name, not a secret
    values = {
        "code": code,
        "external_system": foreign[0]["system"] if foreign else None,
        "external_value": str(foreign[0]["value"])[:120] if foreign else None,
        "name_az": resource.get("name"),
        "name_en": (resource.get("alias") or [resource.get("name")])[0],
        "type_code": type_code,
        "district_code": ext_value(address, "district"),
        "address": address.get("text") or "",
        "phone": phones[0] if phones else None,
        "beds": ext_value(resource, "beds") or 0,
        **_contract(resource),
    }
    return values, warnings


def _to_stored(f: FacilityRead) -> Stored:
    return stored(f.id, to_fhir(f), f.version, f.updated_at)


def _name(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
    criteria = []
    for v in values:
        folded = fold(v.raw)
        if v.modifier == "exact":
            criteria.append(Criterion("name_key", "co", f"{folded} |"))
        else:
            criteria.append(Criterion("name_key", "sw", folded))
            criteria.append(
                Criterion("name_key", "co", f"| {folded}" if v.modifier != "contains" else folded)
            )
    return AnyOf(tuple(criteria))


def _active(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
    return AnyOf(
        tuple(
            Criterion(
                "status", "ne" if (v.code or v.raw) == "true" else "eq", FacilityStatus.CLOSED.value
            )
            for v in values
        )
    )


def _key(ident: str) -> int:
    if not ident.isdigit():
        raise NotFound("not-found", f"Organization/{ident} does not exist")
    return int(ident)


def _invalid(exc: ValidationError) -> Invalid:
    fields = {
        f"Organization.{'.'.join(str(p) for p in e['loc'])}": str(e["msg"]) for e in exc.errors()
    }
    return Invalid(
        "invalid-organization", "the organization is not a valid facility", fields=fields
    )


class OrganizationHandler(Handler):
    type = "Organization"
    interactions = frozenset(
        {"read", "vread", "history-instance", "search-type", "create", "update"}
    )
    conditional = True
    documentation = "Health facilities (type, level, district, beds, insurer contract); Organization/insurer is the insurance agency."
    params: ClassVar[dict[str, SearchParam]] = {
        "identifier": SearchParam(
            "identifier",
            "token",
            identifier_param(SYSTEMS["facility-code"], "code"),
            "Facility code, or the organisation's one foreign identifier (system|value)",
            "Organization.identifier",
        ),
        "name": SearchParam(
            "name",
            "string",
            _name,
            "Azerbaijani or English name, letters folded",
            "Organization.name",
        ),
        "type": SearchParam(
            "type",
            "token",
            token_param("type_code", system=SYSTEMS["facility-type"]),
            "Facility type",
            "Organization.type",
        ),
        "level": SearchParam(
            "level",
            "token",
            token_param("level", system=SYSTEMS["facility-level"]),
            "Care level (primary, secondary, tertiary, national)",
            "Organization.type",
        ),
        "address-district": SearchParam(
            "address-district",
            "token",
            token_param("district_code"),
            "District code",
            "Organization.address.district",
        ),
        "active": SearchParam("active", "token", _active, "Not closed", "Organization.active"),
    }
    sorts: ClassVar[dict[str, str]] = {
        "_id": "id",
        "_lastUpdated": "updated_at",
        "name": "name_key",
    }

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        if ident == INSURER_ID:
            return insurer(session)
        return _to_stored(facilities.get_facility(session, actor, _key(ident)))

    def versions(self, session: Session, actor: Principal, ident: str) -> list[Stored]:
        if ident == INSURER_ID:
            return [insurer(session)]
        return [
            stored(
                v.entity_id, to_fhir(FacilityRead.model_validate(v.data)), v.version, v.recorded_at
            )
            for v in facilities.facility_versions(session, actor, _key(ident))
        ]

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        found, total = facilities.find_facilities(session, actor, query, with_total=with_total)
        return [_to_stored(f) for f in found], total

    def select_ids(self, session: Session, actor: Principal, query: Query) -> Select[Any]:
        return facilities.facility_ids(session, actor, query)

    def read_many(self, session: Session, actor: Principal, ids: Sequence[str]) -> list[Stored]:
        out = [insurer(session)] if INSURER_ID in ids else []
        return out + [
            _to_stored(f)
            for f in facilities.read_facilities(
                session, actor, [int(i) for i in ids if i.isdigit()]
            )
        ]

    def create(
        self, session: Session, actor: Principal, resource: dict[str, Any]
    ) -> tuple[Stored, list[str]]:
        values, warnings = from_fhir(resource)
        try:
            data = FacilityCreate.model_validate(values)
        except ValidationError as exc:
            raise _invalid(exc) from None
        return _to_stored(facilities.create_facility(session, actor, data)), warnings

    def update(
        self,
        session: Session,
        actor: Principal,
        ident: str,
        resource: dict[str, Any],
        expected: int | None,
    ) -> tuple[Stored, list[str]]:
        current = facilities.get_facility(session, actor, _key(ident))
        if expected is not None and expected != current.version:
            from saglam.core.errors import PreconditionFailed

            raise PreconditionFailed(
                "version-conflict", f"Organization/{ident} is at version {current.version}"
            )
        values, warnings = from_fhir(resource)
        changes = {k: values[k] for k in FacilityUpdate.model_fields if k in values}
        try:
            data = FacilityUpdate.model_validate(changes)
        except ValidationError as exc:
            raise _invalid(exc) from None
        for fixed in ("code", "type_code", "district_code"):
            if values.get(fixed) not in (None, getattr(current, fixed)):
                warnings.append(
                    f"{fixed} cannot change by an update; kept {getattr(current, fixed)}"
                )
        return _to_stored(facilities.update_facility(session, actor, current.id, data)), warnings


register(OrganizationHandler())

"""Practitioner ⇄ the workforce registry; PractitionerRole ⇄ employments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from saglam.core.errors import Invalid, NotFound, PreconditionFailed
from saglam.core.query import AnyOf, Criterion, Query
from saglam.core.security import Principal
from saglam.core.types import today
from saglam.fhir.mappers.common import (
    EXT,
    SYSTEMS,
    clean,
    code_in,
    concept,
    day,
    ext_value,
    extension,
    identifier_value,
    parse_day,
    ref_id,
    stored,
)
from saglam.fhir.params import (
    date_param,
    identifier_param,
    reference_param,
    string_param,
    token_param,
)
from saglam.fhir.registry import Handler, Include, SearchParam, Stored, Value, register
from saglam.workforce import service as workforce
from saglam.workforce.schemas import (
    EmploymentCreate,
    EmploymentRead,
    PractitionerCreate,
    PractitionerRead,
    PractitionerUpdate,
)

STORED = {
    "resourceType",
    "id",
    "meta",
    "identifier",
    "active",
    "name",
    "gender",
    "birthDate",
    "qualification",
    "extension",
    "text",
}


def practitioner_to_fhir(p: PractitionerRead) -> dict[str, Any]:
    name: dict[str, Any] = {
        "use": "official",
        "family": p.surname,
        "given": [p.given_name],
        "text": f"{p.surname} {p.given_name} {p.patronymic}".strip(),
    }
    if p.patronymic:
        name["extension"] = [extension("patronymic", valueString=p.patronymic)]
    licence = (
        [{"system": SYSTEMS["licence"], "value": p.licence_number}] if p.licence_number else []
    )
    qualifications = [
        clean(
            {
                "code": concept("profession", p.profession_code),
                "identifier": licence,
                "period": clean({"end": day(p.licence_valid_until)}),
            }
        )
    ]
    if p.specialty_code:
        qualifications.append({"code": concept("specialty", p.specialty_code)})
    extensions = [
        {
            "url": EXT["nationality"],
            "extension": [
                {
                    "url": "code",
                    "valueCodeableConcept": {
                        "coding": [{"system": SYSTEMS["iso-country"], "code": p.nationality}]
                    },
                }
            ],
        }
    ]
    if p.mission_code:
        extensions.append(extension("mission", valueString=p.mission_code))
    return clean(
        {
            "resourceType": "Practitioner",
            "extension": extensions,
            "identifier": [
                *licence,
                *(
                    [{"system": p.external_system, "value": p.external_value}]
                    if p.external_system
                    else []
                ),
            ],
            "active": p.licence_valid_until is None or p.licence_valid_until >= today(),
            "name": [name],
            "gender": p.sex.value,
            "birthDate": day(p.birth_date),
            "qualification": qualifications,
        }
    )


def practitioner_from_fhir(resource: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    warnings = [f"Practitioner.{k} is not stored" for k in resource if k not in STORED]
    name = (resource.get("name") or [{}])[0]
    licence = identifier_value(resource, SYSTEMS["licence"])
    profession = specialty = None
    valid_until = None
    for q in resource.get("qualification", []):
        profession = code_in(q.get("code"), "profession") or profession
        specialty = code_in(q.get("code"), "specialty") or specialty
        if code_in(q.get("code"), "profession"):
            valid_until = parse_day((q.get("period") or {}).get("end"))
    nationality = "AZ"
    for ext in resource.get("extension", []):
        if ext.get("url") == EXT["nationality"]:
            for part in ext.get("extension", []):
                nationality = (
                    code_in(part.get("valueCodeableConcept"), "iso-country") or nationality
                )
    foreign = [
        i
        for i in resource.get("identifier", [])
        if i.get("system") and i.get("system") != SYSTEMS["licence"] and i.get("value")
    ]
    warnings += [
        f"identifier {i['system']}|{i['value']} is not stored (one foreign identifier is kept)"
        for i in foreign[1:]
    ]
    if profession is None:
        profession = "other"
        warnings.append(f"no profession in {SYSTEMS['profession']}: stored as other")
    if len(resource.get("name") or []) > 1:
        warnings.append("only the first name is stored")
    values = {
        "external_system": foreign[0]["system"] if foreign else None,
        "external_value": str(foreign[0]["value"])[:120] if foreign else None,
        "surname": name.get("family") or "?",
        "given_name": " ".join(name.get("given") or []) or "?",
        "patronymic": ext_value(name, "patronymic") or "",
        "sex": resource.get("gender") or "unknown",
        "birth_date": parse_day(resource.get("birthDate")),
        "profession_code": profession,
        "specialty_code": specialty,
        "licence_number": licence,
        "licence_valid_until": valid_until,
        "nationality": nationality,
        "mission_code": ext_value(resource, "mission"),
    }
    return values, warnings


def role_to_fhir(e: EmploymentRead) -> dict[str, Any]:
    return clean(
        {
            "resourceType": "PractitionerRole",
            "active": e.end_on is None or e.end_on >= today(),
            "period": clean({"start": day(e.start_on), "end": day(e.end_on)}),
            "practitioner": {"reference": f"Practitioner/{e.practitioner_id}"},
            "organization": {"reference": f"Organization/{e.facility_id}"},
            "location": [{"reference": f"Location/site-{e.facility_id}"}],
            "code": [concept("employment-role", e.role.value)],
        }
    )


def _key(kind: str, ident: str) -> int:
    if not ident.isdigit():
        raise NotFound("not-found", f"{kind}/{ident} does not exist")
    return int(ident)


def _invalid(kind: str, exc: ValidationError) -> Invalid:
    fields = {f"{kind}.{'.'.join(str(p) for p in e['loc'])}": str(e["msg"]) for e in exc.errors()}
    return Invalid("invalid-resource", f"the {kind} is not valid", fields=fields)


def _p_stored(p: PractitionerRead) -> Stored:
    return stored(p.id, practitioner_to_fhir(p), p.version, p.updated_at)


def _r_stored(e: EmploymentRead) -> Stored:
    from datetime import UTC, datetime

    return stored(
        e.id, role_to_fhir(e), e.version, datetime.combine(e.start_on, datetime.min.time(), UTC)
    )


def _licence_active(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
    now = today()
    criteria: list[Criterion] = []
    for v in values:
        if (v.code or v.raw) == "true":
            criteria.append(Criterion("licence_valid_until", "ge", now))
        else:
            criteria.append(Criterion("licence_valid_until", "lt", now))
    return AnyOf(tuple(criteria))


class PractitionerHandler(Handler):
    type = "Practitioner"
    interactions = frozenset(
        {"read", "vread", "history-instance", "search-type", "create", "update"}
    )
    conditional = True
    documentation = (
        "Licensed health workers (local and foreign), with profession, specialty and licence."
    )
    params: ClassVar[dict[str, SearchParam]] = {
        "identifier": SearchParam(
            "identifier",
            "token",
            identifier_param(SYSTEMS["licence"], "licence_number"),
            "Licence number, or the practitioner's one foreign identifier (system|value)",
            "Practitioner.identifier",
        ),
        "name": SearchParam(
            "name",
            "string",
            string_param("name_key", "given_key"),
            "Family or given name, letters folded",
            "Practitioner.name",
        ),
        "family": SearchParam(
            "family",
            "string",
            string_param("name_key"),
            "Family name, letters folded",
            "Practitioner.name.family",
        ),
        "given": SearchParam(
            "given",
            "string",
            string_param("given_key"),
            "Given name, letters folded",
            "Practitioner.name.given",
        ),
        "gender": SearchParam(
            "gender", "token", token_param("sex"), "Gender", "Practitioner.gender"
        ),
        "birthdate": SearchParam(
            "birthdate", "date", date_param("birth_date"), "Date of birth", "Practitioner.birthDate"
        ),
        "specialty": SearchParam(
            "specialty",
            "token",
            token_param("specialty_code", system=SYSTEMS["specialty"]),
            "Specialty",
            "Practitioner.qualification.code",
        ),
        "qualification-code": SearchParam(
            "qualification-code",
            "token",
            token_param("profession_code", system=SYSTEMS["profession"]),
            "Profession",
            "Practitioner.qualification.code",
        ),
        "nationality": SearchParam(
            "nationality",
            "token",
            token_param("nationality"),
            "Nationality (ISO 3166 alpha-2)",
            "Practitioner.extension",
        ),
        "active": SearchParam(
            "active", "token", _licence_active, "Licence valid today", "Practitioner.active"
        ),
    }
    sorts: ClassVar[dict[str, str]] = {
        "_id": "id",
        "_lastUpdated": "updated_at",
        "family": "name_key",
        "birthdate": "birth_date",
    }

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        return _p_stored(workforce.get_practitioner(session, actor, _key(self.type, ident)))

    def versions(self, session: Session, actor: Principal, ident: str) -> list[Stored]:
        return [
            stored(
                v.entity_id,
                practitioner_to_fhir(PractitionerRead.model_validate(v.data)),
                v.version,
                v.recorded_at,
            )
            for v in workforce.practitioner_versions(session, actor, _key(self.type, ident))
        ]

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        found, total = workforce.find_practitioners(session, actor, query, with_total=with_total)
        return [_p_stored(p) for p in found], total

    def select_ids(self, session: Session, actor: Principal, query: Query) -> Select[Any]:
        return workforce.practitioner_ids(session, actor, query)

    def read_many(self, session: Session, actor: Principal, ids: Sequence[str]) -> list[Stored]:
        return [
            _p_stored(p)
            for p in workforce.read_practitioners(
                session, actor, [int(i) for i in ids if i.isdigit()]
            )
        ]

    def create(
        self, session: Session, actor: Principal, resource: dict[str, Any]
    ) -> tuple[Stored, list[str]]:
        values, warnings = practitioner_from_fhir(resource)
        try:
            data = PractitionerCreate.model_validate(values)
        except ValidationError as exc:
            raise _invalid(self.type, exc) from None
        return _p_stored(workforce.create_practitioner(session, actor, data)), warnings

    def update(
        self,
        session: Session,
        actor: Principal,
        ident: str,
        resource: dict[str, Any],
        expected: int | None,
    ) -> tuple[Stored, list[str]]:
        current = workforce.get_practitioner(session, actor, _key(self.type, ident))
        if expected is not None and expected != current.version:
            raise PreconditionFailed(
                "version-conflict", f"Practitioner/{ident} is at version {current.version}"
            )
        values, warnings = practitioner_from_fhir(resource)
        try:
            data = PractitionerUpdate.model_validate(
                {k: values[k] for k in PractitionerUpdate.model_fields if k in values}
            )
        except ValidationError as exc:
            raise _invalid(self.type, exc) from None
        return _p_stored(workforce.update_practitioner(session, actor, current.id, data)), warnings


def _specialty(session: Session, actor: Principal, values: Sequence[Value]) -> Criterion:
    codes = [(v.code or v.raw) for v in values]
    subquery = workforce.practitioner_ids(
        session, actor, Query(clauses=(Criterion("specialty_code", "in", codes),), limit=None)
    )
    return Criterion("practitioner_id", "in_select", subquery)


def _role_active(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
    now: date = today()
    criteria: list[Criterion] = []
    for v in values:
        if (v.code or v.raw) == "true":
            criteria += [Criterion("end_on", "missing", True), Criterion("end_on", "ge", now)]
        else:
            criteria.append(Criterion("end_on", "lt", now))
    return AnyOf(tuple(criteria))


class PractitionerRoleHandler(Handler):
    type = "PractitionerRole"
    interactions = frozenset({"read", "search-type", "create"})
    documentation = "Employments: a practitioner working at a facility in a role, for a period."
    params: ClassVar[dict[str, SearchParam]] = {
        "practitioner": SearchParam(
            "practitioner",
            "reference",
            reference_param("practitioner_id", ["Practitioner"]),
            "The practitioner",
            "PractitionerRole.practitioner",
            ("Practitioner",),
            "practitioner_id",
        ),
        "organization": SearchParam(
            "organization",
            "reference",
            reference_param("facility_id", ["Organization"]),
            "The facility",
            "PractitionerRole.organization",
            ("Organization",),
            "facility_id",
        ),
        "role": SearchParam(
            "role",
            "token",
            token_param("role", system=SYSTEMS["employment-role"]),
            "Role",
            "PractitionerRole.code",
        ),
        "specialty": SearchParam(
            "specialty",
            "token",
            _specialty,
            "The practitioner's specialty",
            "PractitionerRole.specialty",
        ),
        "active": SearchParam(
            "active", "token", _role_active, "Employment not ended", "PractitionerRole.active"
        ),
        "date": SearchParam(
            "date",
            "date",
            date_param("start_on"),
            "Start of the employment",
            "PractitionerRole.period",
        ),
    }
    sorts: ClassVar[dict[str, str]] = {"_id": "id", "date": "start_on"}
    includes: ClassVar[dict[str, Include]] = {
        "practitioner": Include(
            "practitioner",
            "Practitioner",
            lambda r: [x for x in [ref_id(r.get("practitioner"), "Practitioner")] if x],
            "practitioner_id",
        ),
        "organization": Include(
            "organization",
            "Organization",
            lambda r: [x for x in [ref_id(r.get("organization"), "Organization")] if x],
            "facility_id",
        ),
    }

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        return _r_stored(workforce.get_employment(session, actor, _key(self.type, ident)))

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        found, total = workforce.find_employments(session, actor, query, with_total=with_total)
        return [_r_stored(e) for e in found], total

    def read_many(self, session: Session, actor: Principal, ids: Sequence[str]) -> list[Stored]:
        return [
            _r_stored(e)
            for e in workforce.read_employments(
                session, actor, [int(i) for i in ids if i.isdigit()]
            )
        ]

    def create(
        self, session: Session, actor: Principal, resource: dict[str, Any]
    ) -> tuple[Stored, list[str]]:
        practitioner = ref_id(resource.get("practitioner"), "Practitioner")
        organization = ref_id(resource.get("organization"), "Organization")
        if not (
            practitioner and practitioner.isdigit() and organization and organization.isdigit()
        ):
            raise Invalid(
                "missing-reference",
                "a PractitionerRole needs a practitioner and an organization",
                fields={"PractitionerRole.practitioner": "required"},
            )
        period = resource.get("period") or {}
        values = {
            "facility_id": int(organization),
            "role": code_in(resource.get("code"), "employment-role") or "other",
            "start_on": parse_day(period.get("start")) or today(),
            "end_on": parse_day(period.get("end")),
        }
        try:
            data = EmploymentCreate.model_validate(values)
        except ValidationError as exc:
            raise _invalid(self.type, exc) from None
        warnings = [
            f"PractitionerRole.{k} is not stored"
            for k in resource
            if k
            not in {
                "resourceType",
                "id",
                "meta",
                "practitioner",
                "organization",
                "period",
                "code",
                "active",
                "location",
                "text",
            }
        ]
        return _r_stored(
            workforce.add_employment(session, actor, int(practitioner), data)
        ), warnings


register(PractitionerHandler())
register(PractitionerRoleHandler())

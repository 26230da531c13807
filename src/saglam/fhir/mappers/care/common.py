"""What the care record mappers share: code systems, coded values, references, search parameters and the handler base."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from saglam.care import service as care
from saglam.core.errors import Invalid, NotFound
from saglam.core.query import Criterion, Query
from saglam.core.security import Principal
from saglam.fhir.mappers.common import BASE, clean, ref_id, stored
from saglam.fhir.params import reference_param
from saglam.fhir.registry import Handler, SearchParam, Stored, Value

ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
SERVICES = f"{BASE}/CodeSystem/service"
FORMULARY = f"{BASE}/CodeSystem/formulary"
SPECIALTY = f"{BASE}/CodeSystem/specialty"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLASS_CODES = {
    "ambulatory": "AMB",
    "inpatient": "IMP",
    "emergency": "EMER",
    "home": "HH",
    "virtual": "VR",
}
ROLE_CODES = {
    "attender": "ATND",
    "admitter": "ADM",
    "discharger": "DIS",
    "consultant": "CON",
    "primary-performer": "PPRF",
}


def _when(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _code(system: str, code: str | None, display: str | None = None) -> dict[str, Any] | None:
    if not code:
        return None
    return {"coding": [clean({"system": system, "code": code, "display": display})]}


def _ref(kind: str, ident: int | None) -> dict[str, str] | None:
    return {"reference": f"{kind}/{ident}"} if ident else None


def _coded(concept: Any, system: str) -> str | None:
    for c in (concept or {}).get("coding", []):
        if c.get("system") == system and c.get("code"):
            return str(c["code"])
    return None


def _patient_of(resource: dict[str, Any]) -> int:
    ident = ref_id(resource.get("subject"), "Patient")
    if not ident or not ident.isdigit():
        raise Invalid(
            "missing-subject",
            "the resource needs a subject Patient/<id>",
            fields={f"{resource['resourceType']}.subject": "required"},
        )
    return int(ident)


def _encounter_of(resource: dict[str, Any]) -> int | None:
    ident = ref_id(resource.get("encounter"), "Encounter")
    return int(ident) if ident and ident.isdigit() else None


def _validated(model: type[BaseModel], values: dict[str, Any], kind: str) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        fields = {
            f"{kind}.{'.'.join(str(p) for p in e['loc'])}": str(e["msg"]) for e in exc.errors()
        }
        raise Invalid("invalid-resource", f"the {kind} is not valid", fields=fields) from None


def _parse_time(text: Any) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _warnings(resource: dict[str, Any], known: set[str]) -> list[str]:
    return [
        f"{resource['resourceType']}.{k} is not stored"
        for k in resource
        if k not in known | {"resourceType", "id", "meta", "text"}
    ]


def _practitioner(session: Session, actor: Principal, values: Sequence[Value]) -> Criterion:
    from saglam.fhir.params import reference_ids

    ids = [int(i) for i in reference_ids(values, ["Practitioner"]) if i.isdigit()]
    return Criterion("id", "in_select", care.encounters_with(ids))


def _patient_param(expression: str) -> SearchParam:
    return SearchParam(
        "patient",
        "reference",
        reference_param("patient_id", ["Patient"]),
        "The patient",
        expression,
        ("Patient",),
        "patient_id",
    )


def _subject_param(expression: str) -> SearchParam:
    return SearchParam(
        "subject",
        "reference",
        reference_param("patient_id", ["Patient"]),
        "The patient",
        expression,
        ("Patient",),
        "patient_id",
    )


def _encounter_param(expression: str) -> SearchParam:
    return SearchParam(
        "encounter",
        "reference",
        reference_param("encounter_id", ["Encounter"]),
        "The encounter",
        expression,
        ("Encounter",),
        "encounter_id",
    )


def _ref_list(
    getter: Callable[[dict[str, Any]], Any], kind: str
) -> Callable[[dict[str, Any]], list[str]]:
    def refs(resource: dict[str, Any]) -> list[str]:
        value = getter(resource)
        values = value if isinstance(value, list) else [value]
        return [x for x in (ref_id(v, kind) for v in values if v) if x]

    return refs


class CareHandler(Handler):
    """One care record type: reads through the care queries, writes through the care service."""

    read_model: ClassVar[type[BaseModel]]

    def convert(self, dto: Any) -> dict[str, Any]:
        raise NotImplementedError

    interactions = frozenset({"read", "vread", "history-instance", "search-type", "create"})
    sorts: ClassVar[dict[str, str]] = {"_id": "id", "_lastUpdated": "updated_at"}

    def _stored(self, dto: Any) -> Stored:
        return stored(dto.id, self.convert(dto), dto.version, dto.updated_at)

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        if not ident.isdigit():
            raise NotFound("not-found", f"{self.type}/{ident} does not exist")
        return self._stored(care.read_one(session, actor, self.type, int(ident)))

    def versions(self, session: Session, actor: Principal, ident: str) -> list[Stored]:
        if not ident.isdigit():
            raise NotFound("not-found", f"{self.type}/{ident} does not exist")
        return [
            stored(
                v.entity_id,
                self.convert(self.read_model.model_validate(v.data)),
                v.version,
                v.recorded_at,
            )
            for v in care.versions(session, actor, self.type, int(ident))
        ]

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        found, total = care.find(session, actor, self.type, query, with_total=with_total)
        return [self._stored(d) for d in found], total

    def select_ids(self, session: Session, actor: Principal, query: Query) -> Select[Any]:
        return care.select_ids(session, actor, self.type, query)

    def read_many(self, session: Session, actor: Principal, ids: Sequence[str]) -> list[Stored]:
        return [
            self._stored(d)
            for d in care.read_many(session, actor, self.type, [int(i) for i in ids if i.isdigit()])
        ]

    def _created(self, row: Any, warnings: list[str]) -> tuple[Stored, list[str]]:
        return self._stored(
            self.read_model.model_validate(row) if not isinstance(row, BaseModel) else row
        ), warnings

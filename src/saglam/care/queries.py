"""Reading care records: by id, by neutral criteria, and a patient's whole record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.care import repository
from saglam.care.models import Encounter, Participant
from saglam.care.schemas import (
    DiagnosisRead,
    EncounterRead,
    EncounterRecord,
    ObservationRead,
    ParticipantRead,
    PrescriptionRead,
    ReferralRead,
    ServiceLineRead,
)
from saglam.core.errors import NotFound
from saglam.core.message import Message
from saglam.core.query import Criterion, Query
from saglam.core.security import Principal
from saglam.history import service as history
from saglam.history.schemas import VersionRead
from saglam.patients import service as patients
from saglam.patients.schemas import PatientRead

READ_MODELS: dict[str, type[BaseModel]] = {
    "Encounter": EncounterRead,
    "Condition": DiagnosisRead,
    "Procedure": ServiceLineRead,
    "Observation": ObservationRead,
    "ServiceRequest": ReferralRead,
    "MedicationRequest": PrescriptionRead,
}
KINDS = tuple(READ_MODELS)


def encounter_read(
    session: Session,
    rows: Sequence[Encounter],
    people: Mapping[int, Sequence[Participant]] | None = None,
) -> list[EncounterRead]:
    """Encounters with their participants (read from the database unless given)."""
    if people is None:
        people = repository.participants(session, [r.id for r in rows])
    return [
        EncounterRead.model_validate(r).model_copy(
            update={
                "participants": [ParticipantRead.model_validate(p) for p in people.get(r.id, [])]
            }
        )
        for r in rows
    ]


def _dtos(session: Session, kind: str, rows: Sequence[Any]) -> list[Any]:
    if kind == "Encounter":
        return encounter_read(session, rows)
    model = READ_MODELS[kind]
    return [model.model_validate(r) for r in rows]


def record_of(
    session: Session,
    encounter: Encounter,
    warnings: list[str],
    *,
    read: EncounterRead | None = None,
    children: Mapping[str, Sequence[Any]] | None = None,
) -> EncounterRecord:
    """The encounter with what was done in it; ``read`` and ``children`` (rows by kind, in id
    order) spare the queries when the caller has just written them."""

    def rows(kind: str) -> Sequence[Any]:
        if children is not None:
            return children.get(kind, ())
        return repository.children(session, kind, encounter.id)

    return EncounterRecord(
        encounter=read if read is not None else encounter_read(session, [encounter])[0],
        diagnoses=_dtos(session, "Condition", rows("Condition")),
        services=_dtos(session, "Procedure", rows("Procedure")),
        observations=_dtos(session, "Observation", rows("Observation")),
        referrals=_dtos(session, "ServiceRequest", rows("ServiceRequest")),
        prescriptions=_dtos(session, "MedicationRequest", rows("MedicationRequest")),
        warnings=warnings,
    )


def _scoped(session: Session, actor: Principal, query: Query) -> Query:
    """Limit to patients the actor may see (nothing added for national actors)."""
    if actor.is_national:
        return query
    visible = patients.select_ids(session, actor, Query(limit=None))
    return Query(
        clauses=(*query.clauses, Criterion("patient_id", "in_select", visible)),
        sort=query.sort,
        limit=query.limit,
        offset=query.offset,
    )


def find(
    session: Session, actor: Principal, kind: str, query: Query, *, with_total: bool = False
) -> tuple[list[Any], int | None]:
    """Records of ``kind`` matching neutral criteria among the patients the actor may see;
    every patient touched is audited."""
    audit.require(session, actor, kind, "read", action=AuditAction.SEARCH)
    scoped = _scoped(session, actor, query)
    rows = repository.find(session, kind, scoped) if query.limit != 0 else []
    total = repository.count_matching(session, kind, scoped) if with_total else None
    for pid in sorted({r.patient_id for r in rows}):
        audit.record(
            session,
            actor,
            AuditAction.SEARCH,
            kind,
            patient_id=pid,
            detail={"returned": sum(1 for r in rows if r.patient_id == pid)},
        )
    return _dtos(session, kind, rows), total


def select_ids(session: Session, actor: Principal, kind: str, query: Query) -> Select[Any]:
    audit.require(session, actor, kind, "read", action=AuditAction.SEARCH)
    model = repository.MODELS[kind]
    from saglam.core.query import where

    return select(model.id).where(*where(repository.FIELDS[kind], _scoped(session, actor, query)))


def read_one(session: Session, actor: Principal, kind: str, ident: int) -> Any:
    audit.require(session, actor, kind, "read", action=AuditAction.READ, entity_id=ident)
    row = repository.get(session, kind, ident)
    if row is None:
        raise NotFound("not-found", Message("%(kind)s/%(id)s does not exist", kind=kind, id=ident))
    patients.get(session, actor, row.patient_id)
    audit.record(session, actor, AuditAction.READ, kind, ident, patient_id=row.patient_id)
    return _dtos(session, kind, [row])[0]


def read_many(session: Session, actor: Principal, kind: str, ids: Sequence[int]) -> list[Any]:
    audit.require(session, actor, kind, "read", action=AuditAction.READ)
    rows = repository.many(session, kind, ids)
    scope = patients.facility_scope(session, actor)
    if scope is not None:
        visible = set(
            session.execute(
                patients.select_ids(
                    session,
                    actor,
                    Query(
                        clauses=(Criterion("id", "in", [r.patient_id for r in rows]),), limit=None
                    ),
                )
            ).scalars()
        )
        rows = [r for r in rows if r.patient_id in visible]
    for row in rows:
        audit.record(session, actor, AuditAction.READ, kind, row.id, patient_id=row.patient_id)
    return _dtos(session, kind, rows)


def get_encounter(session: Session, actor: Principal, encounter_id: int) -> EncounterRecord:
    """An encounter with everything recorded during it (audited)."""
    audit.require(
        session, actor, "Encounter", "read", action=AuditAction.READ, entity_id=encounter_id
    )
    row = repository.get(session, "Encounter", encounter_id)
    if row is None:
        raise NotFound("encounter-not-found", Message("no encounter %(id)s", id=encounter_id))
    patients.get(session, actor, row.patient_id)
    audit.record(
        session, actor, AuditAction.READ, "Encounter", encounter_id, patient_id=row.patient_id
    )
    return record_of(session, row, [])


def versions(session: Session, actor: Principal, kind: str, ident: int) -> list[VersionRead]:
    current = read_one(session, actor, kind, ident)
    found = history.versions(session, kind, ident) if kind == "Encounter" else []
    if not found or found[0].version != current.version:
        found.insert(
            0,
            VersionRead(
                entity_type=kind,
                entity_id=ident,
                version=current.version,
                recorded_at=current.updated_at,
                deleted=False,
                data=current.model_dump(mode="json"),
            ),
        )
    return found


def everything(
    session: Session, actor: Principal, patient_id: int, *, count: int = 100, offset: int = 0
) -> tuple[PatientRead, list[tuple[str, Any]], int]:
    """A patient's whole record (merged records included), one page, in kind order; and the total."""
    patient = patients.get(session, actor, patient_id)
    audit.require(
        session, actor, "Encounter", "read", action=AuditAction.READ, patient_id=patient_id
    )
    ids = patients.identity_ids(session, patient_id)
    sizes = [(kind, repository.count_of_patients(session, kind, ids)) for kind in KINDS]
    page: list[tuple[str, Any]] = []
    cursor = offset
    for kind, size in sizes:
        if len(page) >= count:
            break
        if cursor >= size:
            cursor -= size
            continue
        rows = repository.of_patients(session, kind, ids, count - len(page), cursor)
        page.extend((kind, dto) for dto in _dtos(session, kind, rows))
        cursor = 0
    audit.record(
        session,
        actor,
        AuditAction.READ,
        "Patient",
        patient_id,
        patient_id=patient_id,
        detail={"everything": True, "offset": offset},
    )
    return patient, page, sum(size for _, size in sizes)


def encounters_with(practitioner_ids: Sequence[int]) -> Select[Any]:
    """The ids of encounters in which any of the practitioners took part (for searches)."""
    stmt: Select[Any] = repository.encounters_of_practitioner(practitioner_ids)
    return stmt

"""Every query of the care domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from saglam.care.enums import EncounterStatus
from saglam.care.models import (
    Diagnosis,
    Encounter,
    Observation,
    Participant,
    Prescription,
    Referral,
    ServiceLine,
)
from saglam.core.frames import in_ids, read_frames
from saglam.core.query import Query, apply, count

MODELS: dict[str, Any] = {
    "Encounter": Encounter,
    "Condition": Diagnosis,
    "Procedure": ServiceLine,
    "Observation": Observation,
    "ServiceRequest": Referral,
    "MedicationRequest": Prescription,
}

_COMMON = ("id", "patient_id", "encounter_id", "updated_at")
FIELDS: dict[str, dict[str, Any]] = {
    "Encounter": {
        "id": Encounter.id, "patient_id": Encounter.patient_id, "facility_id": Encounter.facility_id,
        "class": Encounter.klass, "status": Encounter.status, "start": Encounter.start, "end": Encounter.end,
        "reason_code": Encounter.reason_code, "updated_at": Encounter.updated_at,
    },
    "Condition": {
        **{c: getattr(Diagnosis, c) for c in _COMMON}, "code": Diagnosis.code, "rank": Diagnosis.rank,
        "clinical_status": Diagnosis.clinical_status, "verification_status": Diagnosis.verification_status,
        "onset": Diagnosis.onset, "recorded_on": Diagnosis.recorded_on,
    },
    "Procedure": {
        **{c: getattr(ServiceLine, c) for c in _COMMON}, "service_code": ServiceLine.service_code,
        "performer_id": ServiceLine.performer_id, "performed_on": ServiceLine.performed_on, "status": ServiceLine.status,
    },
    "Observation": {
        **{c: getattr(Observation, c) for c in _COMMON}, "loinc": Observation.loinc, "category": Observation.category,
        "effective_at": Observation.effective_at, "status": Observation.status, "interpretation": Observation.interpretation,
        "value": Observation.value,
    },
    "ServiceRequest": {
        **{c: getattr(Referral, c) for c in _COMMON}, "from_facility_id": Referral.from_facility_id,
        "to_facility_id": Referral.to_facility_id, "from_practitioner_id": Referral.from_practitioner_id,
        "to_specialty": Referral.to_specialty, "status": Referral.status, "authored_on": Referral.authored_on,
        "service_code": Referral.service_code, "reason_code": Referral.reason_code,
    },
    "MedicationRequest": {
        **{c: getattr(Prescription, c) for c in _COMMON}, "medication_code": Prescription.medication_code,
        "prescriber_id": Prescription.prescriber_id, "status": Prescription.status, "authored_on": Prescription.authored_on,
        "free_program": Prescription.free_program,
    },
}  # fmt: skip


def find(session: Session, kind: str, query: Query) -> list[Any]:
    model = MODELS[kind]
    return list(session.execute(apply(select(model), FIELDS[kind], query, model.id)).scalars())


def count_matching(session: Session, kind: str, query: Query) -> int:
    return int(session.execute(count(select(MODELS[kind]), FIELDS[kind], query)).scalar_one())


def many(session: Session, kind: str, ids: Sequence[int]) -> list[Any]:
    model = MODELS[kind]
    return list(session.execute(select(model).where(model.id.in_(list(ids)))).scalars())


def get(session: Session, kind: str, ident: int) -> Any:
    return session.get(MODELS[kind], ident)


def participants(session: Session, encounter_ids: Sequence[int]) -> dict[int, list[Participant]]:
    found: dict[int, list[Participant]] = {}
    if not encounter_ids:
        return found
    stmt = (
        select(Participant)
        .where(Participant.encounter_id.in_(list(encounter_ids)))
        .order_by(Participant.id)
    )
    for row in session.execute(stmt).scalars():
        found.setdefault(row.encounter_id, []).append(row)
    return found


def encounters_of_practitioner(practitioner_ids: Sequence[int]) -> Any:
    return select(Participant.encounter_id).where(
        Participant.practitioner_id.in_(list(practitioner_ids))
    )


def of_patients(
    session: Session, kind: str, patient_ids: Sequence[int], limit: int, offset: int
) -> list[Any]:
    model = MODELS[kind]
    stmt = (
        select(model)
        .where(model.patient_id.in_(list(patient_ids)))
        .order_by(model.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.execute(stmt).scalars())


def children(session: Session, kind: str, encounter_id: int) -> list[Any]:
    model = MODELS[kind]
    return list(
        session.execute(
            select(model).where(model.encounter_id == encounter_id).order_by(model.id)
        ).scalars()
    )


def diagnosed(session: Session, patient_ids: Sequence[int]) -> list[str]:
    stmt = select(Diagnosis.code).where(Diagnosis.patient_id.in_(list(patient_ids))).distinct()
    return [str(c) for c in session.execute(stmt).scalars()]


def count_of_patients(session: Session, kind: str, patient_ids: Sequence[int]) -> int:
    model = MODELS[kind]
    stmt = select(func.count()).select_from(model).where(model.patient_id.in_(list(patient_ids)))
    return int(session.execute(stmt).scalar_one())


REFERRAL_FACTS = {
    "patient_id": pl.Int64, "to_facility_id": pl.Int64, "to_specialty": pl.String, "authored_on": pl.Date,
}  # fmt: skip


def referral_facts(session: Session, patient_ids: Sequence[int]) -> pl.DataFrame:
    return read_frames(
        session,
        patient_ids,
        lambda part: select(
            Referral.patient_id,
            Referral.to_facility_id,
            Referral.to_specialty,
            Referral.authored_on,
        ).where(in_ids(session, Referral.patient_id, part), Referral.status != "revoked"),
        REFERRAL_FACTS,
    )


def encounters_by_month(
    session: Session, start: datetime, end: datetime, zone: str, places: Select[Any, Any] | None
) -> list[tuple[str, int]]:
    """(month in ``zone``, encounters not cancelled) of those that started in [start, end), at
    the facilities of ``places`` (a SELECT of facility id and district; all when None)."""
    if session.get_bind().dialect.name == "postgresql":
        month = func.to_char(func.timezone(zone, Encounter.start), "YYYY-MM")
    else:
        # SQLite keeps naive UTC text and knows no zones: shift by the zone's offset (exact for
        # zones without summer time, such as Asia/Baku)
        shift = start.astimezone(ZoneInfo(zone)).utcoffset()
        seconds = int(shift.total_seconds()) if shift else 0
        month = func.strftime("%Y-%m", Encounter.start, f"{seconds:+d} seconds")
    inner = select(month.label("month")).where(
        Encounter.start >= start,
        Encounter.start < end,
        Encounter.status != EncounterStatus.CANCELLED.value,
    )
    if places is not None:
        place = places.subquery()
        inner = inner.where(Encounter.facility_id.in_(select(place.c.id)))
    # grouped outside, so PostgreSQL need not match the bound zone of SELECT and GROUP BY
    months = inner.subquery()
    stmt = select(months.c.month, func.count()).group_by(months.c.month)
    return [(str(m), int(n)) for m, n in session.execute(stmt)]


def year_totals(session: Session, first: date, last: date) -> tuple[int, int, int, dict[str, int]]:
    """Encounters, inpatient stays among them, laboratory results, and services by quantity per
    code, over [first, last]: one aggregate query per table."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    visits, stays = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Encounter.klass == "inpatient", 1), else_=0)), 0),
        ).where(
            Encounter.start >= start,
            Encounter.start < end,
            Encounter.status != EncounterStatus.CANCELLED.value,
        )
    ).one()
    labs = session.execute(
        select(func.count()).where(
            Observation.category == "laboratory",
            Observation.effective_at >= start,
            Observation.effective_at < end,
        )
    ).scalar_one()
    by_code = select(ServiceLine.service_code, func.sum(ServiceLine.quantity)).where(
        ServiceLine.performed_on >= first, ServiceLine.performed_on <= last
    )
    quantities = {
        str(code): int(quantity)
        for code, quantity in session.execute(by_code.group_by(ServiceLine.service_code))
    }
    return int(visits), int(stays), int(labs), quantities


def patients_with_codes(session: Session, prefixes: Sequence[str], first: date, last: date) -> int:
    """Distinct patients with a diagnosis whose code starts with one of ``prefixes``, recorded
    over [first, last]."""
    match = or_(*(Diagnosis.code.startswith(p, autoescape=True) for p in prefixes))
    stmt = select(func.count(func.distinct(Diagnosis.patient_id))).where(
        match, Diagnosis.recorded_on >= first, Diagnosis.recorded_on <= last
    )
    return int(session.execute(stmt).scalar_one())

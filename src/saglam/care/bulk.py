"""Bulk loading of generated care rows (the synthetic country)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.care.models import (
    Diagnosis,
    Encounter,
    Observation,
    Participant,
    Prescription,
    Referral,
    ServiceLine,
)
from saglam.core.bulk import keys_set_aside, load_rows, reset_sequence
from saglam.core.security import Principal

COLUMNS: dict[str, tuple[str, ...]] = {
    "encounters": ("id", "patient_id", "facility_id", "class", "status", "start", "end", "reason_code", "reason_text", "admission_source", "discharge_disposition", "referral_id", "version", "updated_at"),
    "participants": ("encounter_id", "practitioner_id", "role"),
    "diagnoses": ("patient_id", "encounter_id", "code", "rank", "clinical_status", "verification_status", "onset", "recorded_on", "version", "updated_at"),
    "services": ("patient_id", "encounter_id", "service_code", "performer_id", "performed_on", "quantity", "status", "version", "updated_at"),
    "observations": ("patient_id", "encounter_id", "loinc", "category", "value", "value_text", "unit", "low", "high", "interpretation", "effective_at", "status", "version", "updated_at"),
    "referrals": ("patient_id", "encounter_id", "from_facility_id", "from_practitioner_id", "to_facility_id", "to_specialty", "service_code", "reason_code", "status", "authored_on", "note", "version", "updated_at"),
    "prescriptions": ("patient_id", "encounter_id", "medication_code", "prescriber_id", "dosage", "quantity", "authored_on", "status", "free_program", "version", "updated_at"),
}  # fmt: skip
_TABLES = {
    "encounters": Encounter, "participants": Participant, "diagnoses": Diagnosis, "services": ServiceLine,
    "observations": Observation, "referrals": Referral, "prescriptions": Prescription,
}  # fmt: skip


def bulk_load(
    session: Session, actor: Principal, tables: Mapping[str, Sequence[Sequence[Any]]]
) -> dict[str, int]:
    """Load generated care rows (each table's rows in COLUMNS order)."""
    audit.require(session, actor, "Encounter", "write", action=AuditAction.CREATE)
    counts = {}
    for name, rows in tables.items():
        counts[name] = (
            load_rows(session, _TABLES[name].__table__, COLUMNS[name], rows) if rows else 0
        )
    return counts


def bulk_loading(session: Session, actor: Principal) -> AbstractContextManager[None]:
    """Around a whole country's care loads: keys and indexes set aside (see core.bulk)."""
    audit.require(session, actor, "Encounter", "write", action=AuditAction.CREATE)
    return keys_set_aside(session, [cast(Table, t.__table__) for t in _TABLES.values()])


def after_bulk_load(session: Session, actor: Principal, counts: dict[str, int]) -> None:
    reset_sequence(session, Encounter.__table__)
    audit.record(session, actor, AuditAction.CREATE, "Encounter", detail=counts)

"""Bulk loading of generated people and their facility links (the synthetic country)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.bulk import indexes_dropped, keys_set_aside, load_rows, reset_sequence
from saglam.core.errors import Conflict
from saglam.core.message import Message
from saglam.core.security import Principal
from saglam.patients import repository
from saglam.patients.models import Patient, PatientFacility

PATIENT_COLUMNS = (
    "id", "fin", "surname", "given_name", "patronymic", "surname_key", "given_key", "surname_phon",
    "given_phon", "sex", "birth_date", "death_date", "district_code", "address", "phone",
    "household_id", "insurance_category", "nationality", "registered_facility_id", "status",
    "version", "updated_at",
)  # fmt: skip


@contextmanager
def bulk_loading(
    session: Session, actor: Principal
) -> Iterator[Callable[[Iterable[Sequence[Any]]], int]]:
    """Load generated patients (rows in PATIENT_COLUMNS order) into an empty index, fast:
    secondary indexes are dropped during the load and rebuilt after it."""
    audit.require(session, actor, "Patient", "write", action=AuditAction.CREATE)
    if repository.any_patient(session):
        raise Conflict("patients-exist", Message("bulk loading needs an empty patient index"))
    table = Patient.__table__
    loaded = 0

    def load(rows: Iterable[Sequence[Any]]) -> int:
        nonlocal loaded
        count = load_rows(session, table, PATIENT_COLUMNS, rows)
        loaded += count
        return count

    links = cast(Table, PatientFacility.__table__)
    with indexes_dropped(session, table), keys_set_aside(session, [links]):  # type: ignore[arg-type]
        yield load
    reset_sequence(session, table)
    audit.record(session, actor, AuditAction.CREATE, "Patient", detail={"patients": loaded})


def bulk_links(session: Session, actor: Principal, rows: Iterable[Sequence[Any]]) -> int:
    """Load generated (patient, facility, reason, since) links; pairs already present are skipped."""
    audit.require(session, actor, "Patient", "write", action=AuditAction.CREATE)
    return load_rows(
        session, PatientFacility.__table__, ("patient_id", "facility_id", "reason", "since"), rows
    )

"""Workforce use cases: register practitioners, their licences and their employments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.bulk import load_rows, reset_sequence
from saglam.core.errors import Conflict, Invalid, NotFound
from saglam.core.message import Message
from saglam.core.query import Query
from saglam.core.security import Principal
from saglam.core.text import fold
from saglam.core.types import today, utcnow
from saglam.country import service as country
from saglam.facilities import service as facilities
from saglam.history import service as history
from saglam.history.schemas import VersionRead
from saglam.workforce import repository
from saglam.workforce.models import Employment, Practitioner
from saglam.workforce.schemas import (
    EmploymentCreate,
    EmploymentRead,
    PractitionerCreate,
    PractitionerQuery,
    PractitionerRead,
    PractitionerUpdate,
)


def name_key(surname: str, given_name: str) -> str:
    return fold(f"{surname} {given_name}")[:80]


def _load(session: Session, practitioner_id: int) -> Practitioner:
    row = repository.get(session, practitioner_id)
    if row is None:
        raise NotFound(
            "practitioner-not-found", Message("no practitioner %(id)s", id=practitioner_id)
        )
    return row


def _check_codes(session: Session, profession: str, specialty: str | None) -> None:
    profile = country.active_profile(session)
    professions = {p.code: p.group for p in profile.professions}
    if profession not in professions:
        raise Invalid(
            "unknown-profession",
            Message("unknown profession '%(code)s'", code=profession),
            fields={"profession_code": Message("unknown")},
        )
    if specialty is not None and specialty not in {s.code for s in profile.specialties}:
        raise Invalid(
            "unknown-specialty",
            Message("unknown specialty '%(code)s'", code=specialty),
            fields={"specialty_code": Message("unknown")},
        )
    if professions[profession] == "doctor" and specialty is None:
        raise Invalid(
            "specialty-required",
            Message("a physician needs a specialty"),
            fields={"specialty_code": Message("required")},
        )


def create_practitioner(
    session: Session, actor: Principal, data: PractitionerCreate
) -> PractitionerRead:
    """Register a licensed professional (local or foreign)."""
    audit.require(session, actor, "Practitioner", "write", action=AuditAction.CREATE)
    _check_codes(session, data.profession_code, data.specialty_code)
    if data.birth_date and data.birth_date > today():
        raise Invalid(
            "future-birth-date",
            Message("birth date is in the future"),
            fields={"birth_date": Message("in the future")},
        )
    if data.birth_date and data.licence_valid_until and data.licence_valid_until < data.birth_date:
        raise Invalid(
            "bad-licence-date",
            Message("licence validity precedes birth"),
            fields={"licence_valid_until": Message("before birth")},
        )
    if data.licence_number and repository.by_licence(session, data.licence_number):
        raise Conflict(
            "licence-exists",
            Message("licence %(number)s is already registered", number=data.licence_number),
            fields={"licence_number": Message("taken")},
        )
    row = Practitioner(
        **data.model_dump(),
        name_key=name_key(data.surname, data.given_name),
        given_key=fold(data.given_name)[:80],
        version=1,
        updated_at=utcnow(),
    )
    row.sex = data.sex.value
    session.add(row)
    session.flush()
    _snapshot_practitioner(session, row)
    audit.record(session, actor, AuditAction.CREATE, "Practitioner", row.id)
    return PractitionerRead.model_validate(row)


def update_practitioner(
    session: Session, actor: Principal, practitioner_id: int, data: PractitionerUpdate
) -> PractitionerRead:
    audit.require(
        session,
        actor,
        "Practitioner",
        "write",
        action=AuditAction.UPDATE,
        entity_id=practitioner_id,
    )
    row = _load(session, practitioner_id)
    changes = data.model_dump(exclude_unset=True)
    if "specialty_code" in changes:
        _check_codes(session, row.profession_code, changes["specialty_code"])
    for key, value in changes.items():
        setattr(row, key, value)
    row.name_key = name_key(row.surname, row.given_name)
    row.given_key = fold(row.given_name)[:80]
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    _snapshot_practitioner(session, row)
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "Practitioner",
        row.id,
        detail={"fields": sorted(changes)},
    )
    return PractitionerRead.model_validate(row)


def get_practitioner(session: Session, actor: Principal, practitioner_id: int) -> PractitionerRead:
    audit.require(
        session, actor, "Practitioner", "read", action=AuditAction.READ, entity_id=practitioner_id
    )
    row = _load(session, practitioner_id)
    audit.record(session, actor, AuditAction.READ, "Practitioner", row.id)
    return PractitionerRead.model_validate(row)


def search_practitioners(
    session: Session, actor: Principal, query: PractitionerQuery
) -> tuple[list[PractitionerRead], int | None]:
    audit.require(session, actor, "Practitioner", "read", action=AuditAction.SEARCH)
    rows = repository.search(session, query)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    audit.record(
        session, actor, AuditAction.SEARCH, "Practitioner",
        detail={**query.model_dump(exclude_none=True), "returned": len(rows)},
    )  # fmt: skip
    return [PractitionerRead.model_validate(r) for r in rows], (
        rows[-1].id if more and rows else None
    )


def _require_staff_write(session: Session, actor: Principal, facility_id: int, action: str) -> None:
    audit.require(session, actor, "PractitionerRole", "write", action=action, entity_id=facility_id)
    district = facilities.district_of(session, facility_id)
    if actor.is_national or facility_id in actor.facility_ids:
        return
    if actor.territory_codes and district in country.districts_within(
        session, actor.territory_codes
    ):
        return
    audit.refuse(
        session,
        actor,
        action,
        "PractitionerRole",
        facility_id,
        reason=Message("facility outside the actor's scope"),
    )


def add_employment(
    session: Session, actor: Principal, practitioner_id: int, data: EmploymentCreate
) -> EmploymentRead:
    """Employ a practitioner at a facility (no overlapping employment at the same facility)."""
    _require_staff_write(session, actor, data.facility_id, AuditAction.CREATE)
    practitioner = _load(session, practitioner_id)
    if practitioner.birth_date and data.start_on < practitioner.birth_date:
        raise Invalid(
            "bad-period",
            Message("employment starts before birth"),
            fields={"start_on": Message("before birth")},
        )
    if repository.overlapping(
        session, practitioner_id, data.facility_id, data.start_on, data.end_on
    ):
        raise Conflict(
            "overlapping-employment",
            Message("an employment at this facility overlaps that period"),
        )
    row = Employment(
        practitioner_id=practitioner_id, **data.model_dump(), version=1, updated_at=utcnow()
    )
    row.role = data.role.value
    session.add(row)
    session.flush()
    audit.record(session, actor, AuditAction.CREATE, "PractitionerRole", row.id)
    return EmploymentRead.model_validate(row)


def end_employment(
    session: Session, actor: Principal, employment_id: int, end_on: date
) -> EmploymentRead:
    row = repository.employment(session, employment_id)
    if row is None:
        raise NotFound("employment-not-found", Message("no employment %(id)s", id=employment_id))
    _require_staff_write(session, actor, row.facility_id, AuditAction.UPDATE)
    if end_on < row.start_on:
        raise Invalid(
            "bad-period",
            Message("end_on is before start_on"),
            fields={"end_on": Message("before start_on")},
        )
    row.end_on = end_on
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, AuditAction.UPDATE, "PractitionerRole", row.id)
    return EmploymentRead.model_validate(row)


def employments(session: Session, actor: Principal, practitioner_id: int) -> list[EmploymentRead]:
    audit.require(
        session,
        actor,
        "PractitionerRole",
        "read",
        action=AuditAction.READ,
        entity_id=practitioner_id,
    )
    _load(session, practitioner_id)
    return [
        EmploymentRead.model_validate(e)
        for e in repository.employments_of(session, practitioner_id)
    ]


def get_employment(session: Session, actor: Principal, employment_id: int) -> EmploymentRead:
    audit.require(
        session, actor, "PractitionerRole", "read", action=AuditAction.READ, entity_id=employment_id
    )
    row = repository.employment(session, employment_id)
    if row is None:
        raise NotFound("employment-not-found", Message("no employment %(id)s", id=employment_id))
    return EmploymentRead.model_validate(row)


def staff(
    session: Session, actor: Principal, facility_id: int
) -> list[tuple[EmploymentRead, PractitionerRead]]:
    audit.require(
        session, actor, "PractitionerRole", "read", action=AuditAction.SEARCH, entity_id=facility_id
    )
    rows = repository.staff_of(session, facility_id)
    audit.record(
        session,
        actor,
        AuditAction.SEARCH,
        "PractitionerRole",
        facility_id,
        detail={"returned": len(rows)},
    )
    return [(EmploymentRead.model_validate(e), PractitionerRead.model_validate(p)) for e, p in rows]


def staff_counts(session: Session, actor: Principal, on: date) -> list[tuple[int, str, int]]:
    """Aggregates: (facility id, 'doctor'|'other', active employments on ``on``)."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    return repository.active_staff_by_facility(session, on)


PRACTITIONER_COLUMNS = (
    "id", "surname", "given_name", "patronymic", "name_key", "given_key", "sex", "birth_date", "profession_code",
    "specialty_code", "licence_number", "licence_valid_until", "nationality", "mission_code",
    "version", "updated_at",
)  # fmt: skip
EMPLOYMENT_COLUMNS = (
    "practitioner_id",
    "facility_id",
    "role",
    "start_on",
    "end_on",
    "version",
    "updated_at",
)


def bulk_load(
    session: Session,
    actor: Principal,
    practitioners: Sequence[Sequence[Any]],
    employments: Sequence[Sequence[Any]],
) -> None:
    """Load generated practitioners (PRACTITIONER_COLUMNS order) and employments."""
    audit.require(session, actor, "Practitioner", "write", action=AuditAction.CREATE)
    load_rows(session, Practitioner.__table__, PRACTITIONER_COLUMNS, practitioners)
    reset_sequence(session, Practitioner.__table__)
    load_rows(session, Employment.__table__, EMPLOYMENT_COLUMNS, employments)
    audit.record(
        session, actor, AuditAction.CREATE, "Practitioner",
        detail={"practitioners": len(practitioners), "employments": len(employments)},
    )  # fmt: skip


# --- neutral search (FHIR) and history ----------------------------------------------------------


def find_practitioners(
    session: Session, actor: Principal, query: Query, *, with_total: bool = False
) -> tuple[list[PractitionerRead], int | None]:
    audit.require(session, actor, "Practitioner", "read", action=AuditAction.SEARCH)
    rows = repository.find_practitioners(session, query) if query.limit != 0 else []
    total = repository.count_practitioners(session, query) if with_total else None
    audit.record(session, actor, AuditAction.SEARCH, "Practitioner", detail={"returned": len(rows)})
    return [PractitionerRead.model_validate(r) for r in rows], total


def practitioner_ids(session: Session, actor: Principal, query: Query) -> Select[Any]:
    audit.require(session, actor, "Practitioner", "read", action=AuditAction.SEARCH)
    return repository.practitioner_ids(query)


def read_practitioners(
    session: Session, actor: Principal, ids: Sequence[int]
) -> list[PractitionerRead]:
    audit.require(session, actor, "Practitioner", "read", action=AuditAction.READ)
    return [PractitionerRead.model_validate(r) for r in repository.many_practitioners(session, ids)]


def find_employments(
    session: Session, actor: Principal, query: Query, *, with_total: bool = False
) -> tuple[list[EmploymentRead], int | None]:
    audit.require(session, actor, "PractitionerRole", "read", action=AuditAction.SEARCH)
    rows = repository.find_employments(session, query) if query.limit != 0 else []
    total = repository.count_employments(session, query) if with_total else None
    return [EmploymentRead.model_validate(r) for r in rows], total


def read_employments(
    session: Session, actor: Principal, ids: Sequence[int]
) -> list[EmploymentRead]:
    audit.require(session, actor, "PractitionerRole", "read", action=AuditAction.READ)
    return [EmploymentRead.model_validate(r) for r in repository.many_employments(session, ids)]


def practitioner_versions(
    session: Session, actor: Principal, practitioner_id: int
) -> list[VersionRead]:
    current = get_practitioner(session, actor, practitioner_id)
    found = history.versions(session, "Practitioner", practitioner_id)
    if not found or found[0].version != current.version:
        found.insert(
            0,
            VersionRead(
                entity_type="Practitioner",
                entity_id=current.id,
                version=current.version,
                recorded_at=current.updated_at,
                deleted=False,
                data=current.model_dump(mode="json"),
            ),
        )
    return found


def _snapshot_practitioner(session: Session, row: Practitioner) -> None:
    data = PractitionerRead.model_validate(row).model_dump(mode="json")
    history.snapshot(session, "Practitioner", row.id, row.version, data, row.updated_at)


def staff_by_district(session: Session, actor: Principal, on: date) -> list[tuple[str, str, int]]:
    """Aggregates: (district, profession code, practitioners employed there on ``on``), one
    GROUP BY over the facilities' districts."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    return repository.staff_by_district(session, on, facilities.located(session, actor))

"""Coverage (enrolment periods by category and payer) and the contributions ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.bulk import load_rows, reset_sequence
from saglam.core.errors import Conflict, Invalid, NotFound
from saglam.core.message import Message
from saglam.core.security import Principal
from saglam.core.types import utcnow
from saglam.country import service as country
from saglam.country.profile import Profile
from saglam.insurance import repository, rules
from saglam.insurance.enums import CoverageStatus, Payer
from saglam.insurance.models import Contribution, CoveragePeriod
from saglam.insurance.schemas import (
    ContributionRead,
    ContributionSummary,
    CoverageCreate,
    CoverageRead,
    Eligibility,
)
from saglam.patients import service as patients


def premium_settings(profile: Profile) -> dict[str, Any]:
    ins = profile.settings["insurance"]
    return {
        "employee_rate": Decimal(str(ins["premium_rate_employee"])),
        "employer_rate": Decimal(str(ins["premium_rate_employer"])),
        "cap_minor": int(ins["premium_cap_minor"]),
        "above_cap_rate": Decimal(str(ins["premium_rate_above_cap"])),
        "self_employed_rate": Decimal(str(ins["self_employed_rate_of_min_wage"])),
        "minimum_wage_minor": int(ins["minimum_wage_minor"]),
        "state_per_capita_minor": int(ins["state_per_capita_minor"]),
    }


def enrol(session: Session, actor: Principal, data: CoverageCreate) -> CoverageRead:
    """Open a coverage period; periods of one person must not overlap."""
    audit.require(
        session, actor, "Coverage", "write", action=AuditAction.CREATE, patient_id=data.patient_id
    )
    patients.get(session, actor, data.patient_id)
    profile = country.active_profile(session)
    categories = {c.code: c for c in profile.insurance_categories}
    if data.category not in categories:
        raise Invalid(
            "unknown-category",
            Message("unknown insurance category '%(category)s'", category=data.category),
            fields={"category": Message("unknown")},
        )
    if categories[data.category].payer != data.payer.value:
        raise Invalid(
            "wrong-payer",
            Message(
                "%(category)s is paid by %(payer)s",
                category=data.category,
                payer=Message(categories[data.category].payer),
            ),
            fields={"payer": Message("does not match the category")},
        )
    for period in repository.coverage_of(session, data.patient_id):
        if period.status == CoverageStatus.SUSPENDED.value:
            continue
        if (data.end is None or period.start <= data.end) and (
            period.end is None or data.start <= period.end
        ):
            raise Conflict(
                "overlapping-coverage",
                Message("coverage %(id)s already covers part of that period", id=period.id),
            )
    row = CoveragePeriod(
        **data.model_dump(), status=CoverageStatus.ACTIVE.value, version=1, updated_at=utcnow()
    )
    row.payer = data.payer.value
    session.add(row)
    session.flush()
    audit.record(session, actor, AuditAction.CREATE, "Coverage", row.id, patient_id=data.patient_id)
    return CoverageRead.model_validate(row)


NEWBORN_DAYS = 90  # a child registered within this many days is covered from birth


def auto_enrol(session: Session, actor: Principal, on: date) -> int:
    """Cover everyone in a state-paid group of the population register who has no cover from
    ``on`` (newborns from birth); returns how many were enrolled."""
    audit.require(session, actor, "Coverage", "write", action=AuditAction.CREATE)
    profile = country.active_profile(session)
    state_paid = [c.code for c in profile.insurance_categories if c.payer == Payer.STATE.value]
    found = patients.in_categories(session, actor, state_paid, repository.covered_from(on), on)
    now = utcnow()
    for pid, category, birth in found:
        newborn = birth is not None and (on - birth).days <= NEWBORN_DAYS
        session.add(
            CoveragePeriod(
                patient_id=pid, category=category, payer=Payer.STATE.value,
                start=birth if newborn else on, status=CoverageStatus.ACTIVE.value, version=1,
                updated_at=now,
            )
        )  # fmt: skip
        audit.record(
            session,
            actor,
            AuditAction.CREATE,
            "Coverage",
            patient_id=pid,
            detail={"automatic": category},
        )
    session.flush()
    return len(found)


def _no_coverage(coverage_id: int) -> NotFound:
    return NotFound("coverage-not-found", Message("no coverage %(id)s", id=coverage_id))


def end_coverage(session: Session, actor: Principal, coverage_id: int, end: date) -> CoverageRead:
    row = repository.coverage(session, coverage_id)
    if row is None:
        raise _no_coverage(coverage_id)
    audit.require(
        session, actor, "Coverage", "write", action=AuditAction.UPDATE, patient_id=row.patient_id
    )
    if end < row.start:
        raise Invalid(
            "bad-end",
            Message("the end is before the start"),
            fields={"end": Message("before start")},
        )
    row.end = end
    row.status = CoverageStatus.ENDED.value if end < utcnow().date() else row.status
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, AuditAction.UPDATE, "Coverage", row.id, patient_id=row.patient_id)
    return CoverageRead.model_validate(row)


def coverage_of(session: Session, actor: Principal, patient_id: int) -> list[CoverageRead]:
    audit.require(
        session, actor, "Coverage", "read", action=AuditAction.READ, patient_id=patient_id
    )
    patients.get(session, actor, patient_id)
    audit.record(session, actor, AuditAction.READ, "Coverage", patient_id=patient_id)
    return [CoverageRead.model_validate(p) for p in repository.coverage_of(session, patient_id)]


def get_coverage(session: Session, actor: Principal, coverage_id: int) -> CoverageRead:
    row = repository.coverage(session, coverage_id)
    if row is None:
        raise _no_coverage(coverage_id)
    audit.require(
        session,
        actor,
        "Coverage",
        "read",
        action=AuditAction.READ,
        entity_id=coverage_id,
        patient_id=row.patient_id,
    )
    patients.get(session, actor, row.patient_id)
    return CoverageRead.model_validate(row)


def eligibility(session: Session, actor: Principal, patient_id: int, on: date) -> Eligibility:
    """Whether a person is covered on a date, by which category and payer (and why not)."""
    audit.require(
        session,
        actor,
        "CoverageEligibilityRequest",
        "read",
        action=AuditAction.READ,
        patient_id=patient_id,
    )
    patient = patients.get(session, actor, patient_id)
    if patient.death_date and patient.death_date < on:
        return Eligibility(
            patient_id=patient_id, on=on, covered=False, reason=f"died on {patient.death_date}"
        )
    for period in repository.coverage_of(session, patient_id):
        if (
            period.status != CoverageStatus.SUSPENDED.value
            and period.start <= on
            and (period.end is None or on <= period.end)
        ):
            return Eligibility(
                patient_id=patient_id,
                on=on,
                covered=True,
                category=period.category,
                payer=Payer(period.payer),
                coverage_id=period.id,
            )
    return Eligibility(
        patient_id=patient_id,
        on=on,
        covered=False,
        reason="no coverage period on that date (a gap or a lapse)",
    )


def bill_month(
    session: Session, actor: Principal, coverage: CoverageRead, month: str
) -> list[ContributionRead]:
    """The contributions due for one month of one enrolment (by the profile's rules)."""
    audit.require(
        session,
        actor,
        "Contribution",
        "write",
        action=AuditAction.CREATE,
        patient_id=coverage.patient_id,
    )
    due = rules.premium_due(
        coverage.payer.value,
        coverage.monthly_wage_minor,
        **premium_settings(country.active_profile(session)),
    )
    rows = [
        Contribution(
            coverage_id=coverage.id,
            patient_id=coverage.patient_id,
            month=month,
            kind=kind,
            base_minor=base,
            due_minor=amount,
            paid_minor=0,
        )
        for kind, base, amount in due
    ]
    session.add_all(rows)
    session.flush()
    return [ContributionRead.model_validate(r) for r in rows]


def contributions(session: Session, actor: Principal, patient_id: int) -> ContributionSummary:
    """The ledger of one person: what was due, what was paid, the arrears."""
    audit.require(
        session, actor, "Contribution", "read", action=AuditAction.READ, patient_id=patient_id
    )
    patients.get(session, actor, patient_id)
    rows = [
        ContributionRead.model_validate(r) for r in repository.contributions_of(session, patient_id)
    ]
    due = sum(r.due_minor for r in rows)
    paid = sum(r.paid_minor for r in rows)
    return ContributionSummary(
        patient_id=patient_id,
        due_minor=due,
        paid_minor=paid,
        arrears_minor=max(due - paid, 0),
        months=rows,
    )


COVERAGE_COLUMNS = (
    "id",
    "patient_id",
    "category",
    "payer",
    "employer",
    "start",
    "end",
    "status",
    "monthly_wage_minor",
    "version",
    "updated_at",
)
CONTRIBUTION_COLUMNS = (
    "coverage_id",
    "patient_id",
    "month",
    "kind",
    "base_minor",
    "due_minor",
    "paid_minor",
    "paid_on",
)


def bulk_load(
    session: Session,
    actor: Principal,
    periods: Sequence[Sequence[Any]],
    contributions: Sequence[Sequence[Any]],
) -> tuple[int, int]:
    """Load generated coverage periods and contributions."""
    audit.require(session, actor, "Coverage", "write", action=AuditAction.CREATE)
    return (
        load_rows(session, CoveragePeriod.__table__, COVERAGE_COLUMNS, periods),
        load_rows(session, Contribution.__table__, CONTRIBUTION_COLUMNS, contributions),
    )


def after_bulk_load(session: Session) -> None:
    reset_sequence(session, CoveragePeriod.__table__)

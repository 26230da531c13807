"""Aggregates of coverage and claims for dashboards: counts and sums, never people or claims."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.security import Principal
from saglam.facilities import service as facilities
from saglam.insurance import repository
from saglam.patients import service as patients


def insured_by_category(
    session: Session, actor: Principal, on: date, districts: Iterable[str] | None = None
) -> list[tuple[str, int]]:
    """(category, people) alive and covered on ``on``, living in ``districts`` (all when None):
    one GROUP BY."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    people = patients.living_ids(session, actor, on, districts)
    return repository.insured_by_category(session, on, people)


def claims_by_month(
    session: Session,
    actor: Principal,
    first: str,
    last: str,
    districts: Iterable[str] | None = None,
) -> list[tuple[str, str, int, int]]:
    """(period, status, claims, paid in minor units) of the claim periods ``first`` to ``last``
    ('YYYY-MM', inclusive) of facilities in ``districts`` (all when None); only judged claims
    (adjudicated or reviewed) count as paid: one GROUP BY."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    places = None if districts is None else facilities.located(session, actor, districts)
    return repository.claims_by_month(session, first, last, places)

"""Aggregates of the population register for dashboards: counts, and sets to count over in other
domains' statements, never rows of people."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.errors import Invalid
from saglam.core.message import Message
from saglam.core.security import Principal
from saglam.patients import repository

#: Columns people may be counted by: none of them tells one person apart.
GROUPABLE = ("district_code", "sex", "insurance_category", "nationality")


def living_counts(
    session: Session, actor: Principal, on: date, *columns: str
) -> list[tuple[object, ...]]:
    """People alive on ``on`` counted by ``columns`` (of GROUPABLE), one GROUP BY: aggregates."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    unknown = [c for c in columns if c not in GROUPABLE]
    if unknown:
        raise Invalid(
            "not-groupable",
            Message("people cannot be counted by %(columns)s", columns=", ".join(unknown)),
        )
    return repository.living_counts(session, on, *columns)


def living_ids(
    session: Session, actor: Principal, on: date, districts: Iterable[str] | None = None
) -> Select[Any]:
    """A SELECT of the ids of people alive on ``on`` (living in ``districts``, all when None), for
    another domain to count over inside its own statement; it is not run here."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    return repository.living_ids(on, districts)

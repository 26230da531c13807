"""Aggregates of care records for dashboards: counts, never records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.care import repository
from saglam.core.security import Principal
from saglam.country import service as country
from saglam.facilities import service as facilities


def _month_start(month: str, zone: ZoneInfo, *, after: bool = False) -> datetime:
    """The instant (UTC) a 'YYYY-MM' month starts in ``zone``, or the next one starts."""
    year, number = (int(x) for x in month.split("-"))
    if after:
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return datetime(year, number, 1, tzinfo=zone).astimezone(UTC)


def encounters_by_month(
    session: Session,
    actor: Principal,
    first: str,
    last: str,
    districts: Iterable[str] | None = None,
) -> list[tuple[str, int]]:
    """(month, encounters) that started from month ``first`` to ``last`` ('YYYY-MM', inclusive,
    in the country's time zone), cancelled ones left out, at the facilities of ``districts``
    (all when None): one GROUP BY."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    name = str(country.active_profile(session).country["timezone"])
    zone = ZoneInfo(name)
    places = None if districts is None else facilities.located(session, actor, districts)
    return repository.encounters_by_month(
        session, _month_start(first, zone), _month_start(last, zone, after=True), name, places
    )

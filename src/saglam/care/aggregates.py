"""Aggregates of care records for dashboards: counts, never records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.care import catalogue, repository
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


@dataclass(frozen=True)
class YearTotals:
    """A period of care in numbers: what the profile's utilisation figures count."""

    visits: int
    inpatient: int
    services: int  # by quantity, laboratory tests and operations included
    labs: int  # laboratory results
    surgeries: int  # services the catalogue counts as operations
    patients_with: Mapping[str, int]  # distinct patients with a diagnosis, by register


def year_totals(
    session: Session,
    actor: Principal,
    first: date,
    last: date,
    registers: Mapping[str, Sequence[str]],
) -> YearTotals:
    """Totals of care from ``first`` to ``last`` (inclusive), and per register (a name and its
    ICD-10 prefixes) the patients diagnosed in that time: aggregates, never records."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    visits, inpatient, labs, quantities = repository.year_totals(session, first, last)
    services = catalogue.catalogue(country.active_profile(session))
    return YearTotals(
        visits=visits,
        inpatient=inpatient,
        services=sum(quantities.values()),
        labs=labs,
        surgeries=sum(
            n
            for code, n in quantities.items()
            if code in services and services[code].kind == "surgery"
        ),
        patients_with={
            name: repository.patients_with_codes(session, prefixes, first, last)
            for name, prefixes in registers.items()
        },
    )

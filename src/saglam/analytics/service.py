"""The national dashboard: figures put together from the domains' aggregate queries (one GROUP BY
each), narrowed to a region and a period. Only counts and sums pass through here, never a person.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import cached_property
from typing import Any, cast

from sqlalchemy.orm import Session

from saglam.analytics.schemas import FIGURES, Dashboard, Figure, Filters, Headline, Name, Row
from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.care import service as care
from saglam.core.errors import Invalid, NotFound
from saglam.core.memo import database_of, remembered
from saglam.core.message import Message
from saglam.core.security import Principal
from saglam.core.types import today
from saglam.country import service as country
from saglam.country.enums import LocationKind
from saglam.facilities import service as facilities
from saglam.facilities.enums import FacilityStatus
from saglam.insurance import service as insurance
from saglam.insurance.enums import ClaimStatus
from saglam.patients import service as patients
from saglam.workforce import service as workforce

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_MONTHS = 120
PER = 10_000  # staff are shown per this many people
NO_CATEGORY = "none"


def _shift(month: str, months: int) -> str:
    year, number = (int(x) for x in month.split("-"))
    index = year * 12 + number - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` ('YYYY-MM'), both included."""
    out = [first]
    while out[-1] < last:
        out.append(_shift(out[-1], 1))
    return out


def _last_day(month: str) -> date:
    year, number = (int(x) for x in _shift(month, 1).split("-"))
    return date(year, number, 1) - timedelta(days=1)


def filters(
    session: Session,
    actor: Principal,
    region: str | None = None,
    first: str | None = None,
    last: str | None = None,
) -> Filters:
    """Check the dashboard's filters: a known region or none, and a period of whole months
    (the last twelve to this month when not given). Invalid names the offending field."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    now = today()
    last = last or now.strftime("%Y-%m")
    first = first or _shift(last, -11)
    problems: dict[str, str] = {
        name: Message("expected a month such as 2026-05")
        for name, value in (("from", first), ("to", last))
        if not _MONTH.match(value)
    }
    if not problems and first > last:
        problems["from"] = Message("the period starts after it ends")
    if not problems and len(months(first, last)) > MAX_MONTHS:
        problems["from"] = Message("the period is longer than %(months)d months", months=MAX_MONTHS)
    if region and region not in {r.code for r in _regions(session, actor)}:
        problems["region"] = Message("unknown region")
    if problems:
        raise Invalid("bad-filter", _all_of(list(problems.values())), fields=problems)
    return Filters(region=region or None, first=first, last=last, on=min(_last_day(last), now))


def _all_of(problems: list[str]) -> str:
    """The problems one after another ("a; b"), still a Message that translates each of them."""
    said = problems[0]
    for problem in problems[1:]:
        said = Message("%(earlier)s; %(later)s", earlier=said, later=problem)
    return said


def regions(session: Session, actor: Principal) -> tuple[Name, ...]:
    """The regions a dashboard can be narrowed to."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    return _regions(session, actor)


def _regions(session: Session, actor: Principal) -> tuple[Name, ...]:
    rows = country.list_locations(session, actor, kind=LocationKind.REGION)
    return tuple(Name(r.code, r.name_az, r.name_en) for r in rows)


class _Facts:
    """The aggregate queries of one dashboard view, each run at most once and only if needed."""

    def __init__(self, session: Session, actor: Principal, f: Filters) -> None:
        self.session, self.actor, self.f = session, actor, f
        self.database = database_of(session)
        self.profile = country.active_profile(session)
        # flows are read from January of the last year on, for the year-to-date headline too
        self.since = min(f.first, f.year_start)

    @cached_property
    def regions(self) -> tuple[Name, ...]:
        return _regions(self.session, self.actor)

    @cached_property
    def areas(self) -> tuple[Name, ...]:
        """What the place figures are broken down by: regions, or a region's districts."""
        if self.f.region is None:
            return self.regions
        rows = country.list_locations(
            self.session, self.actor, kind=LocationKind.DISTRICT, parent=self.f.region
        )
        return tuple(Name(r.code, r.name_az, r.name_en) for r in rows)

    @cached_property
    def area_of(self) -> dict[str, str]:
        """district → area (districts outside the chosen region are absent)."""
        if self.f.region is None:
            return country.region_of(self.session)
        return {a.code: a.code for a in self.areas}

    @cached_property
    def districts(self) -> list[str] | None:
        """The districts the figures are narrowed to (None: no narrowing)."""
        return None if self.f.region is None else sorted(self.area_of)

    def in_scope(self, district: object) -> bool:
        return self.f.region is None or district in self.area_of

    @cached_property
    def people(self) -> list[tuple[Any, ...]]:
        """(district, category, people alive on the day)."""
        return remembered(
            (self.database, "people", self.f.on),
            lambda: patients.living_counts(
                self.session, self.actor, self.f.on, "district_code", "insurance_category"
            ),
        )

    @cached_property
    def insured(self) -> dict[str, int]:
        districts = tuple(self.districts) if self.districts else None
        return remembered(
            (self.database, "insured", self.f.on, districts),
            lambda: dict(
                insurance.insured_by_category(self.session, self.actor, self.f.on, self.districts)
            ),
        )

    @cached_property
    def sites(self) -> list[tuple[str, str, int]]:
        """(type, district, facilities not closed) within the scope."""
        rows = remembered(
            (self.database, "sites"),
            lambda: facilities.counts(
                self.session, self.actor, "type_code", "district_code", "status"
            ),
        )
        return [
            (str(t), str(d), cast(int, n))
            for t, d, s, n in rows
            if d is not None and s != FacilityStatus.CLOSED.value and self.in_scope(d)
        ]

    @cached_property
    def staff(self) -> list[tuple[str, str, int]]:
        """(area, profession group, practitioners) on the day."""
        group = {p.code: p.group for p in self.profile.professions}
        rows = remembered(
            (self.database, "staff", self.f.on),
            lambda: workforce.staff_by_district(self.session, self.actor, self.f.on),
        )
        return [
            (self.area_of[d], group.get(p, "other"), n) for d, p, n in rows if d in self.area_of
        ]

    @cached_property
    def encounters(self) -> dict[str, int]:
        districts = tuple(self.districts) if self.districts else None
        return remembered(
            (self.database, "encounters", self.since, self.f.last, districts),
            lambda: dict(
                care.encounters_by_month(
                    self.session, self.actor, self.since, self.f.last, self.districts
                )
            ),
        )

    @cached_property
    def claims(self) -> list[tuple[str, str, int, int]]:
        districts = tuple(self.districts) if self.districts else None
        return remembered(
            (self.database, "claims", self.since, self.f.last, districts),
            lambda: insurance.claims_by_month(
                self.session, self.actor, self.since, self.f.last, self.districts
            ),
        )

    def names(self) -> dict[str, dict[str, Name]]:
        return {
            "category": {
                c.code: Name(c.code, c.name_az, c.name_en)
                for c in self.profile.insurance_categories
            },
            "facility_type": {
                t.code: Name(t.code, t.name_az, t.name_en) for t in self.profile.facility_types
            },
            "area": {a.code: a for a in self.areas},
        }


def _sum_by(
    rows: Iterable[tuple[Any, ...]], key: Callable[[tuple[Any, ...]], Any]
) -> dict[Any, int]:
    out: dict[Any, int] = defaultdict(int)
    for row in rows:
        out[key(row)] += int(row[-1])
    return out


def _population(facts: _Facts) -> Figure:
    people = _sum_by(
        (r for r in facts.people if facts.in_scope(r[0])), lambda r: r[1] or NO_CATEGORY
    )
    codes = [c.code for c in facts.profile.insurance_categories]
    codes += sorted((set(people) | set(facts.insured)) - set(codes))
    rows = [Row(code, (people.get(code, 0), facts.insured.get(code, 0))) for code in codes]
    return Figure("population", "category", ("people", "insured"), tuple(rows))


def _facilities_by_type(facts: _Facts) -> Figure:
    counted = _sum_by(facts.sites, lambda r: r[0])
    codes = [t.code for t in facts.profile.facility_types]
    codes += sorted(set(counted) - set(codes))
    rows = [Row(code, (counted[code],)) for code in codes if counted.get(code)]
    return Figure("facilities-by-type", "facility_type", ("facilities",), tuple(rows))


def _facilities_by_area(facts: _Facts) -> Figure:
    counted = _sum_by(facts.sites, lambda r: facts.area_of.get(r[1]))
    rows = [Row(a.code, (counted.get(a.code, 0),)) for a in facts.areas]
    return Figure("facilities-by-area", "area", ("facilities",), tuple(rows))


def _per(count: int, people: int) -> float | None:
    return round(count * PER / people, 2) if people else None


def _workforce(facts: _Facts) -> Figure:
    people = _sum_by(
        (r for r in facts.people if r[0] in facts.area_of), lambda r: facts.area_of[r[0]]
    )
    doctors = _sum_by((r for r in facts.staff if r[1] == "doctor"), lambda r: r[0])
    mid = _sum_by((r for r in facts.staff if r[1] == "mid_level"), lambda r: r[0])
    rows = [
        Row(
            a.code,
            (
                people.get(a.code, 0),
                doctors.get(a.code, 0),
                mid.get(a.code, 0),
                _per(doctors.get(a.code, 0), people.get(a.code, 0)),
                _per(mid.get(a.code, 0), people.get(a.code, 0)),
            ),
        )
        for a in facts.areas
    ]
    columns = ("people", "doctors", "mid_level", "doctors_per_10k", "mid_level_per_10k")
    return Figure("workforce", "area", columns, tuple(rows))


def _encounters(facts: _Facts) -> Figure:
    rows = [Row(m, (facts.encounters.get(m, 0),)) for m in months(facts.f.first, facts.f.last)]
    return Figure("encounters", "month", ("encounters",), tuple(rows))


def _claims_by_status(facts: _Facts) -> Figure:
    shown = [c for c in facts.claims if c[0] >= facts.f.first]
    counted = _sum_by(((s, n) for _, s, n, _ in shown), lambda r: r[0])
    paid = _sum_by(((s, v) for _, s, _, v in shown), lambda r: r[0])
    codes = [s.value for s in ClaimStatus]
    codes += sorted(set(counted) - set(codes))
    rows = [Row(code, (counted.get(code, 0), paid.get(code, 0))) for code in codes]
    return Figure("claims-by-status", "status", ("claims", "paid_minor"), tuple(rows))


def _paid(facts: _Facts) -> Figure:
    counted = _sum_by(((p, n) for p, _, n, _ in facts.claims), lambda r: r[0])
    paid = _sum_by(((p, v) for p, _, _, v in facts.claims), lambda r: r[0])
    rows = [
        Row(m, (counted.get(m, 0), paid.get(m, 0))) for m in months(facts.f.first, facts.f.last)
    ]
    return Figure("paid", "month", ("claims", "paid_minor"), tuple(rows))


_BUILDERS: dict[str, Callable[[_Facts], Figure]] = {
    "population": _population,
    "facilities-by-type": _facilities_by_type,
    "facilities-by-area": _facilities_by_area,
    "workforce": _workforce,
    "encounters": _encounters,
    "claims-by-status": _claims_by_status,
    "paid": _paid,
}


def _headline(facts: _Facts, figures: dict[str, Figure]) -> Headline:
    year = facts.f.year_start
    return Headline(
        people=int(figures["population"].total("people")),
        insured=int(figures["population"].total("insured")),
        facilities=int(figures["facilities-by-area"].total("facilities")),
        doctors=int(figures["workforce"].total("doctors")),
        encounters_year=sum(n for m, n in facts.encounters.items() if m >= year),
        paid_year_minor=sum(v for p, _, _, v in facts.claims if p >= year),
    )


def _view(facts: _Facts, figures: dict[str, Figure], headline: Headline | None) -> Dashboard:
    return Dashboard(
        filters=facts.f,
        regions=facts.regions,
        area_kind="region" if facts.f.region is None else "district",
        names=facts.names(),
        headline=headline,
        figures=figures,
    )


def dashboard(session: Session, actor: Principal, f: Filters) -> Dashboard:
    """Every figure of the national dashboard for the filters, and the headline figures."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    facts = _Facts(session, actor, f)
    figures = {name: _BUILDERS[name](facts) for name in FIGURES}
    return _view(facts, figures, _headline(facts, figures))


def figure(session: Session, actor: Principal, name: str, f: Filters) -> Dashboard:
    """One figure (for a download): only its own queries run."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    if name not in _BUILDERS:
        raise NotFound("unknown-figure", Message("no dashboard figure '%(name)s'", name=name))
    facts = _Facts(session, actor, f)
    return _view(facts, {name: _BUILDERS[name](facts)}, None)

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from saglam.analytics import service as analytics
from saglam.analytics.schemas import FIGURES, Dashboard
from saglam.care import service as care
from saglam.core.errors import Forbidden, Invalid, NotFound
from saglam.core.query import AnyOf, Criterion, Query
from saglam.core.security import Principal, Role
from saglam.country import service as country
from saglam.facilities import service as facilities
from saglam.insurance import service as insurance
from saglam.patients import service as patients
from tests.factories import SYSTEM

ANALYST = Principal.user(9001, "analyst", Role.MINISTRY_ANALYST)
BAKU = "AZ-ER-BAKU"
FIRST, LAST = "2025-07", "2026-06"  # the test country's year of care (as of 2026-06-30)
ON = date(2026, 6, 30)
COUNT = Query(limit=0)


def _view(session: Session, region: str | None = None) -> Dashboard:
    chosen = analytics.filters(session, ANALYST, region, FIRST, LAST)
    return analytics.dashboard(session, ANALYST, chosen)


def _count(query: Query, find: object, *args: object) -> int:
    _, total = find(*args, query, with_total=True)  # type: ignore[operator]
    assert total is not None
    return int(total)


def _living(district_codes: list[str] | None = None) -> Query:
    clauses: list[Criterion | AnyOf] = [
        Criterion("status", "eq", "active"),
        AnyOf((Criterion("birth_date", "missing", True), Criterion("birth_date", "le", ON))),
        AnyOf((Criterion("death_date", "missing", True), Criterion("death_date", "gt", ON))),
    ]
    if district_codes is not None:
        clauses.append(Criterion("district_code", "in", district_codes))
    return Query(clauses=tuple(clauses), limit=0)


def test_people_are_the_living_on_the_last_day_of_the_period(session: Session) -> None:
    view = _view(session)
    assert view.filters.on == ON
    assert view.headline is not None
    expected = _count(_living(), patients.find, session, SYSTEM)
    assert view.headline.people == expected == view.figures["population"].total("people")


def test_insured_people_are_the_living_with_cover_on_that_day(session: Session) -> None:
    view = _view(session)
    assert view.headline is not None
    living = patients.select_ids(session, SYSTEM, _living())
    covered = Query(
        clauses=(
            Criterion("status", "ne", "suspended"),
            Criterion("start", "le", ON),
            AnyOf((Criterion("end", "missing", True), Criterion("end", "ge", ON))),
            Criterion("patient_id", "in_select", living),
        ),
        limit=0,
    )
    assert view.headline.insured == _count(covered, insurance.find_coverage, session, SYSTEM)
    assert 0 < view.headline.insured <= view.headline.people
    assert view.headline.insured_share is not None and view.headline.insured_share <= 1


def test_facilities_by_type_and_by_region_add_up_to_the_facilities_in_service(
    session: Session,
) -> None:
    view = _view(session)
    in_service = Query(
        clauses=(Criterion("status", "ne", "closed"), Criterion("district_code", "missing", False)),
        limit=0,
    )
    expected = _count(in_service, facilities.find_facilities, session, SYSTEM)
    assert view.figures["facilities-by-type"].total("facilities") == expected
    assert view.figures["facilities-by-area"].total("facilities") == expected
    assert view.headline is not None and view.headline.facilities == expected


def test_encounters_per_month_count_every_encounter_of_the_period(session: Session) -> None:
    view = _view(session)
    figure = view.figures["encounters"]
    assert [row.key for row in figure.rows] == analytics.months(FIRST, LAST)
    baku_time = timedelta(hours=4)  # the months are Baku's
    start = datetime(2025, 7, 1, tzinfo=UTC) - baku_time
    end = datetime(2026, 7, 1, tzinfo=UTC) - baku_time
    query = Query(
        clauses=(Criterion("start", "range", (start, end)), Criterion("status", "ne", "cancelled")),
        limit=0,
    )
    assert figure.total("encounters") == _count(query, care.find, session, SYSTEM, "Encounter")
    assert all(row.values[0] for row in figure.rows)


def test_claims_by_status_count_the_claims_of_the_period_and_paid_only_judged_ones(
    session: Session,
) -> None:
    view = _view(session)
    query = Query(
        clauses=(Criterion("period", "ge", FIRST), Criterion("period", "le", LAST)), limit=0
    )
    by_status = view.figures["claims-by-status"]
    assert by_status.total("claims") == _count(query, insurance.find_claims, session, SYSTEM)
    paid = dict(zip([r.key for r in by_status.rows], by_status.column("paid_minor"), strict=True))
    assert paid["pended"] == paid["received"] == 0 and paid["adjudicated"]
    assert view.figures["paid"].total("paid_minor") == by_status.total("paid_minor")


def test_a_region_narrows_every_figure_to_its_districts(session: Session) -> None:
    national, baku = _view(session), _view(session, BAKU)
    districts = [d.code for d in country.list_locations(session, SYSTEM, parent=BAKU)]
    assert baku.area_kind == "district"
    assert [row.key for row in baku.figures["workforce"].rows] == districts
    assert baku.headline is not None and national.headline is not None
    assert baku.headline.people == _count(_living(districts), patients.find, session, SYSTEM)
    for name in ("population", "facilities-by-area", "encounters", "paid"):
        column = baku.figures[name].columns[0]
        assert 0 < baku.figures[name].total(column) < national.figures[name].total(column), name
    assert baku.headline.insured < national.headline.insured
    assert baku.headline.doctors < national.headline.doctors


def test_the_regions_add_up_to_the_country(session: Session) -> None:
    national = _view(session)
    people = sum(
        _view(session, region.code).figures["population"].total("people")
        for region in national.regions
    )
    assert people == national.figures["workforce"].total("people")


def test_staff_per_ten_thousand_people_are_counts_over_people(session: Session) -> None:
    figure = _view(session).figures["workforce"]
    assert figure.total("doctors") > 0 and figure.total("mid_level") > 0
    for row in figure.rows:
        people, doctors, mid, doctors_rate, mid_rate = row.values
        assert people and doctors is not None and mid is not None
        assert doctors_rate == round(doctors * 10_000 / people, 2)
        assert mid_rate == round(mid * 10_000 / people, 2)


def test_the_headline_counts_this_year_from_january(session: Session) -> None:
    view = _view(session)
    assert view.headline is not None
    encounters = view.figures["encounters"]
    this_year = [
        v
        for r, v in zip(encounters.rows, encounters.column("encounters"), strict=True)
        if r.key >= "2026-01"
    ]
    assert view.headline.encounters_year == sum(v or 0 for v in this_year)


def test_one_figure_runs_alone_for_a_download(session: Session) -> None:
    chosen = analytics.filters(session, ANALYST, None, FIRST, LAST)
    for name in FIGURES:
        view = analytics.figure(session, ANALYST, name, chosen)
        assert list(view.figures) == [name] and view.figures[name].rows
    with pytest.raises(NotFound):
        analytics.figure(session, ANALYST, "patients", chosen)


def test_the_period_defaults_to_the_last_twelve_months(session: Session) -> None:
    chosen = analytics.filters(session, ANALYST)
    assert len(analytics.months(chosen.first, chosen.last)) == 12
    assert chosen.last == date.today().strftime("%Y-%m")


@pytest.mark.parametrize(
    ("region", "first", "last", "field"),
    [
        ("AZ-NOWHERE", FIRST, LAST, "region"),
        (None, "2026-13", LAST, "from"),
        (None, FIRST, "June", "to"),
        (None, LAST, FIRST, "from"),
        (None, "2000-01", LAST, "from"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(
    session: Session, region: str | None, first: str, last: str, field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        analytics.filters(session, ANALYST, region, first, last)
    assert field in caught.value.fields


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.REGISTRATION_CLERK])
def test_roles_without_the_dashboard_are_refused(session: Session, role: Role) -> None:
    actor = Principal.user(9002, "someone", role)
    with pytest.raises(Forbidden):
        analytics.filters(session, actor, None, FIRST, LAST)
    chosen = analytics.filters(session, ANALYST, None, FIRST, LAST)
    with pytest.raises(Forbidden):
        analytics.dashboard(session, actor, chosen)
    with pytest.raises(Forbidden):
        analytics.figure(session, actor, "population", chosen)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.INSURANCE_OFFICER])
def test_admins_and_insurance_officers_see_the_dashboard_too(session: Session, role: Role) -> None:
    actor = Principal.user(9003, "someone", role)
    view = analytics.dashboard(session, actor, analytics.filters(session, actor, None, FIRST, LAST))
    assert view.headline is not None and view.headline.people > 0


def test_people_cannot_be_counted_by_identifying_columns(session: Session) -> None:
    with pytest.raises(Invalid):
        patients.living_counts(session, ANALYST, ON, "fin")

"""Build a synthetic country into a database: locations, facilities, workforce, population."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from saglam.care import service as care_service
from saglam.core.bulk import analyze
from saglam.core.security import Principal
from saglam.country import service as country
from saglam.country.profile import Profile
from saglam.facilities import service as facilities
from saglam.insurance import service as insurance
from saglam.patients import service as patients
from saglam.synth import care as care_gen
from saglam.synth import facilities as facility_gen
from saglam.synth import insurance as insurance_gen
from saglam.synth import population, workforce
from saglam.synth.ahead import ahead
from saglam.workforce import service as workforce_service

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildReport:
    scale: float
    seed: int
    facilities: int
    equipment: int
    practitioners: int
    people: int
    seconds: float
    people_seconds: float
    care: dict[str, int] | None = None
    claims: dict[str, int] | None = None

    @property
    def people_per_second(self) -> float:
        return self.people / self.people_seconds if self.people_seconds else 0.0


def build_country(
    session: Session,
    actor: Principal,
    profile: Profile,
    *,
    scale: float,
    seed: int,
    as_of: date,
    progress: Progress | None = None,
    duplicate_rate: float = 0.0,
    twin_rate: float = 0.0,
    truth: population.Truth | None = None,
    with_care: bool = True,
) -> BuildReport:
    """Generate and load everything in the caller's unit of work (all or nothing)."""
    say = progress or (lambda _stage, _done, _total: None)
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    say("territories", 0, 1)
    country.sync_locations(session, actor, profile)
    say("territories", 1, 1)
    say("facilities", 0, 1)
    plan = facility_gen.generate(profile, scale, rng, as_of)
    facilities.bulk_load(session, actor, plan.rows, plan.events, plan.equipment)
    say("facilities", 1, 1)
    say("workforce", 0, 1)
    staff = workforce.generate(profile, scale, plan, rng, as_of)
    workforce_service.bulk_load(session, actor, staff.practitioners, staff.employments)
    say("workforce", 1, 1)
    expected = sum(population.district_sizes(profile, scale).values())
    expected = int(
        expected
        * (1 + float(profile.country.get("death_rate_per_1000", 6)) / 1000 + duplicate_rate)
    )
    people_started = time.perf_counter()
    loaded = 0
    care_totals: dict[str, int] = {}
    care_ctx = care_gen.context(profile, plan, staff.employments) if with_care else None
    care_ids = care_gen.CareIds()
    cover_ids = insurance_gen.InsuranceIds()
    premiums = insurance.premium_settings(profile)
    claim_totals = {"claims": 0, "lines": 0}
    say("population", 0, expected)
    with ExitStack() as loading:
        load = loading.enter_context(patients.bulk_loading(session, actor))
        if care_ctx is not None:
            loading.enter_context(care_service.bulk_loading(session, actor))
            loading.enter_context(insurance.bulk_loading(session, actor))
        for number, chunk in enumerate(ahead(population.generate(
            profile, scale, plan, as_of,
            seed=seed, duplicate_rate=duplicate_rate, twin_rate=twin_rate, truth=truth,
        ))):  # fmt: skip
            loaded += load(chunk.rows)
            say("population", min(loaded, expected), expected)
            if care_ctx is not None:
                year = care_gen.generate(
                    care_ctx, chunk.rows, np.random.default_rng([seed, 99, number]), as_of, care_ids
                )
                for name, count in care_service.bulk_load(
                    session, actor, care_gen.tables(year)
                ).items():
                    care_totals[name] = care_totals.get(name, 0) + count
                patients.bulk_links(session, actor, care_gen.links(year, chunk.rows))
                money = insurance_gen.InsuranceChunk()
                money_rng = np.random.default_rng([seed, 77, number])
                insurance_gen.coverage(
                    profile, chunk.rows, money_rng, as_of, cover_ids, money, premiums
                )
                insurance_gen.claims(profile, year, money_rng, as_of, cover_ids, money)
                insurance.bulk_load_coverage(session, actor, money.periods, money.contributions)
                claimed, lined = insurance.bulk_load_claims(
                    session, actor, money.claims, money.lines
                )
                claim_totals["claims"] += claimed
                claim_totals["lines"] += lined
                say("care", care_totals.get("encounters", 0), max(1, int(expected * 2.6)))
        say("indexing", 0, 1)
    say("indexing", 1, 1)
    say("population", expected, expected)
    if care_totals:
        care_service.after_bulk_load(session, actor, care_totals)
        insurance.coverage_after_bulk_load(session)
        insurance.claims_after_bulk_load(session)
        insurance.ensure_package(session, actor)
        months = sorted({(as_of - timedelta(days=d)).strftime("%Y-%m") for d in range(0, 366, 28)})
        for index, month in enumerate(months):
            say("claims", index, len(months))
            report = insurance.adjudicate_period(session, actor, month)
            for outcome, count in report.outcomes.items():
                claim_totals[outcome] = claim_totals.get(outcome, 0) + count
        say("claims", len(months), len(months))
        paid_months = [m for m in months if m < as_of.strftime("%Y-%m")]
        for index, month in enumerate(
            paid_months
        ):  # every past month paid, all but the last closed
            say("payments", index, len(paid_months))
            if index < len(paid_months) - 1:
                insurance.close_period(session, actor, month)
            else:
                insurance.run_payments(session, actor, month)
        say("payments", len(paid_months), len(paid_months))
    say("statistics", 0, 1)
    analyze(session)
    say("statistics", 1, 1)
    now = time.perf_counter()
    return BuildReport(
        scale=scale,
        seed=seed,
        facilities=len(plan.rows),
        equipment=len(plan.equipment),
        practitioners=len(staff.practitioners),
        people=loaded,
        seconds=round(now - started, 2),
        people_seconds=round(now - people_started, 2),
        care=care_totals or None,
        claims=claim_totals if care_totals else None,
    )

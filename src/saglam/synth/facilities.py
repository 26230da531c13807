"""Generate facilities (placed by each type's allocation rule), their lifecycle and equipment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from saglam.core.types import utcnow
from saglam.country.profile import LEVEL_RANK, District, FacilityType, Profile
from saglam.facilities.service import FACILITY_COLUMNS, facility_name_key
from saglam.synth.rand import largest_remainder

STATUS = FACILITY_COLUMNS.index("status")
ADDRESS_STREETS = (
    "Nizami",
    "Füzuli",
    "Azadlıq",
    "Heydər Əliyev",
    "Səməd Vurğun",
    "Xətai",
    "Neftçilər",
    "Atatürk",
)


@dataclass
class FacilityPlan:
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    equipment: list[tuple[Any, ...]] = field(default_factory=list)
    district: dict[int, str] = field(default_factory=dict)
    type_code: dict[int, str] = field(default_factory=dict)
    level: dict[int, str] = field(default_factory=dict)
    category: dict[int, str] = field(default_factory=dict)


def expected_counts(profile: Profile, scale: float) -> dict[str, int]:
    """Facilities per type at ``scale``: national centres and one regional hospital per region
    exist at every scale; the rest scale with the population."""
    centres: dict[str, int] = {}
    for centre in profile.national_centres:
        centres[centre.type_code] = centres.get(centre.type_code, 0) + 1
    out = {}
    for kind in profile.facility_types:
        if kind.code in centres:
            out[kind.code] = centres[kind.code]
            continue
        out[kind.code] = round(kind.national_count * scale)
        if kind.allocation == "regional_centre":  # every region keeps its regional hospital
            out[kind.code] = max(out[kind.code], len(profile.regions))
    return out


def capital_of(districts: list[District] | tuple[District, ...]) -> str:
    """The most populous district: where capital-only facilities stand."""
    return max(districts, key=lambda d: d.population).code


def _district_weights(
    kind: FacilityType, districts: list[District], region_centres: set[str]
) -> np.ndarray:
    pop = np.array([d.population for d in districts], dtype=np.float64)
    urban = np.array([d.urban_share for d in districts])
    capital_code = capital_of(districts)
    capital = np.array([d.code == capital_code for d in districts], dtype=np.float64)
    rule = kind.allocation
    if rule == "rural":
        rural: np.ndarray = pop * (1 - urban)
        return rural
    if rule == "urban":
        urbanised: np.ndarray = pop * urban
        return urbanised
    if rule == "capital":
        return capital
    if rule == "per_district":
        return np.array([0.0 if d.code == capital_code else 1.0 for d in districts])
    if rule == "regional_centre":
        return np.array([1.0 if d.code in region_centres else 0.0 for d in districts])
    return pop


def _name(kind: FacilityType, district: District, number: int) -> tuple[str, str]:
    place_az = district.name_az.replace(" şəhəri", "")
    place_en = district.name_en.replace(" city", "")
    return (
        f"{place_az} {number} saylı {kind.name_az.lower()}",
        f"{place_en} {kind.name_en} No. {number}",
    )


def generate(profile: Profile, scale: float, rng: np.random.Generator, as_of: date) -> FacilityPlan:
    """Facilities at ``scale``; ids start at 1 in a stable order for a seed."""
    plan = FacilityPlan()
    districts = list(profile.districts)
    capital_code = capital_of(districts)
    largest: dict[str, District] = {}
    for d in districts:
        if d.region_code not in largest or d.population > largest[d.region_code].population:
            largest[d.region_code] = d
    region_centres = {d.code for d in largest.values()}
    by_code = {d.code: d for d in districts}
    counts = expected_counts(profile, scale)
    now = utcnow()
    next_id = 1
    numbering: dict[tuple[str, str], int] = {}

    def add(
        kind: FacilityType,
        district: District,
        code: str,
        names: tuple[str, str],
        beds: int,
        commissioned: date,
    ) -> None:
        nonlocal next_id
        contracted = kind.category != "other" and rng.random() < 0.96
        plan.rows.append(
            (
                next_id, code, names[0], names[1], facility_name_key(*names), kind.code, kind.category,
                kind.level, district.code,
                f"{district.name_az.replace(' şəhəri', '')}, {ADDRESS_STREETS[next_id % len(ADDRESS_STREETS)]} küç. {1 + next_id % 120}",
                f"+994{12 if district.code == capital_code else 20 + next_id % 9}{4000000 + next_id:07d}",
                beds, "active", contracted,
                f"ITS-{2021}-{next_id:05d}" if contracted else None,
                date(2021, 4, 1) if contracted else None, None, commissioned, 1, now,
            )
        )  # fmt: skip
        plan.events.append((next_id, "commissioned", commissioned, ""))
        plan.district[next_id] = district.code
        plan.type_code[next_id] = kind.code
        plan.level[next_id] = kind.level
        plan.category[next_id] = kind.category
        _lifecycle(plan, next_id, commissioned, rng, as_of)
        next_id += 1

    centre_types = {c.type_code for c in profile.national_centres}
    for centre in profile.national_centres:
        kind = profile.facility_type(centre.type_code)
        commissioned = centre.commissioned or date(
            1975 + int(rng.integers(0, 40)), 1 + int(rng.integers(0, 12)), 1
        )
        add(
            kind,
            by_code[centre.district_code],
            centre.code,
            (centre.name_az, centre.name_en),
            centre.beds,
            commissioned,
        )
    for kind in profile.facility_types:
        if kind.code in centre_types or counts[kind.code] == 0:
            continue
        per_district = largest_remainder(
            _district_weights(kind, districts, region_centres), counts[kind.code]
        )
        for district, n in zip(districts, per_district, strict=True):
            for _ in range(int(n)):
                key = (district.code, kind.code)
                numbering[key] = numbering.get(key, 0) + 1
                beds = int(rng.integers(kind.beds_min, kind.beds_max + 1)) if kind.beds_max else 0
                commissioned = date(
                    1960 + int(rng.integers(0, 62)),
                    1 + int(rng.integers(0, 12)),
                    1 + int(rng.integers(0, 28)),
                )
                add(
                    kind,
                    district,
                    f"F{next_id:06d}",
                    _name(kind, district, numbering[key]),
                    beds,
                    commissioned,
                )
    _equipment(plan, profile, rng, as_of, now)
    return plan


def _lifecycle(
    plan: FacilityPlan, facility_id: int, commissioned: date, rng: np.random.Generator, as_of: date
) -> None:
    """Some facilities were reconstructed (a few still are); some were rehabilitated."""
    roll = rng.random()
    start_floor = max(commissioned + timedelta(days=365 * 5), date(2008, 1, 1))
    if start_floor >= as_of - timedelta(days=400):
        return
    span = (as_of - timedelta(days=400) - start_floor).days
    started = start_floor + timedelta(days=int(rng.integers(0, max(span, 1))))
    if roll < 0.03:
        plan.events.append(
            (
                facility_id,
                "reconstruction_started",
                as_of - timedelta(days=int(rng.integers(30, 360))),
                "",
            )
        )
        row = list(plan.rows[-1])
        row[STATUS] = "under_reconstruction"
        plan.rows[-1] = tuple(row)
    elif roll < 0.33:
        finished = started + timedelta(days=int(rng.integers(180, 900)))
        plan.events.append((facility_id, "reconstruction_started", started, ""))
        plan.events.append(
            (facility_id, "reconstruction_finished", min(finished, as_of - timedelta(days=1)), "")
        )
    elif roll < 0.43:
        plan.events.append((facility_id, "rehabilitated", started, ""))


def _equipment(
    plan: FacilityPlan, profile: Profile, rng: np.random.Generator, as_of: date, now: Any
) -> None:
    makers = {
        t.code: [m for m in profile.manufacturers if t.code in m.equipment_codes.split(";")]
        for t in profile.equipment_types
    }
    serial = 1
    for facility_id, category in plan.category.items():
        level = LEVEL_RANK[plan.level[facility_id]]
        for kind in profile.equipment_types:
            if (
                category not in kind.facility_categories.split(";")
                or level < LEVEL_RANK[kind.min_level]
            ):
                continue
            candidates = makers[kind.code]
            if not candidates:
                continue
            weights = np.array([m.weight for m in candidates], dtype=np.float64)
            for _ in range(int(rng.integers(kind.per_facility_min, kind.per_facility_max + 1))):
                maker = candidates[int(rng.choice(len(candidates), p=weights / weights.sum()))]
                acquired = as_of - timedelta(days=int(rng.integers(60, 365 * 20)))
                age_years = (as_of - acquired).days / 365
                roll = rng.random()
                if age_years > kind.lifetime_years and roll < 0.5:
                    status = "decommissioned"
                elif roll < 0.06:
                    status = "out_of_service"
                elif roll < 0.13:
                    status = "under_maintenance"
                else:
                    status = "in_service"
                maintained = max(acquired, as_of - timedelta(days=int(rng.integers(1, 540))))
                plan.equipment.append(
                    (
                        facility_id, kind.code, maker.name, maker.country_code, f"{kind.name_en} {2000 + serial % 25}",
                        f"SN{serial:08d}", acquired, status, maintained, 1, now,
                    )
                )  # fmt: skip
                serial += 1

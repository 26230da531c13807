"""Generate the population, district by district, in households (vectorised with numpy).

Age and sex follow the profile's pyramid; people live in households sharing a surname, an
address and often a phone; children carry their father's name in their patronymic; insurance
categories follow the profile's rules in priority order; a year's deaths are added as people who
died during the year. Optionally, duplicate records (typos, transliterations, missing ids) are
planted and twins made, with the ground truth returned for tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from typing import Any

import numpy as np
from faker.providers.address.az_AZ import Provider as Address

from saglam.core.types import utcnow
from saglam.country.profile import District, Profile
from saglam.synth.facilities import FacilityPlan
from saglam.synth.names import name_pool
from saglam.synth.rand import code_index, largest_remainder, unique_codes

HOUSEHOLD_SIZES = np.arange(1, 9)
HOUSEHOLD_P = np.array([0.08, 0.13, 0.17, 0.22, 0.20, 0.11, 0.05, 0.04])
PHONE_PREFIXES = np.array(["50", "51", "55", "70", "77", "99", "10"], dtype=object)


def az_title(text: str) -> str:
    """Title case with Azerbaijani dotted and dotless i (YUSİFZADƏ → Yusifzadə, ILIQ → Ilıq)."""
    words = []
    for word in text.split(" "):
        rest = word[1:].replace("İ", "i").replace("I", "ı").lower()
        words.append(word[:1] + rest)
    return " ".join(words)


STREETS = np.array([az_title(s) for s in Address.streets], dtype=object)
VILLAGES = np.array(Address.villages, dtype=object)
DAY = np.timedelta64(1, "D")


@dataclass
class Truth:
    """Planted duplicates (original id, copy id) and twins (a, b): two people, not one."""

    duplicates: list[tuple[int, int]] = field(default_factory=list)
    twins: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Chunk:
    rows: list[list[Any]]
    people: int


def district_sizes(profile: Profile, scale: float) -> dict[str, int]:
    """Living people per district at ``scale`` (largest remainder to the scaled national total)."""
    pops = np.array([d.population for d in profile.districts], dtype=np.float64)
    counts = largest_remainder(pops, round(pops.sum() * scale))
    return {d.code: int(n) for d, n in zip(profile.districts, counts, strict=True)}


def _registration_sites(plan: FacilityPlan, profile: Profile) -> dict[str, np.ndarray]:
    primary = [
        f for f, lvl in plan.level.items() if lvl == "primary" and plan.category[f] == "outpatient"
    ]
    primary = (
        primary or [f for f, lvl in plan.level.items() if lvl == "primary"] or sorted(plan.level)
    )
    by_district: dict[str, list[int]] = {}
    for f in primary:
        by_district.setdefault(plan.district[f], []).append(f)
    region = {d.code: d.region_code for d in profile.districts}
    by_region: dict[str, list[int]] = {}
    for code, ids in by_district.items():
        by_region.setdefault(region[code], []).extend(ids)
    return {
        d.code: np.array(
            by_district.get(d.code) or by_region.get(d.region_code) or primary, dtype=np.int64
        )
        for d in profile.districts
    }


def _ages(
    profile: Profile, rng: np.random.Generator, n: int, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    bands = profile.age_sex
    p = np.array([b.male_share for b in bands] + [b.female_share for b in bands])
    if weights is not None:
        p = p * np.concatenate([weights, weights])
    idx = rng.choice(len(p), size=n, p=p / p.sum())
    band = idx % len(bands)
    lo = np.array([b.age_from for b in bands])[band]
    hi = np.array([b.age_to for b in bands])[band]
    age = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    return (idx >= len(bands)), age


def _categories(
    profile: Profile, rng: np.random.Generator, age: np.ndarray, female: np.ndarray
) -> np.ndarray:
    out = np.full(len(age), None, dtype=object)
    for rule in sorted(profile.insurance_categories, key=lambda c: c.priority):
        eligible = (out == None) & (age >= rule.age_from) & (age <= rule.age_to)  # noqa: E711
        if rule.code == "pregnant":
            eligible &= female
        chosen = eligible & (rng.random(len(age)) < rule.share_of_eligible)
        out[chosen] = rule.code
    return out


def _death_weights(profile: Profile) -> np.ndarray:
    mids = np.array([(b.age_from + b.age_to) / 2 for b in profile.age_sex])
    return np.exp((mids - 80) / 11.0)


@dataclass(frozen=True)
class _Job:
    """One district's people: everything its generation needs."""

    profile: str
    district_index: int
    alive: int
    dead: int
    first_id: int
    sites: np.ndarray
    as_of: date
    seed: int
    duplicate_rate: float
    twin_rate: float


@dataclass
class _Result:
    rows: list[list[Any]]
    copies: list[list[Any]]
    twins: list[tuple[int, int]]


def _run_job(job: _Job) -> _Result:
    """People of one district, from a random stream of its own."""
    from saglam.country.profile import load_profile

    profile = load_profile(job.profile)
    district = profile.districts[job.district_index]
    rng = np.random.default_rng([job.seed, job.district_index])
    rows = _district_people(
        profile, district, job.alive, job.dead, job.sites, rng, job.as_of, job.first_id,
        (job.district_index + 1) * HOUSEHOLDS_PER_DISTRICT, job.seed,
    )  # fmt: skip
    twins = _make_twins(rows, rng, job.twin_rate) if job.twin_rate else []
    copies = (
        _plant_duplicates(rows, rng, job.duplicate_rate, job.seed) if job.duplicate_rate else []
    )
    return _Result(rows, copies, twins)


#: household ids are district-local numbers offset by the district (ids, not counts)
HOUSEHOLDS_PER_DISTRICT = 10_000_000


def generate(
    profile: Profile,
    scale: float,
    plan: FacilityPlan,
    as_of: date,
    *,
    seed: int = 0,
    duplicate_rate: float = 0.0,
    twin_rate: float = 0.0,
    chunk_size: int = 400_000,
    truth: Truth | None = None,
) -> Iterator[Chunk]:
    """Patient rows (in the MPI's bulk column order) in chunks of whole districts.

    Each district draws from its own random stream (seed, district), so a district's people do
    not depend on the others. Planted duplicates get ids after everyone else.
    """
    sizes = district_sizes(profile, scale)
    sites = _registration_sites(plan, profile)
    death_rate = float(profile.country.get("death_rate_per_1000", 6.0)) / 1000
    jobs: list[_Job] = []
    next_id = 1
    for index, district in enumerate(profile.districts):
        alive = sizes[district.code]
        dead = round(alive * death_rate)
        if alive + dead:
            jobs.append(
                _Job(
                    profile.name,
                    index,
                    alive,
                    dead,
                    next_id,
                    sites[district.code],
                    as_of,
                    seed,
                    duplicate_rate,
                    twin_rate,
                )
            )
            next_id += alive + dead
    next_copy_id = next_id
    batch: list[list[Any]] = []
    people = 0
    for result in map(_run_job, jobs):
        for copy in result.copies:
            original = copy[ID]
            copy[ID] = next_copy_id
            if truth is not None:
                truth.duplicates.append((original, next_copy_id))
            next_copy_id += 1
        if truth is not None:
            truth.twins.extend(result.twins)
        batch.extend(result.rows)
        batch.extend(result.copies)
        people += len(result.rows) + len(result.copies)
        if len(batch) >= chunk_size:
            yield Chunk(batch, people)
            batch = []
    if batch:
        yield Chunk(batch, people)


# column positions in a patient row (see saglam.patients.service.PATIENT_COLUMNS)
(
    ID,
    FIN,
    SURNAME,
    GIVEN,
    PATRONYMIC,
    SKEY,
    GKEY,
    SPHON,
    GPHON,
    SEX,
    BIRTH,
    DEATH,
    DISTRICT,
    ADDRESS,
    PHONE,
    HOUSEHOLD,
) = range(16)


def _district_people(
    profile: Profile, district: District, alive: int, dead: int, sites: np.ndarray,
    rng: np.random.Generator, as_of: date, first_id: int, first_household: int, seed: int,
) -> list[list[Any]]:  # fmt: skip
    names = name_pool()
    n = alive + dead
    female_a, age_a = _ages(profile, rng, alive)
    female_d, age_d = _ages(profile, rng, dead, _death_weights(profile))
    female = np.concatenate([female_a, female_d])
    age = np.concatenate([age_a, age_d])
    order = rng.permutation(n)
    female, age = female[order], age[order]
    is_dead = np.zeros(n, dtype=bool)
    is_dead[np.flatnonzero(order >= alive)] = True
    ref = np.datetime64(as_of)
    birth = ref - (age * 365 + rng.integers(0, 365, n)) * DAY
    death = np.where(is_dead, ref - rng.integers(1, 365, n) * DAY, np.datetime64("NaT"))
    birth = np.where(is_dead & (birth > death), death - DAY, birth)

    sizes = rng.choice(HOUSEHOLD_SIZES, size=n // 3 + 2, p=HOUSEHOLD_P)
    household_of = np.repeat(np.arange(len(sizes)), sizes)[:n]
    households = int(household_of[-1]) + 1
    root = rng.choice(len(names.surname_male), size=households, p=names.surname_p)[household_of]
    father_of_house = rng.choice(names.male_given, size=households, p=names.male_given_p)[
        household_of
    ]
    own_father = rng.choice(names.male_given, size=n, p=names.male_given_p)
    father = np.where(age < 25, father_of_house, own_father)
    given = np.where(
        female,
        rng.choice(names.female_given, size=n, p=names.female_given_p),
        rng.choice(names.male_given, size=n, p=names.male_given_p),
    )
    surname = np.where(female, names.surname_female[root], names.surname_male[root])
    has_phone = rng.random(households) < 0.85
    house_phone = np.array(
        [
            f"+994{p}{x:07d}"
            for p, x in zip(
                rng.choice(PHONE_PREFIXES, households),
                rng.integers(2_000_000, 9_999_999, households),
                strict=True,
            )
        ],
        dtype=object,
    )
    phone = np.where(
        has_phone[household_of], house_phone[household_of], np.array(None, dtype=object)
    )
    rural = rng.random(households) > district.urban_share
    street = rng.choice(STREETS, households)
    village = rng.choice(VILLAGES, households)
    number = rng.integers(1, 180, households)
    flat = rng.integers(1, 90, households)
    place = district.name_az
    address = np.array(
        [
            f"{place}, {v} kəndi, {s} küç. {b}" if r else f"{place}, {s} küç. {b}, m. {f}"
            for r, s, v, b, f in zip(rural, street, village, number, flat, strict=True)
        ],
        dtype=object,
    )[household_of]
    category = _categories(profile, rng, age, female)
    site = (
        sites[rng.integers(0, len(sites), households)][household_of]
        if len(sites)
        else np.full(n, None, dtype=object)
    )
    ids = np.arange(first_id, first_id + n)
    fins = unique_codes(ids, salt=seed)
    surnames, givens = surname.tolist(), given.tolist()
    surname_keys, surname_phons = names.keys_of(surnames)
    given_keys, given_phons = names.keys_of(givens)
    # Columns built whole, then zipped into rows: no Python work per person beyond the zip.
    return list(
        map(
            list,
            zip(
                ids.tolist(),
                fins,
                surnames,
                givens,
                np.where(female, father + " qızı", father + " oğlu").tolist(),
                surname_keys,
                given_keys,
                surname_phons,
                given_phons,
                np.where(female, "female", "male").tolist(),
                birth.astype("datetime64[D]").astype(object).tolist(),
                death.astype("datetime64[D]").astype(object).tolist(),
                repeat(district.code),
                address.tolist(),
                phone.tolist(),
                (household_of + first_household).tolist(),
                category.tolist(),
                repeat("AZ"),
                site.tolist(),
                repeat("active"),
                repeat(1),
                repeat(utcnow()),
                strict=False,
            ),
        )
    )


def _make_twins(
    rows: list[list[Any]], rng: np.random.Generator, rate: float
) -> list[tuple[int, int]]:
    """Give some young siblings the same birth date: twins are two people, never duplicates."""
    twins = []
    for i in range(1, len(rows)):
        a, b = rows[i - 1], rows[i]
        same_home = a[HOUSEHOLD] == b[HOUSEHOLD] and a[DEATH] is None and b[DEATH] is None
        young = a[BIRTH].year > 1995 and b[BIRTH].year > 1995
        if same_home and young and a[GIVEN] != b[GIVEN] and rng.random() < rate:
            b[BIRTH] = a[BIRTH]
            b[PATRONYMIC] = a[PATRONYMIC] if a[SEX] == b[SEX] else b[PATRONYMIC]
            twins.append((a[ID], b[ID]))
    return twins


_TRANSLIT = {"ə": "a", "ş": "sh", "ç": "ch", "x": "kh", "ı": "i", "ö": "o", "ü": "u", "ğ": "gh", "q": "g",
             "Ə": "A", "Ş": "Sh", "Ç": "Ch", "X": "Kh", "İ": "I", "Ö": "O", "Ü": "U", "Q": "G"}  # fmt: skip


def transliterate(name: str) -> str:
    """The English/passport spelling of an Azerbaijani name (Əliyev → Aliyev, Şükürov → Shukurov)."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in name)


def typo(name: str, rng: np.random.Generator) -> str:
    """One keyboard slip: swap two neighbours, drop a letter or double one (never the first)."""
    if len(name) < 4:
        return name + name[-1]
    i = int(rng.integers(1, len(name) - 1))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]


#: ids below this bound may be in use: a mistyped id that decodes into it is not planted
ID_BOUND = 40_000_000


def _fin_typo(fin: str | None, rng: np.random.Generator, seed: int) -> str | None:
    """Two neighbouring characters swapped, unless that could be someone else's id."""
    if not fin:
        return None
    i = int(rng.integers(0, len(fin) - 1))
    mistyped = fin[:i] + fin[i + 1] + fin[i] + fin[i + 2 :]
    if mistyped == fin or code_index(mistyped, seed) < ID_BOUND:
        return None
    return mistyped


def _plant_duplicates(
    rows: list[list[Any]], rng: np.random.Generator, rate: float, seed: int
) -> list[list[Any]]:
    """Second records of some people (their id still the original's: the caller renumbers)."""
    from saglam.core.text import fold, phonetic

    copies = []
    for index in np.flatnonzero(rng.random(len(rows)) < rate):
        original = rows[int(index)]
        copy = list(original)
        copy[FIN] = _fin_typo(original[FIN], rng, seed) if rng.random() < 0.3 else None
        if rng.random() < 0.5:
            copy[SURNAME] = transliterate(copy[SURNAME])
            copy[GIVEN] = transliterate(copy[GIVEN]) if rng.random() < 0.5 else copy[GIVEN]
        else:
            copy[SURNAME] = typo(copy[SURNAME], rng) if rng.random() < 0.6 else copy[SURNAME]
            copy[GIVEN] = typo(copy[GIVEN], rng) if rng.random() < 0.4 else copy[GIVEN]
        birth = copy[BIRTH]
        r = rng.random()
        if r < 0.08 and birth.day <= 12 and birth.day != birth.month:
            copy[BIRTH] = birth.replace(month=birth.day, day=birth.month)
        elif r < 0.12:
            copy[BIRTH] = birth.replace(day=1 + (birth.day % 28))
        copy[PHONE] = copy[PHONE] if rng.random() < 0.5 else None
        copy[PATRONYMIC] = copy[PATRONYMIC] if rng.random() < 0.8 else ""
        copy[SKEY], copy[GKEY] = fold(copy[SURNAME]), fold(copy[GIVEN])
        copy[SPHON], copy[GPHON] = phonetic(copy[SURNAME]), phonetic(copy[GIVEN])
        copy[HOUSEHOLD] = None
        copies.append(copy)
    return copies

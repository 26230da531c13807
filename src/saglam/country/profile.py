"""Read a country profile: a folder of CSV and TOML files. Nothing in the code names a country."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from saglam.core.errors import ConfigError

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"

Level = Literal["primary", "secondary", "tertiary", "national", "external"]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


class Region(_Row):
    code: str
    name_az: str
    name_en: str
    population: int


class District(_Row):
    code: str
    region_code: str
    name_az: str
    name_en: str
    kind: Literal["city", "rayon"]
    population: int
    urban_share: float = Field(ge=0, le=1)
    doctors_per_10k: float = Field(ge=0)
    mid_level_per_10k: float = Field(ge=0)
    is_estimate: bool = False
    source: str = ""


class AgeBand(_Row):
    age_from: int
    age_to: int
    male_share: float
    female_share: float


class FacilityType(_Row):
    code: str
    name_az: str
    name_en: str
    category: Literal["hospital", "outpatient", "other"]
    level: Level
    national_count: int
    allocation: Literal[
        "per_district", "population", "rural", "urban", "capital", "regional_centre"
    ]
    beds_min: int = 0
    beds_max: int = 0
    doctors_weight: float = 1.0
    mid_level_weight: float = 1.0


class NationalCentre(_Row):
    code: str
    name_az: str
    name_en: str
    type_code: str
    district_code: str
    beds: int = 0
    commissioned: date | None = None
    is_estimate: bool = False
    source: str = ""


class Specialty(_Row):
    code: str
    name_az: str
    name_en: str
    share: float
    setting: Literal["primary", "outpatient", "hospital", "both"]


class Profession(_Row):
    code: str
    name_az: str
    name_en: str
    group: Literal["doctor", "mid_level", "other"]
    share: float


class InsuranceCategory(_Row):
    code: str
    name_az: str
    name_en: str
    payer: Literal["employer", "person", "state"]
    state_paid: bool
    age_from: int
    age_to: int
    share_of_eligible: float = Field(ge=0, le=1)
    priority: int


class EquipmentType(_Row):
    code: str
    name_az: str
    name_en: str
    facility_categories: str
    per_facility_min: int
    per_facility_max: int
    min_level: Level
    lifetime_years: int


class Manufacturer(_Row):
    name: str
    country_code: str
    country_name_en: str
    equipment_codes: str
    weight: float


class Condition(_Row):
    code: str
    name_en: str
    icd10: str
    prevalence_per_100k: float | None = None
    incidence_per_100k: float | None = None
    age_from: int = 0
    age_to: int = 120
    sex: Literal["any", "female", "male"] = "any"
    is_estimate: bool = False
    source: str = ""


LEVEL_RANK: dict[str, int] = {
    "external": 0,
    "primary": 1,
    "secondary": 2,
    "tertiary": 3,
    "national": 4,
}


@dataclass(frozen=True)
class Profile:
    """A country, as data."""

    name: str
    path: Path
    settings: dict[str, Any]
    regions: tuple[Region, ...]
    districts: tuple[District, ...]
    age_sex: tuple[AgeBand, ...]
    facility_types: tuple[FacilityType, ...]
    national_centres: tuple[NationalCentre, ...]
    specialties: tuple[Specialty, ...]
    professions: tuple[Profession, ...]
    insurance_categories: tuple[InsuranceCategory, ...]
    equipment_types: tuple[EquipmentType, ...]
    manufacturers: tuple[Manufacturer, ...]
    conditions: tuple[Condition, ...]

    @property
    def country(self) -> dict[str, Any]:
        return dict(self.settings["country"])

    @property
    def country_code(self) -> str:
        return str(self.settings["country"]["code"])

    @property
    def population(self) -> int:
        return sum(d.population for d in self.districts)

    @property
    def national_id_system(self) -> str:
        return str(self.settings["identifiers"]["national_id_system"])

    @property
    def national_id_pattern(self) -> str:
        return str(self.settings["identifiers"]["national_id_pattern"])

    @property
    def national_id_name(self) -> str:
        return str(self.settings["identifiers"]["national_id_name"])

    def insurance(self, key: str) -> Any:
        return self.settings["insurance"][key]

    def decimal(self, section: str, key: str) -> Decimal:
        return Decimal(str(self.settings[section][key]))

    def facility_type(self, code: str) -> FacilityType:
        for row in self.facility_types:
            if row.code == code:
                return row
        raise KeyError(code)


def _read_csv(path: Path, model: type[_Row]) -> tuple[Any, ...]:
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for number, raw in enumerate(csv.DictReader(handle), start=2):
            cleaned = {k: (v if v != "" else None) for k, v in raw.items() if k}
            cleaned = {k: v for k, v in cleaned.items() if v is not None}
            try:
                rows.append(model.model_validate(cleaned))
            except ValidationError as exc:
                first = exc.errors()[0]
                raise ConfigError(
                    f"{path.name} line {number}: {'.'.join(map(str, first['loc']))}: {first['msg']}"
                ) from exc
    return tuple(rows)


@cache
def load_profile(name: str) -> Profile:
    """Load and check the profile called ``name`` (cached; profiles are read-only data)."""
    path = PROFILES_DIR / name
    if not (path / "profile.toml").exists():
        known = sorted(p.name for p in PROFILES_DIR.iterdir() if (p / "profile.toml").exists())
        raise ConfigError(f"unknown profile {name!r}; known: {', '.join(known) or 'none'}")
    with (path / "profile.toml").open("rb") as handle:
        settings = tomllib.load(handle)
    profile = Profile(
        name=name,
        path=path,
        settings=settings,
        regions=_read_csv(path / "regions.csv", Region),
        districts=_read_csv(path / "districts.csv", District),
        age_sex=_read_csv(path / "age_sex.csv", AgeBand),
        facility_types=_read_csv(path / "facility_types.csv", FacilityType),
        national_centres=_read_csv(path / "national_centres.csv", NationalCentre),
        specialties=_read_csv(path / "specialties.csv", Specialty),
        professions=_read_csv(path / "professions.csv", Profession),
        insurance_categories=_read_csv(path / "insurance_categories.csv", InsuranceCategory),
        equipment_types=_read_csv(path / "equipment_types.csv", EquipmentType),
        manufacturers=_read_csv(path / "manufacturers.csv", Manufacturer),
        conditions=_read_csv(path / "epidemiology.csv", Condition),
    )
    check_profile(profile)
    return profile


def check_profile(profile: Profile) -> None:
    """Cross-file consistency: every reference resolves."""
    regions = {r.code for r in profile.regions}
    districts = {d.code for d in profile.districts}
    types = {t.code for t in profile.facility_types}
    problems = [
        f"district {d.code}: unknown region {d.region_code}"
        for d in profile.districts
        if d.region_code not in regions
    ]
    problems += [
        f"national centre {c.code}: unknown type {c.type_code} or district {c.district_code}"
        for c in profile.national_centres
        if c.type_code not in types or c.district_code not in districts
    ]
    if len(districts) != len(profile.districts):
        problems.append("duplicate district codes")
    if problems:
        raise ConfigError(f"profile {profile.name}: " + "; ".join(problems[:5]))


# --- care and insurance reference tables (read on first use) -----------------------------------


class Service(_Row):
    code: str
    name_az: str
    name_en: str
    category: Literal["emergency", "primary", "specialist_outpatient", "inpatient"]
    specialty_code: str | None = None
    tariff_minor: int
    levels: str
    referral_required: bool = False
    prior_auth: bool = False
    per_day_limit: int | None = None
    per_year_limit: int | None = None
    lifetime_limit: int | None = None
    age_from: int = 0
    age_to: int = 120
    sex: Literal["any", "female", "male"] = "any"
    icd10_ranges: str | None = None
    kind: str
    loinc: str | None = None
    case_group: str | None = None
    weight: float = 1.0


class CaseGroup(_Row):
    code: str
    name_az: str
    name_en: str
    rate_minor: int
    icd10_ranges: str | None = None
    surgical: bool = False


class LabTest(_Row):
    loinc: str
    name_az: str
    name_en: str
    category: Literal["laboratory", "vital-signs"]
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    sex: Literal["any", "female", "male"] = "any"
    age_from: int = 0
    age_to: int = 120
    decimals: int | None = None
    weight: float = 1.0


class Medicine(_Row):
    code: str
    inn: str
    name_az: str
    form: str
    strength: str
    unit_price_minor: int
    free_program: str | None = None
    icd10_ranges: str | None = None


class Utilisation(_Row):
    age_from: int
    age_to: int
    sex: Literal["female", "male", "any"]
    visits_per_person: float
    inpatient_per_1000: float
    services_per_visit: float
    labs_per_visit: float
    surgeries_per_1000: float


class VisitReason(_Row):
    icd10: str
    name_en: str
    weight: float
    age_from: int = 0
    age_to: int = 120
    sex: Literal["any", "female", "male"] = "any"
    season: Literal["any", "winter", "summer"] = "any"
    specialty_code: str | None = None
    chronic: bool = False


class CapitationWeight(_Row):
    age_from: int
    age_to: int
    sex: Literal["female", "male", "any"]
    weight: float


class SexAgeRule(_Row):
    icd10_ranges: str
    sex: Literal["any", "female", "male"] = "any"
    age_from: int = 0
    age_to: int = 120
    severity: Literal["reject", "warn"]
    message_en: str


_TABLES: dict[str, tuple[str, type[_Row]]] = {
    "services": ("services.csv", Service),
    "case_groups": ("case_groups.csv", CaseGroup),
    "lab_tests": ("lab_tests.csv", LabTest),
    "formulary": ("formulary.csv", Medicine),
    "utilisation": ("utilisation.csv", Utilisation),
    "visit_reasons": ("visit_reasons.csv", VisitReason),
    "capitation": ("capitation.csv", CapitationWeight),
    "sex_age_rules": ("sex_age_rules.csv", SexAgeRule),
}


@cache
def profile_table(profile_name: str, table: str) -> tuple[Any, ...]:
    """One reference table of a profile (services, lab_tests, formulary …), read once."""
    file_name, model = _TABLES[table]
    path = PROFILES_DIR / profile_name / file_name
    if not path.exists():
        raise ConfigError(f"profile {profile_name} has no {file_name}")
    return _read_csv(path, model)

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from saglam.patients.enums import CandidateStatus, MatchKind, PatientStatus, Sex

PHONE_PATTERN = r"^\+?[0-9(][0-9 ()./-]{5,31}$"


class IdentifierIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str = Field(min_length=3, max_length=200)
    value: str = Field(min_length=1, max_length=80)


class PatientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    fin: str | None = Field(default=None, max_length=16)
    surname: str = Field(min_length=1, max_length=80)
    given_name: str = Field(min_length=1, max_length=80)
    patronymic: str = Field(default="", max_length=80)
    sex: Sex
    birth_date: date | None = None
    death_date: date | None = None
    district_code: str | None = Field(default=None, max_length=40)
    address: str = Field(default="", max_length=300)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    household_id: int | None = None
    insurance_category: str | None = Field(default=None, max_length=40)
    nationality: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    registered_facility_id: int | None = None
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=10)


class PatientUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    fin: str | None = Field(default=None, max_length=16)
    surname: str | None = Field(default=None, min_length=1, max_length=80)
    given_name: str | None = Field(default=None, min_length=1, max_length=80)
    patronymic: str | None = Field(default=None, max_length=80)
    sex: Sex | None = None
    birth_date: date | None = None
    death_date: date | None = None
    district_code: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    insurance_category: str | None = Field(default=None, max_length=40)
    nationality: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    registered_facility_id: int | None = None


class IdentifierRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    system: str
    value: str


class PatientRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    fin: str | None
    surname: str
    given_name: str
    patronymic: str
    sex: Sex
    birth_date: date | None
    death_date: date | None
    district_code: str | None
    address: str
    phone: str | None
    household_id: int | None
    insurance_category: str | None
    nationality: str | None
    registered_facility_id: int | None
    status: PatientStatus
    merged_into_id: int | None
    version: int
    updated_at: datetime
    identifiers: list[IdentifierRead] = Field(default_factory=list)
    merged_from: list[int] = Field(default_factory=list)


class PatientQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    fin: str | None = Field(default=None, max_length=16)
    name: str | None = Field(default=None, max_length=200, description="surname [given name]")
    given_name: str | None = Field(default=None, max_length=80)
    birth_date: date | None = None
    district_code: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=32)
    facility_id: int | None = None
    include_merged: bool = False
    cursor: str | None = Field(default=None, max_length=400)
    limit: int = Field(default=20, ge=1, le=200)


class PatientMatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    patient: PatientRead
    match: MatchKind
    score: float


class PatientPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[PatientMatch]
    next_cursor: str | None


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    survivor_id: int
    merged_id: int
    reason: str = Field(default="", max_length=500)


class MergeRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    survivor_id: int
    merged_id: int
    reason: str
    merged_by: str
    merged_at: datetime
    undone_by: str | None
    undone_at: datetime | None


class CandidateRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    left_id: int
    right_id: int
    score: float
    reasons: list[str]
    status: CandidateStatus
    found_at: datetime


class DedupReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    patients: int
    pairs_compared: int
    candidates: int
    seconds: float

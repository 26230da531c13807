from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from saglam.core.message import Message
from saglam.workforce.enums import EmploymentRole, Sex


class PractitionerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    surname: str = Field(min_length=1, max_length=80)
    given_name: str = Field(min_length=1, max_length=80)
    patronymic: str = Field(default="", max_length=80)
    sex: Sex
    birth_date: date | None = None
    profession_code: str = Field(min_length=2, max_length=40)
    specialty_code: str | None = Field(default=None, max_length=40)
    licence_number: str | None = Field(
        default=None, min_length=3, max_length=40, pattern=r"^[A-Z0-9-]+$"
    )
    external_system: str | None = Field(default=None, max_length=200)
    external_value: str | None = Field(default=None, max_length=120)
    licence_valid_until: date | None = None
    nationality: str = Field(default="AZ", pattern=r"^[A-Z]{2}$")
    mission_code: str | None = Field(default=None, max_length=40)


class PractitionerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    surname: str | None = Field(default=None, min_length=1, max_length=80)
    given_name: str | None = Field(default=None, min_length=1, max_length=80)
    patronymic: str | None = Field(default=None, max_length=80)
    specialty_code: str | None = Field(default=None, max_length=40)
    licence_valid_until: date | None = None
    mission_code: str | None = Field(default=None, max_length=40)


class PractitionerRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    surname: str
    given_name: str
    patronymic: str
    sex: Sex
    birth_date: date | None
    profession_code: str
    specialty_code: str | None
    licence_number: str | None
    external_system: str | None = None
    external_value: str | None = None
    licence_valid_until: date | None
    nationality: str
    mission_code: str | None
    version: int
    updated_at: datetime


class PractitionerQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    licence_number: str | None = None
    specialty_code: str | None = None
    profession_code: str | None = None
    facility_id: int | None = None
    nationality: str | None = None
    after_id: int | None = None
    limit: int = Field(default=50, ge=1, le=500)


class EmploymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facility_id: int
    role: EmploymentRole
    start_on: date
    end_on: date | None = None

    @model_validator(mode="after")
    def _period(self) -> EmploymentCreate:
        if self.end_on and self.end_on < self.start_on:
            raise ValueError(Message("end_on is before start_on"))
        return self


class EmploymentRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    practitioner_id: int
    facility_id: int
    role: EmploymentRole
    start_on: date
    end_on: date | None
    version: int

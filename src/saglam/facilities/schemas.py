from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from saglam.core.message import Message
from saglam.facilities.enums import EquipmentStatus, FacilityStatus, LifecycleEvent


class FacilityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=2, max_length=24, pattern=r"^[A-Z0-9-]+$")
    name_az: str = Field(min_length=2, max_length=200)
    name_en: str = Field(min_length=2, max_length=200)
    type_code: str = Field(min_length=2, max_length=40)
    district_code: str | None = Field(default=None, min_length=2, max_length=40)
    external_system: str | None = Field(default=None, max_length=200)
    external_value: str | None = Field(default=None, max_length=120)
    address: str = Field(default="", max_length=300)
    phone: str | None = Field(default=None, max_length=32)
    beds: int = Field(default=0, ge=0, le=5000)
    contracted: bool = False
    contract_number: str | None = Field(default=None, max_length=40)
    contract_from: date | None = None
    contract_to: date | None = None
    commissioned_on: date | None = None

    @model_validator(mode="after")
    def _contract_period(self) -> FacilityCreate:
        if self.contract_from and self.contract_to and self.contract_to < self.contract_from:
            raise ValueError(Message("contract_to is before contract_from"))
        return self


class FacilityUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name_az: str | None = Field(default=None, min_length=2, max_length=200)
    name_en: str | None = Field(default=None, min_length=2, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=32)
    beds: int | None = Field(default=None, ge=0, le=5000)
    contracted: bool | None = None
    contract_number: str | None = Field(default=None, max_length=40)
    contract_from: date | None = None
    contract_to: date | None = None


class FacilityRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    code: str
    name_az: str
    name_en: str
    type_code: str
    category: str
    level: str
    district_code: str | None
    external_system: str | None = None
    external_value: str | None = None
    address: str
    phone: str | None
    beds: int
    status: FacilityStatus
    contracted: bool
    contract_number: str | None
    contract_from: date | None
    contract_to: date | None
    commissioned_on: date | None
    version: int
    updated_at: datetime


class FacilityQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    type_code: str | None = None
    level: str | None = None
    category: str | None = None
    district_code: str | None = None
    region_code: str | None = None
    contracted: bool | None = None
    status: FacilityStatus | None = None
    after_id: int | None = None
    limit: int = Field(default=50, ge=1, le=500)


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: LifecycleEvent
    on: date
    note: str = Field(default="", max_length=2000)


class EventRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    facility_id: int
    kind: LifecycleEvent
    on: date
    note: str


class EquipmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type_code: str = Field(min_length=2, max_length=40)
    manufacturer: str = Field(min_length=1, max_length=120)
    country_of_origin: str = Field(pattern=r"^[A-Z]{2}$")
    model: str = Field(default="", max_length=120)
    serial_number: str = Field(min_length=1, max_length=60)
    acquired_on: date | None = None
    status: EquipmentStatus = EquipmentStatus.IN_SERVICE
    last_maintenance_on: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> EquipmentCreate:
        if (
            self.acquired_on
            and self.last_maintenance_on
            and self.last_maintenance_on < self.acquired_on
        ):
            raise ValueError(Message("last_maintenance_on is before acquired_on"))
        return self


class EquipmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: EquipmentStatus | None = None
    last_maintenance_on: date | None = None


class EquipmentRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    facility_id: int
    type_code: str
    manufacturer: str
    country_of_origin: str
    model: str
    serial_number: str
    acquired_on: date | None
    status: EquipmentStatus
    last_maintenance_on: date | None
    version: int
    updated_at: datetime

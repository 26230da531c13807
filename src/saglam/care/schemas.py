from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from saglam.care.enums import (
    ClinicalStatus,
    EncounterClass,
    EncounterStatus,
    Interpretation,
    ObservationCategory,
    ParticipantRole,
    PrescriptionStatus,
    ReferralStatus,
    VerificationStatus,
)
from saglam.core.message import Message

_IN = ConfigDict(extra="forbid", str_strip_whitespace=True)
_OUT = ConfigDict(frozen=True, from_attributes=True)


class ParticipantIn(BaseModel):
    model_config = _IN

    practitioner_id: int
    role: ParticipantRole = ParticipantRole.ATTENDER


class DiagnosisIn(BaseModel):
    model_config = _IN

    code: str = Field(min_length=3, max_length=8)
    rank: int = Field(default=1, ge=1, le=20, description="1 = primary")
    clinical_status: ClinicalStatus = ClinicalStatus.ACTIVE
    verification_status: VerificationStatus = VerificationStatus.CONFIRMED
    onset: date | None = None


class ServiceIn(BaseModel):
    model_config = _IN

    service_code: str = Field(min_length=2, max_length=12)
    quantity: int = Field(default=1, ge=1, le=1000)
    performed_on: date | None = None
    performer_id: int | None = None


class ObservationIn(BaseModel):
    model_config = _IN

    loinc: str = Field(min_length=3, max_length=12)
    value: float | None = None
    value_text: str | None = Field(default=None, max_length=80)
    unit: str | None = Field(default=None, max_length=24)
    effective_at: datetime | None = None

    @model_validator(mode="after")
    def _has_value(self) -> ObservationIn:
        if self.value is None and not self.value_text:
            raise ValueError(Message("an observation needs a value or a value_text"))
        return self


class ReferralIn(BaseModel):
    model_config = _IN

    to_facility_id: int | None = None
    to_specialty: str | None = Field(default=None, max_length=40)
    service_code: str | None = Field(default=None, max_length=12)
    reason_code: str | None = Field(default=None, max_length=8)
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _has_target(self) -> ReferralIn:
        if self.to_facility_id is None and self.to_specialty is None:
            raise ValueError(Message("a referral goes to a facility or a specialty"))
        return self


class PrescriptionIn(BaseModel):
    model_config = _IN

    medication_code: str = Field(min_length=2, max_length=12)
    dosage: str = Field(default="", max_length=300)
    quantity: int = Field(default=1, ge=1, le=1000)


class EncounterCreate(BaseModel):
    """An encounter with everything recorded during it, saved at once (or not at all)."""

    patient_id: int
    facility_id: int
    klass: EncounterClass = Field(alias="class")
    status: EncounterStatus = EncounterStatus.FINISHED
    start: datetime
    end: datetime | None = None
    reason_code: str | None = Field(default=None, max_length=8)
    reason_text: str = Field(default="", max_length=300)
    admission_source: str | None = Field(default=None, max_length=40)
    discharge_disposition: str | None = Field(default=None, max_length=40)
    referral_id: int | None = None
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=20)
    diagnoses: list[DiagnosisIn] = Field(default_factory=list, max_length=30)
    services: list[ServiceIn] = Field(default_factory=list, max_length=100)
    observations: list[ObservationIn] = Field(default_factory=list, max_length=100)
    referrals: list[ReferralIn] = Field(default_factory=list, max_length=10)
    prescriptions: list[PrescriptionIn] = Field(default_factory=list, max_length=30)

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @model_validator(mode="after")
    def _period(self) -> EncounterCreate:
        if self.end and self.end < self.start:
            raise ValueError(Message("end is before start"))
        if self.status is EncounterStatus.FINISHED and self.end is None:
            self.end = self.start
        return self


class ParticipantRead(BaseModel):
    model_config = _OUT

    practitioner_id: int
    role: ParticipantRole


class EncounterRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True, populate_by_name=True)

    id: int
    patient_id: int
    facility_id: int
    klass: EncounterClass = Field(serialization_alias="class")
    status: EncounterStatus
    start: datetime
    end: datetime | None
    reason_code: str | None
    reason_text: str
    admission_source: str | None
    discharge_disposition: str | None
    referral_id: int | None
    version: int
    updated_at: datetime
    participants: list[ParticipantRead] = Field(default_factory=list)


class DiagnosisRead(BaseModel):
    model_config = _OUT

    id: int
    patient_id: int
    encounter_id: int | None
    code: str
    rank: int
    clinical_status: ClinicalStatus
    verification_status: VerificationStatus
    onset: date | None
    recorded_on: date
    version: int
    updated_at: datetime


class ServiceLineRead(BaseModel):
    model_config = _OUT

    id: int
    patient_id: int
    encounter_id: int | None
    service_code: str
    performer_id: int | None
    performed_on: date
    quantity: int
    status: str
    version: int
    updated_at: datetime


class ObservationRead(BaseModel):
    model_config = _OUT

    id: int
    patient_id: int
    encounter_id: int | None
    loinc: str
    category: ObservationCategory
    value: float | None
    value_text: str | None
    unit: str
    low: float | None
    high: float | None
    interpretation: Interpretation | None
    effective_at: datetime
    status: str
    version: int
    updated_at: datetime


class ReferralRead(BaseModel):
    model_config = _OUT

    id: int
    patient_id: int
    encounter_id: int | None
    from_facility_id: int
    from_practitioner_id: int | None
    to_facility_id: int | None
    to_specialty: str | None
    service_code: str | None
    reason_code: str | None
    status: ReferralStatus
    authored_on: date
    note: str
    version: int
    updated_at: datetime


class PrescriptionRead(BaseModel):
    model_config = _OUT

    id: int
    patient_id: int
    encounter_id: int | None
    medication_code: str
    prescriber_id: int | None
    dosage: str
    quantity: int
    authored_on: date
    status: PrescriptionStatus
    free_program: str | None
    version: int
    updated_at: datetime


class EncounterRecord(BaseModel):
    """An encounter with what was recorded during it, and warnings from the clinical rules."""

    model_config = ConfigDict(frozen=True)

    encounter: EncounterRead
    diagnoses: list[DiagnosisRead] = Field(default_factory=list)
    services: list[ServiceLineRead] = Field(default_factory=list)
    observations: list[ObservationRead] = Field(default_factory=list)
    referrals: list[ReferralRead] = Field(default_factory=list)
    prescriptions: list[PrescriptionRead] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class StatusChange(BaseModel):
    model_config = _IN

    status: EncounterStatus
    at: datetime | None = None

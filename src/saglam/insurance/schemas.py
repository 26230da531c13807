from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from saglam.core.message import Message
from saglam.insurance.enums import ClaimStatus, CoverageStatus, LineOutcome, Payer, ReviewDecision

_IN = ConfigDict(extra="forbid", str_strip_whitespace=True)
_OUT = ConfigDict(frozen=True, from_attributes=True)


class CoverageCreate(BaseModel):
    model_config = _IN

    patient_id: int
    category: str = Field(min_length=2, max_length=24)
    payer: Payer
    employer: str | None = Field(default=None, max_length=120)
    start: date
    end: date | None = None
    monthly_wage_minor: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _period(self) -> CoverageCreate:
        if self.end and self.end < self.start:
            raise ValueError(Message("end is before start"))
        return self


class CoverageRead(BaseModel):
    model_config = _OUT

    id: int
    patient_id: int
    category: str
    payer: Payer
    employer: str | None
    start: date
    end: date | None
    status: CoverageStatus
    monthly_wage_minor: int | None
    version: int
    updated_at: datetime


class Eligibility(BaseModel):
    model_config = ConfigDict(frozen=True)

    patient_id: int
    on: date
    covered: bool
    category: str | None = None
    payer: Payer | None = None
    coverage_id: int | None = None
    reason: str = ""


class ContributionRead(BaseModel):
    model_config = _OUT

    id: int
    coverage_id: int
    patient_id: int
    month: str
    kind: str
    base_minor: int
    due_minor: int
    paid_minor: int
    paid_on: date | None


class ContributionSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    patient_id: int
    due_minor: int
    paid_minor: int
    arrears_minor: int
    months: list[ContributionRead]


class PackageItemIn(BaseModel):
    model_config = _IN

    service_code: str = Field(min_length=2, max_length=12)
    tariff_minor: int | None = Field(default=None, ge=0)
    levels: str | None = Field(default=None, max_length=80)
    referral_required: bool | None = None
    prior_auth: bool | None = None
    per_day_limit: int | None = Field(default=None, ge=0)
    per_year_limit: int | None = Field(default=None, ge=0)
    lifetime_limit: int | None = Field(default=None, ge=0)
    remove: bool = False


class PackageVersionCreate(BaseModel):
    """A new package version: the current one with these changes, in force from a date."""

    model_config = _IN

    name: str = Field(min_length=2, max_length=120)
    effective_from: date
    copay_rate_pct: int | None = Field(default=None, ge=0, le=100)
    deadline_days: int | None = Field(default=None, ge=1, le=3650)
    note: str = Field(default="", max_length=2000)
    changes: list[PackageItemIn] = Field(default_factory=list, max_length=3000)


class PackageVersionRead(BaseModel):
    model_config = _OUT

    id: int
    name: str
    effective_from: date
    copay_rate_pct: int
    deadline_days: int
    high_value_minor: int
    note: str
    created_by: str
    created_at: datetime


class PackageItemRead(BaseModel):
    model_config = _OUT

    version_id: int
    service_code: str
    category: str
    tariff_minor: int
    levels: str
    referral_required: bool
    prior_auth: bool
    per_day_limit: int | None
    per_year_limit: int | None
    lifetime_limit: int | None
    age_from: int
    age_to: int
    sex: str
    icd10_ranges: str | None
    specialty_code: str | None
    case_group: str | None


class ClaimLineIn(BaseModel):
    model_config = _IN

    service_code: str = Field(min_length=1, max_length=12)
    quantity: int = Field(ge=1, le=10_000)
    unit_price_minor: int = Field(ge=0, le=10**11)
    service_date: date
    practitioner_id: int | None = None
    diagnosis_pointers: list[int] = Field(default_factory=list, max_length=12)


class ClaimIn(BaseModel):
    """A facility's claim for the care it gave one patient (money in qəpik)."""

    model_config = _IN

    identifier: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")
    facility_id: int
    patient_id: int
    encounter_id: int | None = None
    diagnoses: list[str] = Field(default_factory=list, max_length=12)
    lines: list[ClaimLineIn] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _pointers(self) -> ClaimIn:
        for line in self.lines:
            for pointer in line.diagnosis_pointers:
                if not 1 <= pointer <= len(self.diagnoses):
                    raise ValueError(
                        Message(
                            "diagnosis pointer %(pointer)s points to no diagnosis",
                            pointer=pointer,
                        )
                    )
        return self


class ClaimLineRead(BaseModel):
    model_config = _OUT

    id: int
    seq: int
    service_code: str
    quantity: int
    unit_price_minor: int
    service_date: date
    practitioner_id: int | None
    diagnoses: str
    package_version_id: int | None
    outcome: LineOutcome
    reasons: str
    allowed_quantity: int
    allowed_unit_minor: int
    copay_minor: int
    paid_minor: int


class ClaimRead(BaseModel):
    model_config = _OUT

    id: int
    identifier: str
    facility_id: int
    patient_id: int | None
    encounter_id: int | None
    submitted_on: date
    period: str
    status: ClaimStatus
    asked_minor: int
    allowed_minor: int
    copay_minor: int
    paid_minor: int
    diagnoses: str
    review_note: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    version: int
    updated_at: datetime
    lines: list[ClaimLineRead] = Field(default_factory=list)
    reason_text: dict[str, str] = Field(default_factory=dict)


class ReviewIn(BaseModel):
    model_config = _IN

    decision: ReviewDecision
    note: str = Field(min_length=3, max_length=2000)
    adjustments: dict[int, int] = Field(
        default_factory=dict, description="line id → paid amount (qəpik)"
    )


class BatchReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    claims: int
    lines: int
    outcomes: dict[str, int]
    paid_minor: int
    seconds: float
    compute_seconds: float


class PaymentRead(BaseModel):
    model_config = _OUT

    id: int
    facility_id: int
    fee_for_service_minor: int
    capitation_minor: int
    per_case_minor: int
    corrections_minor: int
    total_minor: int
    enrolled: int
    cases: int
    lines: int


class PeriodRead(BaseModel):
    model_config = ConfigDict(frozen=True)

    period: str
    status: str
    run_at: datetime
    closed_at: datetime | None
    payments: list[PaymentRead]
    total_minor: int


class Signal(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str  # "facility" or "practitioner"
    subject_id: int
    peer_group: str
    measure: str
    value: float
    peer_median: float
    robust_z: float
    peers: int


class PeriodSummary(BaseModel):
    """A month with a payment run: its status and what it pays in all."""

    model_config = ConfigDict(frozen=True)

    period: str
    status: str
    run_at: datetime
    closed_at: datetime | None
    total_minor: int
    facilities: int

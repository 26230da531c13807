"""Insurance tables (private to the insurance domain)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from saglam.core.db import Base, BigId, UTCDateTime, code_string


class CoveragePeriod(Base):
    """An enrolment: who is covered, in which category, who pays, from when to when."""

    __tablename__ = "coverage_period"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id"))
    category: Mapped[str] = mapped_column(String(24))
    payer: Mapped[str] = mapped_column(String(12))
    employer: Mapped[str | None] = mapped_column(String(120))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    monthly_wage_minor: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_coverage_period_patient_start", "patient_id", "start"),)


class Contribution(Base):
    """What was due and what was paid for one month of one enrolment."""

    __tablename__ = "contribution"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    coverage_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("coverage_period.id"), index=True
    )
    patient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(12))
    base_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    due_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_on: Mapped[date | None] = mapped_column(Date)


class PackageVersion(Base):
    """A version of the benefit package, in force from ``effective_from``."""

    __tablename__ = "package_version"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    copay_rate_pct: Mapped[int] = mapped_column(Integer, default=0)
    deadline_days: Mapped[int] = mapped_column(Integer, default=90)
    high_value_minor: Mapped[int] = mapped_column(BigInteger, default=500000)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PackageItem(Base):
    """A service of one package version with its tariff and rules."""

    __tablename__ = "package_item"

    version_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("package_version.id", ondelete="CASCADE"), primary_key=True
    )
    service_code: Mapped[str] = mapped_column(code_string(12), primary_key=True)
    category: Mapped[str] = mapped_column(String(24))
    tariff_minor: Mapped[int] = mapped_column(BigInteger)
    levels: Mapped[str] = mapped_column(String(80))
    referral_required: Mapped[bool] = mapped_column(Boolean, default=False)
    prior_auth: Mapped[bool] = mapped_column(Boolean, default=False)
    per_day_limit: Mapped[int | None] = mapped_column(Integer)
    per_year_limit: Mapped[int | None] = mapped_column(Integer)
    lifetime_limit: Mapped[int | None] = mapped_column(Integer)
    age_from: Mapped[int] = mapped_column(Integer, default=0)
    age_to: Mapped[int] = mapped_column(Integer, default=120)
    sex: Mapped[str] = mapped_column(String(8), default="any")
    icd10_ranges: Mapped[str | None] = mapped_column(String(200))
    specialty_code: Mapped[str | None] = mapped_column(String(40))
    case_group: Mapped[str | None] = mapped_column(String(24))


class PriorAuthorization(Base):
    __tablename__ = "prior_authorization"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id"), index=True)
    service_code: Mapped[str] = mapped_column(code_string(12))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    granted_by: Mapped[str] = mapped_column(String(200))


class Claim(Base):
    __tablename__ = "claim"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    identifier: Mapped[str] = mapped_column(code_string(64))
    facility_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("facility.id"))
    patient_id: Mapped[int | None] = mapped_column(BigInteger)
    encounter_id: Mapped[int | None] = mapped_column(BigInteger)
    submitted_on: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(12))
    asked_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    allowed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    copay_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: what payment runs of closed periods have paid for this claim (null: nothing yet)
    settled_minor: Mapped[int | None] = mapped_column(BigInteger)
    diagnoses: Mapped[str] = mapped_column(String(200), default="")
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("facility_id", "identifier"),
        Index("ix_claim_period_status", "period", "status"),
        # the review queue: a status's claims in id order, and their counts
        Index("ix_claim_status_id", "status", "id"),
        # a patient's latest claims: the patient page and the claim rules' history
        Index("ix_claim_patient_recent", "patient_id", "id"),
    )


class ClaimLine(Base):
    __tablename__ = "claim_line"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("claim.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    patient_id: Mapped[int | None] = mapped_column(BigInteger)
    facility_id: Mapped[int] = mapped_column(BigInteger)
    service_code: Mapped[str] = mapped_column(code_string(12))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    service_date: Mapped[date] = mapped_column(Date)
    practitioner_id: Mapped[int | None] = mapped_column(BigInteger)
    diagnoses: Mapped[str] = mapped_column(String(200), default="")
    package_version_id: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[str] = mapped_column(String(120), default="")
    allowed_quantity: Mapped[int] = mapped_column(Integer, default=0)
    allowed_unit_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    copay_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        Index("ix_claim_line_patient_service", "patient_id", "service_code", "service_date"),
        # every line is judged after it arrives: room on its page lets PostgreSQL rewrite it in
        # place without touching the indexes (a national month: 8M updates)
        {"postgresql_with": {"fillfactor": 50}},
    )


class PaymentPeriod(Base):
    __tablename__ = "payment_period"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)
    status: Mapped[str] = mapped_column(String(8))
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(200))


class Payment(Base):
    """What a facility is paid for a period, by payment method."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    period_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("payment_period.id", ondelete="CASCADE"), index=True
    )
    facility_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("facility.id"))
    fee_for_service_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    capitation_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    per_case_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    corrections_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

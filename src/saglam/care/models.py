"""Care tables (private to the care domain)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from saglam.core.db import Base, BigId, UTCDateTime, code_string


class Encounter(Base):
    __tablename__ = "encounter"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id"))
    facility_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("facility.id"))
    klass: Mapped[str] = mapped_column("class", String(12))
    status: Mapped[str] = mapped_column(String(12))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason_code: Mapped[str | None] = mapped_column(code_string(8))
    reason_text: Mapped[str] = mapped_column(String(300), default="")
    admission_source: Mapped[str | None] = mapped_column(String(40))
    discharge_disposition: Mapped[str | None] = mapped_column(String(40))
    referral_id: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_encounter_patient_start", "patient_id", "start"),
        Index("ix_encounter_facility_start", "facility_id", "start"),
    )


class Participant(Base):
    __tablename__ = "encounter_participant"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("encounter.id", ondelete="CASCADE"), index=True
    )
    practitioner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("practitioner.id"))
    role: Mapped[str] = mapped_column(String(24))


class Diagnosis(Base):
    __tablename__ = "diagnosis"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id"))
    encounter_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("encounter.id"))
    code: Mapped[str] = mapped_column(code_string(8))
    rank: Mapped[int] = mapped_column(Integer, default=1)
    clinical_status: Mapped[str] = mapped_column(String(12))
    verification_status: Mapped[str] = mapped_column(String(12))
    onset: Mapped[date | None] = mapped_column(Date)
    recorded_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_diagnosis_patient_code", "patient_id", "code"),
        Index("ix_diagnosis_encounter_id", "encounter_id"),
    )


class ServiceLine(Base):
    """A service of the package performed for a patient (FHIR Procedure)."""

    __tablename__ = "service_line"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id"))
    encounter_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("encounter.id"))
    service_code: Mapped[str] = mapped_column(code_string(12))
    performer_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("practitioner.id"))
    performed_on: Mapped[date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="completed")
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_service_line_patient_on", "patient_id", "performed_on"),
        Index("ix_service_line_encounter_id", "encounter_id"),
    )


class Observation(Base):
    __tablename__ = "observation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id"))
    encounter_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("encounter.id"))
    loinc: Mapped[str] = mapped_column(code_string(12))
    category: Mapped[str] = mapped_column(String(12))
    value: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(24), default="")
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    interpretation: Mapped[str | None] = mapped_column(String(2))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="final")
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_observation_patient_loinc", "patient_id", "loinc"),
        Index("ix_observation_encounter_id", "encounter_id"),
    )


class Referral(Base):
    """A referral (FHIR ServiceRequest) to a facility or a specialty."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id"), index=True)
    encounter_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("encounter.id"), index=True
    )
    from_facility_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("facility.id"))
    from_practitioner_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("practitioner.id")
    )
    to_facility_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("facility.id"))
    to_specialty: Mapped[str | None] = mapped_column(String(40))
    service_code: Mapped[str | None] = mapped_column(code_string(12))
    reason_code: Mapped[str | None] = mapped_column(code_string(8))
    status: Mapped[str] = mapped_column(String(12))
    authored_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Prescription(Base):
    """A prescription (FHIR MedicationRequest) from the formulary."""

    __tablename__ = "prescription"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id"), index=True)
    encounter_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("encounter.id"), index=True
    )
    medication_code: Mapped[str] = mapped_column(code_string(12))
    prescriber_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("practitioner.id"))
    dosage: Mapped[str] = mapped_column(String(300), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    authored_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    free_program: Mapped[str | None] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

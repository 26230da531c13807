"""Master patient index tables (private to the patients domain)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from saglam.core.db import Base, BigId, UTCDateTime, code_string


class Patient(Base):
    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    fin: Mapped[str | None] = mapped_column(code_string(16))
    surname: Mapped[str] = mapped_column(String(80))
    given_name: Mapped[str] = mapped_column(String(80))
    patronymic: Mapped[str] = mapped_column(String(80), default="")
    surname_key: Mapped[str] = mapped_column(code_string(80))
    given_key: Mapped[str] = mapped_column(code_string(80))
    surname_phon: Mapped[str] = mapped_column(code_string(12))
    given_phon: Mapped[str] = mapped_column(code_string(12))
    sex: Mapped[str] = mapped_column(String(8))
    birth_date: Mapped[date | None] = mapped_column(Date)
    death_date: Mapped[date | None] = mapped_column(Date)
    district_code: Mapped[str | None] = mapped_column(code_string(40), ForeignKey("location.code"))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str | None] = mapped_column(code_string(32))
    household_id: Mapped[int | None] = mapped_column(BigInteger)
    insurance_category: Mapped[str | None] = mapped_column(String(40))
    nationality: Mapped[str | None] = mapped_column(String(2))
    registered_facility_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("facility.id")
    )
    status: Mapped[str] = mapped_column(String(10), default="active")
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("patient.id"))
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # a unique index rather than a constraint, so that bulk loads can build it afterwards
        Index("uq_patient_fin", "fin", unique=True),
        # name search walks these in (surname_key, given_key, id) order after an equality prefix,
        # so a page of a common surname stops after one page of index entries
        Index("ix_patient_name", "surname_key", "given_key", "id"),
        Index("ix_patient_phon", "surname_phon", "given_phon", "surname_key", "given_key", "id"),
        Index("ix_patient_given_phon", "given_phon", "surname_key", "given_key", "id"),
        Index("ix_patient_birth_name", "birth_date", "surname_key", "given_key", "id"),
        Index("ix_patient_registered_facility_id", "registered_facility_id"),
        Index(
            "ix_patient_merged_into_id",
            "merged_into_id",
            sqlite_where=text("merged_into_id IS NOT NULL"),
            postgresql_where=text("merged_into_id IS NOT NULL"),
        ),
    )


class PatientIdentifier(Base):
    """Identifiers other than the national id (passport, foreign id, local MRN …)."""

    __tablename__ = "patient_identifier"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("patient.id", ondelete="CASCADE"), index=True
    )
    system: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(code_string(80))

    __table_args__ = (UniqueConstraint("system", "value"),)


class PatientFacility(Base):
    """A facility where the patient is registered, was seen, or was referred to (scoping)."""

    __tablename__ = "patient_facility"

    patient_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("patient.id", ondelete="CASCADE"), primary_key=True
    )
    facility_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("facility.id"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(12))
    since: Mapped[date] = mapped_column(Date)

    __table_args__ = (Index("ix_patient_facility_facility_id", "facility_id"),)


class PatientMerge(Base):
    __tablename__ = "patient_merge"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survivor_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id"), index=True)
    merged_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    added_links: Mapped[list[int]] = mapped_column(JSON, default=list)
    merged_by: Mapped[str] = mapped_column(String(200))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(200))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DuplicateCandidate(Base):
    """A pair the duplicate detector found, with its score and reasons, for review."""

    __tablename__ = "patient_duplicate"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    left_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id", ondelete="CASCADE"))
    right_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patient.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("left_id", "right_id"),
        Index("ix_patient_duplicate_status_score", "status", "score"),
    )

"""Workforce tables (private to the workforce domain)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from saglam.core.db import Base, BigId, UTCDateTime, code_string


class Practitioner(Base):
    __tablename__ = "practitioner"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    surname: Mapped[str] = mapped_column(String(80))
    given_name: Mapped[str] = mapped_column(String(80))
    patronymic: Mapped[str] = mapped_column(String(80), default="")
    name_key: Mapped[str] = mapped_column(code_string(80))
    given_key: Mapped[str] = mapped_column(code_string(80), default="")
    sex: Mapped[str] = mapped_column(String(8))
    birth_date: Mapped[date | None] = mapped_column(Date)
    profession_code: Mapped[str] = mapped_column(String(40))
    specialty_code: Mapped[str | None] = mapped_column(String(40))
    licence_number: Mapped[str | None] = mapped_column(code_string(40), unique=True)
    external_system: Mapped[str | None] = mapped_column(String(200))
    external_value: Mapped[str | None] = mapped_column(String(120))
    licence_valid_until: Mapped[date | None] = mapped_column(Date)
    nationality: Mapped[str] = mapped_column(String(2))
    mission_code: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_practitioner_name_key", "name_key"),)


class Employment(Base):
    __tablename__ = "employment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("practitioner.id", ondelete="CASCADE"), index=True
    )
    facility_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("facility.id"), index=True)
    role: Mapped[str] = mapped_column(String(24))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""Facility tables (private to the facilities domain)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saglam.core.db import Base, BigId, UTCDateTime, code_string


class Facility(Base):
    __tablename__ = "facility"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(code_string(40), unique=True)
    name_az: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(code_string(420), default="")
    type_code: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(code_string(40), ForeignKey("location.code"))
    external_system: Mapped[str | None] = mapped_column(String(200))
    external_value: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    beds: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(24))
    contracted: Mapped[bool] = mapped_column(Boolean, default=False)
    contract_number: Mapped[str | None] = mapped_column(String(40))
    contract_from: Mapped[date | None] = mapped_column(Date)
    contract_to: Mapped[date | None] = mapped_column(Date)
    commissioned_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_facility_district_type", "district_code", "type_code"),
        Index("ix_facility_type_code", "type_code"),
    )


class FacilityEvent(Base):
    __tablename__ = "facility_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("facility.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class Equipment(Base):
    __tablename__ = "equipment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("facility.id", ondelete="CASCADE"), index=True
    )
    type_code: Mapped[str] = mapped_column(String(40))
    manufacturer: Mapped[str] = mapped_column(String(120))
    country_of_origin: Mapped[str] = mapped_column(String(2))
    model: Mapped[str] = mapped_column(String(120), default="")
    serial_number: Mapped[str] = mapped_column(String(60))
    acquired_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24))
    last_maintenance_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""Location tables (private to the country domain)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from saglam.core.db import Base, BigId, code_string


class Location(Base):
    """A territory: the country, an economic region, or a district/city."""

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(code_string(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(
        code_string(40), ForeignKey("location.code"), index=True
    )
    name_az: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    population: Mapped[int] = mapped_column(BigInteger, default=0)
    urban_share: Mapped[float | None] = mapped_column(Float)
    version: Mapped[int] = mapped_column(BigInteger, default=1)


class ActiveProfile(Base):
    """One row: the name of the profile this database was built from."""

    __tablename__ = "country_profile"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))

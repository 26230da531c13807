"""Every query of the country domain."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from saglam.country.models import Location


def by_code(session: Session, code: str) -> Location | None:
    return session.execute(select(Location).where(Location.code == code)).scalar_one_or_none()


def by_id(session: Session, ident: int) -> Location | None:
    return session.get(Location, ident)


def listing(session: Session, kind: str | None, parent: str | None) -> list[Location]:
    stmt = select(Location)
    if kind:
        stmt = stmt.where(Location.kind == kind)
    if parent:
        stmt = stmt.where(Location.parent_code == parent)
    return list(session.execute(stmt.order_by(Location.kind, Location.code)).scalars())


def all_rows(session: Session) -> list[Location]:
    return list(session.execute(select(Location)).scalars())


def codes_of_kind(session: Session, kind: str, within: Iterable[str] | None = None) -> set[str]:
    stmt = select(Location.code).where(Location.kind == kind)
    if within is not None:
        stmt = stmt.where(Location.parent_code.in_(list(within)))
    return set(session.execute(stmt).scalars())

"""Every query of the workforce domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from saglam.core.query import Query, apply, count, where
from saglam.core.text import fold, prefix_bounds
from saglam.workforce.models import Employment, Practitioner
from saglam.workforce.schemas import PractitionerQuery


def get(session: Session, ident: int) -> Practitioner | None:
    return session.get(Practitioner, ident)


def by_licence(session: Session, licence: str) -> Practitioner | None:
    stmt = select(Practitioner).where(Practitioner.licence_number == licence)
    return session.execute(stmt).scalar_one_or_none()


def search(session: Session, query: PractitionerQuery) -> list[Practitioner]:
    stmt = select(Practitioner)
    if query.name:
        low, high = prefix_bounds(fold(query.name))
        stmt = stmt.where(Practitioner.name_key >= low, Practitioner.name_key < high)
    if query.licence_number:
        stmt = stmt.where(Practitioner.licence_number == query.licence_number)
    if query.specialty_code:
        stmt = stmt.where(Practitioner.specialty_code == query.specialty_code)
    if query.profession_code:
        stmt = stmt.where(Practitioner.profession_code == query.profession_code)
    if query.nationality:
        stmt = stmt.where(Practitioner.nationality == query.nationality)
    if query.facility_id:
        stmt = stmt.where(
            Practitioner.id.in_(
                select(Employment.practitioner_id).where(
                    Employment.facility_id == query.facility_id
                )
            )
        )
    if query.after_id:
        stmt = stmt.where(Practitioner.id > query.after_id)
    return list(session.execute(stmt.order_by(Practitioner.id).limit(query.limit + 1)).scalars())


def employments_of(session: Session, practitioner_id: int) -> list[Employment]:
    stmt = (
        select(Employment)
        .where(Employment.practitioner_id == practitioner_id)
        .order_by(Employment.start_on)
    )
    return list(session.execute(stmt).scalars())


def staff_of(session: Session, facility_id: int) -> list[tuple[Employment, Practitioner]]:
    stmt = (
        select(Employment, Practitioner)
        .join(Practitioner, Practitioner.id == Employment.practitioner_id)
        .where(Employment.facility_id == facility_id)
        .order_by(Practitioner.surname, Practitioner.given_name)
    )
    return [(e, p) for e, p in session.execute(stmt)]


def employment(session: Session, ident: int) -> Employment | None:
    return session.get(Employment, ident)


def overlapping(
    session: Session, practitioner_id: int, facility_id: int, start: date, end: date | None
) -> bool:
    far = end or date(9999, 12, 31)
    stmt = select(func.count()).where(
        Employment.practitioner_id == practitioner_id,
        Employment.facility_id == facility_id,
        Employment.start_on <= far,
        or_(Employment.end_on.is_(None), Employment.end_on >= start),
    )
    return bool(session.execute(stmt).scalar_one())


def active_staff_by_facility(session: Session, on: date) -> list[tuple[int, str, int]]:
    """(facility_id, profession group flag 'doctor'|'other', count) of employments active on ``on``."""
    is_doctor = Practitioner.specialty_code.is_not(None)
    stmt = (
        select(Employment.facility_id, is_doctor, func.count())
        .join(Practitioner, Practitioner.id == Employment.practitioner_id)
        .where(Employment.start_on <= on, or_(Employment.end_on.is_(None), Employment.end_on >= on))
        .group_by(Employment.facility_id, is_doctor)
    )
    return [(int(f), "doctor" if d else "other", int(c)) for f, d, c in session.execute(stmt)]


PRACTITIONER_FIELDS: dict[str, Any] = {
    "id": Practitioner.id,
    "name_key": Practitioner.name_key,
    "given_key": Practitioner.given_key,
    "sex": Practitioner.sex,
    "birth_date": Practitioner.birth_date,
    "profession_code": Practitioner.profession_code,
    "specialty_code": Practitioner.specialty_code,
    "licence_number": Practitioner.licence_number,
    "external": Practitioner.external_system + "|" + Practitioner.external_value,
    "licence_valid_until": Practitioner.licence_valid_until,
    "nationality": Practitioner.nationality,
    "mission_code": Practitioner.mission_code,
    "updated_at": Practitioner.updated_at,
}
EMPLOYMENT_FIELDS: dict[str, Any] = {
    "id": Employment.id,
    "practitioner_id": Employment.practitioner_id,
    "facility_id": Employment.facility_id,
    "role": Employment.role,
    "start_on": Employment.start_on,
    "end_on": Employment.end_on,
    "updated_at": Employment.updated_at,
}


def find_practitioners(session: Session, query: Query) -> list[Practitioner]:
    return list(
        session.execute(
            apply(select(Practitioner), PRACTITIONER_FIELDS, query, Practitioner.id)
        ).scalars()
    )


def count_practitioners(session: Session, query: Query) -> int:
    return int(
        session.execute(count(select(Practitioner), PRACTITIONER_FIELDS, query)).scalar_one()
    )


def practitioner_ids(query: Query) -> Select[Any]:
    return select(Practitioner.id).where(*where(PRACTITIONER_FIELDS, query))


def many_practitioners(session: Session, ids: Sequence[int]) -> list[Practitioner]:
    return list(
        session.execute(select(Practitioner).where(Practitioner.id.in_(list(ids)))).scalars()
    )


def find_employments(session: Session, query: Query) -> list[Employment]:
    return list(
        session.execute(
            apply(select(Employment), EMPLOYMENT_FIELDS, query, Employment.id)
        ).scalars()
    )


def count_employments(session: Session, query: Query) -> int:
    return int(session.execute(count(select(Employment), EMPLOYMENT_FIELDS, query)).scalar_one())


def many_employments(session: Session, ids: Sequence[int]) -> list[Employment]:
    return list(session.execute(select(Employment).where(Employment.id.in_(list(ids)))).scalars())


def staff_by_district(
    session: Session, on: date, places: Select[Any, Any]
) -> list[tuple[str, str, int]]:
    """(district, profession, practitioners) employed on ``on`` at the facilities of ``places``
    (a SELECT of facility id and district); one practitioner counts once per district."""
    place = places.subquery()
    stmt = (
        select(
            place.c.district_code,
            Practitioner.profession_code,
            func.count(func.distinct(Employment.practitioner_id)),
        )
        .join(Practitioner, Practitioner.id == Employment.practitioner_id)
        .join(place, place.c.id == Employment.facility_id)
        .where(Employment.start_on <= on, or_(Employment.end_on.is_(None), Employment.end_on >= on))
        .group_by(place.c.district_code, Practitioner.profession_code)
    )
    return [(str(d), str(p), int(n)) for d, p, n in session.execute(stmt)]

"""Every query of the facilities domain."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from saglam.core.query import Query, apply, count, where
from saglam.facilities.models import Equipment, Facility, FacilityEvent
from saglam.facilities.schemas import FacilityQuery


def get(session: Session, ident: int) -> Facility | None:
    return session.get(Facility, ident)


def by_code(session: Session, code: str) -> Facility | None:
    return session.execute(select(Facility).where(Facility.code == code)).scalar_one_or_none()


def search(
    session: Session, query: FacilityQuery, districts: Iterable[str] | None
) -> list[Facility]:
    stmt = select(Facility)
    if query.name:
        pattern = f"%{query.name.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Facility.name_en).like(pattern),
                func.lower(Facility.name_az).like(pattern),
            )
        )
    if query.type_code:
        stmt = stmt.where(Facility.type_code == query.type_code)
    if query.level:
        stmt = stmt.where(Facility.level == query.level)
    if query.category:
        stmt = stmt.where(Facility.category == query.category)
    if query.district_code:
        stmt = stmt.where(Facility.district_code == query.district_code)
    if districts is not None:
        stmt = stmt.where(Facility.district_code.in_(list(districts)))
    if query.contracted is not None:
        stmt = stmt.where(Facility.contracted == query.contracted)
    if query.status:
        stmt = stmt.where(Facility.status == query.status.value)
    if query.after_id:
        stmt = stmt.where(Facility.id > query.after_id)
    return list(session.execute(stmt.order_by(Facility.id).limit(query.limit + 1)).scalars())


def ids_in_districts(session: Session, districts: Iterable[str]) -> set[int]:
    stmt = select(Facility.id).where(Facility.district_code.in_(list(districts)))
    return set(session.execute(stmt).scalars())


def districts_of(session: Session, ids: Iterable[int]) -> dict[int, str | None]:
    rows = session.execute(
        select(Facility.id, Facility.district_code).where(Facility.id.in_(list(ids)))
    )
    return {int(i): d for i, d in rows}


def events(session: Session, facility_id: int) -> list[FacilityEvent]:
    stmt = select(FacilityEvent).where(FacilityEvent.facility_id == facility_id)
    return list(session.execute(stmt.order_by(FacilityEvent.on, FacilityEvent.id)).scalars())


def equipment_of(session: Session, facility_id: int) -> list[Equipment]:
    stmt = select(Equipment).where(Equipment.facility_id == facility_id).order_by(Equipment.id)
    return list(session.execute(stmt).scalars())


def equipment(session: Session, ident: int) -> Equipment | None:
    return session.get(Equipment, ident)


def counts_by(session: Session, *columns: str) -> list[tuple[object, ...]]:
    cols = [getattr(Facility, c) for c in columns]
    stmt = select(*cols, func.count()).group_by(*cols)
    return [tuple(row) for row in session.execute(stmt)]


FACILITY_FIELDS: dict[str, Any] = {
    "id": Facility.id,
    "code": Facility.code,
    "name_key": Facility.name_key,
    "type_code": Facility.type_code,
    "level": Facility.level,
    "category": Facility.category,
    "district_code": Facility.district_code,
    "external": Facility.external_system + "|" + Facility.external_value,
    "status": Facility.status,
    "contracted": Facility.contracted,
    "updated_at": Facility.updated_at,
}
EQUIPMENT_FIELDS: dict[str, Any] = {
    "id": Equipment.id,
    "facility_id": Equipment.facility_id,
    "type_code": Equipment.type_code,
    "manufacturer": Equipment.manufacturer,
    "serial_number": Equipment.serial_number,
    "country_of_origin": Equipment.country_of_origin,
    "status": Equipment.status,
    "updated_at": Equipment.updated_at,
}


def find_facilities(session: Session, query: Query) -> list[Facility]:
    return list(
        session.execute(apply(select(Facility), FACILITY_FIELDS, query, Facility.id)).scalars()
    )


def count_facilities(session: Session, query: Query) -> int:
    return int(session.execute(count(select(Facility), FACILITY_FIELDS, query)).scalar_one())


def facility_ids(query: Query) -> Select[Any]:
    return select(Facility.id).where(*where(FACILITY_FIELDS, query))


def many_facilities(session: Session, ids: Sequence[int]) -> list[Facility]:
    return list(session.execute(select(Facility).where(Facility.id.in_(list(ids)))).scalars())


def find_equipment(session: Session, query: Query) -> list[Equipment]:
    return list(
        session.execute(apply(select(Equipment), EQUIPMENT_FIELDS, query, Equipment.id)).scalars()
    )


def count_equipment(session: Session, query: Query) -> int:
    return int(session.execute(count(select(Equipment), EQUIPMENT_FIELDS, query)).scalar_one())


def many_equipment(session: Session, ids: Sequence[int]) -> list[Equipment]:
    return list(session.execute(select(Equipment).where(Equipment.id.in_(list(ids)))).scalars())


def contract_info(session: Session, ids: Sequence[int]) -> list[tuple[Any, ...]]:
    stmt = select(
        Facility.id, Facility.level, Facility.contracted, Facility.contract_from, Facility.contract_to,
        Facility.type_code, Facility.district_code,
    )  # fmt: skip
    if ids:
        stmt = stmt.where(Facility.id.in_(list(set(ids))))
    return [tuple(r) for r in session.execute(stmt)]


def located(districts: Iterable[str] | None) -> Select[Any, Any]:
    stmt: Select[Any, Any] = select(Facility.id, Facility.district_code).where(
        Facility.district_code.is_not(None)
    )
    if districts is not None:
        stmt = stmt.where(Facility.district_code.in_(sorted(districts)))
    return stmt

"""Every query of the master patient index."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import polars as pl
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    RowMapping,
    Select,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from saglam.core.frames import in_ids, read_frames
from saglam.core.query import Query, apply, count, where
from saglam.core.text import prefix_bounds
from saglam.patients.enums import PatientStatus
from saglam.patients.models import (
    DuplicateCandidate,
    Patient,
    PatientFacility,
    PatientIdentifier,
    PatientMerge,
)

READ_FIELDS = (
    "id", "fin", "surname", "given_name", "patronymic", "sex", "birth_date", "death_date",
    "district_code", "address", "phone", "household_id", "insurance_category", "nationality",
    "registered_facility_id", "status", "merged_into_id", "version", "updated_at",
)  # fmt: skip
_PATIENT = Patient.__table__
_READ = select(*(_PATIENT.c[name] for name in READ_FIELDS))
_READ_BY_ID = _READ.where(_PATIENT.c.id == bindparam("patient_id"))
_READ_BY_FIN = _READ.where(_PATIENT.c.fin == bindparam("fin"))
_READ_BY_IDENTIFIER = _READ.where(
    _PATIENT.c.id
    == select(PatientIdentifier.patient_id)
    .where(
        PatientIdentifier.system == bindparam("system"),
        PatientIdentifier.value == bindparam("value"),
    )
    .scalar_subquery()
)


def _links(match: Callable[[Any], ColumnElement[bool]]) -> CompoundSelect[Any]:
    """(owner, 0, system, value, id) for identifiers, (owner, 1, '', '', id) for merged records."""
    return union_all(  # type: ignore[return-value]
        select(
            PatientIdentifier.patient_id,
            literal_column("0"),
            PatientIdentifier.system,
            PatientIdentifier.value,
            PatientIdentifier.id,
        ).where(match(PatientIdentifier.patient_id)),
        select(
            Patient.merged_into_id,
            literal_column("1"),
            literal_column("''"),
            literal_column("''"),
            Patient.id,
        ).where(match(Patient.merged_into_id)),
    ).order_by(text("2"), text("5"))


_LINKS = _links(lambda owner: owner.in_(bindparam("ids", expanding=True)))
_LINKS_OF_ONE = _links(lambda owner: owner == bindparam("id"))


def get(session: Session, ident: int) -> Patient | None:
    return session.get(Patient, ident)


def read_by_id(session: Session, ident: int) -> RowMapping | None:
    """The fields a patient is read with, without the ORM (the hottest read of the registry)."""
    return session.execute(_READ_BY_ID, {"patient_id": ident}).mappings().first()


def read_by_fin(session: Session, fin: str) -> RowMapping | None:
    return session.execute(_READ_BY_FIN, {"fin": fin}).mappings().first()


def read_by_identifier(session: Session, system: str, value: str) -> RowMapping | None:
    found = session.execute(_READ_BY_IDENTIFIER, {"system": system, "value": value})
    return found.mappings().first()


def any_patient(session: Session) -> bool:
    return session.execute(select(Patient.id).limit(1)).first() is not None


def by_fin(session: Session, fin: str) -> Patient | None:
    return session.execute(select(Patient).where(Patient.fin == fin)).scalar_one_or_none()


def identifiers_and_merges(
    session: Session, patient_ids: Sequence[int]
) -> tuple[dict[int, list[tuple[str, str]]], dict[int, list[int]]]:
    """Other identifiers (system, value) and the records merged into each of ``patient_ids``,
    in one query."""
    identifiers: dict[int, list[tuple[str, str]]] = {}
    merged: dict[int, list[int]] = {}
    if not patient_ids:
        return identifiers, merged
    if len(patient_ids) == 1:  # one patient read: a plain parameter, no list to expand
        found = session.execute(_LINKS_OF_ONE, {"id": patient_ids[0]})
    else:
        found = session.execute(_LINKS, {"ids": list(patient_ids)})
    for owner, kind, system, value, other in found:
        if kind == 0:
            identifiers.setdefault(int(owner), []).append((system, value))
        else:
            merged.setdefault(int(owner), []).append(int(other))
    return identifiers, merged


def identifier_taken(session: Session, system: str, value: str) -> bool:
    stmt = select(PatientIdentifier.id).where(
        PatientIdentifier.system == system, PatientIdentifier.value == value
    )
    return session.execute(stmt).first() is not None


def visible_clause(facility_ids: Iterable[int]) -> ColumnElement[bool]:
    """Patients registered at, seen at, or referred to one of ``facility_ids``."""
    ids = list(facility_ids)
    linked = exists().where(
        PatientFacility.patient_id == Patient.id, PatientFacility.facility_id.in_(ids)
    )
    return or_(Patient.registered_facility_id.in_(ids), linked)


def is_visible(session: Session, patient_id: int, facility_ids: Iterable[int]) -> bool:
    stmt = select(Patient.id).where(Patient.id == patient_id, visible_clause(facility_ids))
    return session.execute(stmt).first() is not None


def name_search(
    session: Session,
    *,
    surname_key: str | None,
    surname_phon: str | None,
    given_key: str | None,
    given_phon: str | None,
    filters: list[ColumnElement[bool]],
    after: tuple[str, str, int] | None,
    limit: int,
    narrowed: bool = False,
) -> list[Patient]:
    """Prefix matches and phonetic matches, merged in (surname_key, given_key, id) order.

    Each branch is one index walked in that order after an equality or a range on its leading
    columns, so a page costs a page of index entries even for the commonest surname: surname and
    given name by prefix (ix_patient_name, one surname at a time), surname by prefix and given name by sound
    (ix_patient_given_phon), both by sound (ix_patient_phon); a birth date narrows any of them
    through ix_patient_birth_name. The phonetic branch runs only when a given name or a birth
    date narrows it (a surname's sound alone matches too many people to be useful).
    """
    order = (Patient.surname_key, Patient.given_key, Patient.id)
    common = list(filters)
    if after:
        common.append(tuple_(*order) > tuple_(*after))
    branches: list[list[ColumnElement[bool]]] = []
    found: dict[int, Patient] = {}
    if surname_key:
        low, high = prefix_bounds(surname_key)
        surname = [Patient.surname_key >= low, Patient.surname_key < high]
        if given_key:
            given = prefix_bounds(given_key)
            for row in _surname_by_surname(session, (low, high), given, filters, after, limit):
                found[row.id] = row
            if given_phon:
                branches.append([*surname, Patient.given_phon == given_phon])
        else:
            branches.append(surname)
    if surname_phon and (given_phon or narrowed):
        # with a birth date, the sounds are checked on the ~300 people born that day
        # (ix_patient_birth_name): wrapped, they cannot lead the planner to ix_patient_phon
        # and a walk through every 'Mammadov Ali' to find the one born that day
        surname_sound = (
            func.coalesce(Patient.surname_phon, "") if narrowed else Patient.surname_phon
        )
        given_sound = func.coalesce(Patient.given_phon, "") if narrowed else Patient.given_phon
        phonetic: list[ColumnElement[bool]] = [surname_sound == surname_phon]
        if given_phon:
            phonetic.append(given_sound == given_phon)
        branches.append(phonetic)
    if not branches and not found:
        branches.append([])
    for branch in branches:
        stmt = select(Patient).where(*branch, *common).order_by(*order).limit(limit)
        for row in session.execute(stmt).scalars():
            found[row.id] = row
    return sorted(found.values(), key=lambda p: (p.surname_key, p.given_key, p.id))[:limit]


MAX_SURNAME_STEPS = 100


def _surname_by_surname(
    session: Session,
    surnames: tuple[str, str],
    given: tuple[str, str],
    filters: list[ColumnElement[bool]],
    after: tuple[str, str, int] | None,
    limit: int,
) -> list[Patient]:
    """Surname and given name both by prefix, one surname at a time (the next surname found by
    an index seek), so that each step is an equality on the surname and a range on the given
    name: a range on two columns at once would walk every entry of 'Mammadov' and 'Mammadova'
    to reach 'Zaur'. After MAX_SURNAME_STEPS surnames (a very short prefix), the rest is one
    range query."""
    low, high = surnames
    given_match = [Patient.given_key >= given[0], Patient.given_key < given[1]]
    rows: list[Patient] = []

    def next_surname(bound: ColumnElement[bool]) -> str | None:
        stmt = select(func.min(Patient.surname_key)).where(bound, Patient.surname_key < high)
        return session.execute(stmt).scalar()

    start = after[0] if after and after[0] > low else low
    key = next_surname(Patient.surname_key >= start)
    for _ in range(MAX_SURNAME_STEPS):
        if key is None or len(rows) >= limit:
            return rows
        where = [Patient.surname_key == key, *given_match, *filters]
        if after and key == after[0]:
            where.append(tuple_(Patient.given_key, Patient.id) > tuple_(after[1], after[2]))
        stmt = select(Patient).where(*where).order_by(Patient.given_key, Patient.id)
        rows.extend(session.execute(stmt.limit(limit - len(rows))).scalars())
        key = next_surname(Patient.surname_key > key)
    if key is not None and len(rows) < limit:
        where = [Patient.surname_key >= key, Patient.surname_key < high, *given_match, *filters]
        stmt = (
            select(Patient)
            .where(*where)
            .order_by(Patient.surname_key, Patient.given_key, Patient.id)
        )
        rows.extend(session.execute(stmt.limit(limit - len(rows))).scalars())
    return rows


def links(session: Session, patient_id: int) -> list[PatientFacility]:
    stmt = select(PatientFacility).where(PatientFacility.patient_id == patient_id)
    return list(session.execute(stmt).scalars())


def link_exists(session: Session, patient_id: int, facility_id: int) -> bool:
    return session.get(PatientFacility, (patient_id, facility_id)) is not None


def remove_links(session: Session, patient_id: int, facility_ids: Sequence[int]) -> None:
    session.execute(
        delete(PatientFacility).where(
            PatientFacility.patient_id == patient_id,
            PatientFacility.facility_id.in_(list(facility_ids)),
        )
    )


def merged_into(session: Session, survivor_ids: Sequence[int]) -> dict[int, list[int]]:
    stmt = select(Patient.merged_into_id, Patient.id).where(
        Patient.merged_into_id.in_(list(survivor_ids))
    )
    found: dict[int, list[int]] = {}
    for survivor, merged in session.execute(stmt):
        if survivor is not None:
            found.setdefault(int(survivor), []).append(int(merged))
    return found


def merge_record(session: Session, ident: int) -> PatientMerge | None:
    return session.get(PatientMerge, ident)


def merges_of(session: Session, patient_id: int) -> list[PatientMerge]:
    stmt = select(PatientMerge).where(
        or_(PatientMerge.survivor_id == patient_id, PatientMerge.merged_id == patient_id)
    )
    return list(session.execute(stmt.order_by(PatientMerge.id)).scalars())


def open_merge_of(session: Session, merged_id: int) -> PatientMerge | None:
    stmt = select(PatientMerge).where(
        PatientMerge.merged_id == merged_id, PatientMerge.undone_at.is_(None)
    )
    return session.execute(stmt).scalar_one_or_none()


def dedup_frame_rows(session: Session, batch: int = 200_000) -> Iterator[list[tuple[Any, ...]]]:
    """The comparison columns of every active patient, in batches (streamed)."""
    stmt = (
        select(
            Patient.id, Patient.fin, Patient.surname_key, Patient.given_key, Patient.patronymic,
            Patient.surname_phon, Patient.given_phon, Patient.sex, Patient.birth_date,
            Patient.district_code, Patient.phone,
        )
        .where(Patient.status == PatientStatus.ACTIVE.value)
        .execution_options(yield_per=batch)
    )  # fmt: skip
    result = session.execute(stmt)
    for part in result.partitions(batch):
        yield [tuple(r) for r in part]


def replace_open_candidates(session: Session) -> None:
    session.execute(delete(DuplicateCandidate).where(DuplicateCandidate.status == "open"))


def decided_pairs(session: Session) -> set[tuple[int, int]]:
    stmt = select(DuplicateCandidate.left_id, DuplicateCandidate.right_id).where(
        DuplicateCandidate.status != "open"
    )
    return {(int(a), int(b)) for a, b in session.execute(stmt)}


def candidates(
    session: Session, status: str, min_score: float, after_id: int | None, limit: int
) -> list[DuplicateCandidate]:
    stmt = select(DuplicateCandidate).where(
        DuplicateCandidate.status == status, DuplicateCandidate.score >= min_score
    )
    if after_id:
        stmt = stmt.where(DuplicateCandidate.id > after_id)
    return list(session.execute(stmt.order_by(DuplicateCandidate.id).limit(limit)).scalars())


def candidate_for_pair(session: Session, left: int, right: int) -> DuplicateCandidate | None:
    stmt = select(DuplicateCandidate).where(
        DuplicateCandidate.left_id == left, DuplicateCandidate.right_id == right
    )
    return session.execute(stmt).scalar_one_or_none()


def candidate(session: Session, ident: int) -> DuplicateCandidate | None:
    return session.get(DuplicateCandidate, ident)


def counts_by(session: Session, *columns: str) -> list[tuple[object, ...]]:
    cols = [getattr(Patient, c) for c in columns]
    stmt = (
        select(*cols, func.count())
        .where(Patient.status == PatientStatus.ACTIVE.value)
        .group_by(*cols)
    )
    return [tuple(row) for row in session.execute(stmt)]


FIELDS: dict[str, Any] = {
    "id": Patient.id,
    "fin": Patient.fin,
    "surname_key": Patient.surname_key,
    "given_key": Patient.given_key,
    "surname_phon": Patient.surname_phon,
    "given_phon": Patient.given_phon,
    "sex": Patient.sex,
    "birth_date": Patient.birth_date,
    "death_date": Patient.death_date,
    "district_code": Patient.district_code,
    "phone": Patient.phone,
    "status": Patient.status,
    "updated_at": Patient.updated_at,
    "registered_facility_id": Patient.registered_facility_id,
    "merged_into_id": Patient.merged_into_id,
    "nationality": Patient.nationality,
    "household_id": Patient.household_id,
}


def find(session: Session, query: Query, extra: list[ColumnElement[bool]]) -> Sequence[RowMapping]:
    """The fields of ``READ_FIELDS`` of the patients matching ``query``."""
    stmt = apply(_READ.where(*extra), FIELDS, query, Patient.id)
    return session.execute(stmt).mappings().all()


def count_matching(session: Session, query: Query, extra: list[ColumnElement[bool]]) -> int:
    return int(session.execute(count(select(Patient).where(*extra), FIELDS, query)).scalar_one())


def select_ids(query: Query, extra: list[ColumnElement[bool]]) -> Select[Any]:
    return select(Patient.id).where(*extra, *where(FIELDS, query))


def identifier_ids(system: str, value: str) -> Select[Any]:
    return select(PatientIdentifier.patient_id).where(
        PatientIdentifier.system == system, PatientIdentifier.value == value
    )


def many(session: Session, ids: Sequence[int]) -> Sequence[RowMapping]:
    """The fields of ``READ_FIELDS`` of the patients ``ids``."""
    if not ids:
        return []
    return session.execute(_READ.where(Patient.id.in_(list(ids)))).mappings().all()


DEMOGRAPHICS = {
    "patient_id": pl.Int64, "sex": pl.String, "birth_date": pl.Date, "death_date": pl.Date,
    "registered_facility_id": pl.Int64,
}  # fmt: skip


def demographics(session: Session, ids: Sequence[int]) -> pl.DataFrame:
    return read_frames(
        session,
        ids,
        lambda part: select(
            Patient.id,
            Patient.sex,
            Patient.birth_date,
            Patient.death_date,
            Patient.registered_facility_id,
        ).where(in_ids(session, Patient.id, part)),
        DEMOGRAPHICS,
    )


def enrolment(session: Session, on: Any) -> list[tuple[int, str, int, int]]:
    year = (
        func.extract("year", Patient.birth_date)
        if session.get_bind().dialect.name == "postgresql"
        else func.strftime("%Y", Patient.birth_date)
    )
    stmt = (
        select(Patient.registered_facility_id, Patient.sex, year, func.count())
        .where(
            Patient.status == PatientStatus.ACTIVE.value,
            Patient.registered_facility_id.is_not(None),
            or_(Patient.death_date.is_(None), Patient.death_date > on),
        )
        .group_by(Patient.registered_facility_id, Patient.sex, year)
    )
    return [(int(f), str(s), int(y or 0), int(n)) for f, s, y, n in session.execute(stmt)]


def in_categories(
    session: Session, categories: Sequence[str], without: Any, on: Any
) -> list[tuple[int, str, Any]]:
    """(id, category, birth date) of living active patients in ``categories`` whose id is not in
    the ``without`` SELECT."""
    stmt = select(Patient.id, Patient.insurance_category, Patient.birth_date).where(
        Patient.status == PatientStatus.ACTIVE.value,
        Patient.insurance_category.in_(list(categories)),
        or_(Patient.death_date.is_(None), Patient.death_date > on),
        Patient.id.not_in(without),
    )
    return [(int(i), str(c), b) for i, c, b in session.execute(stmt)]


def _living(on: Any) -> list[ColumnElement[bool]]:
    """Active records of people born by ``on`` and not dead by then."""
    return [
        Patient.status == PatientStatus.ACTIVE.value,
        or_(Patient.birth_date.is_(None), Patient.birth_date <= on),
        or_(Patient.death_date.is_(None), Patient.death_date > on),
    ]


def living_counts(session: Session, on: Any, *columns: str) -> list[tuple[object, ...]]:
    cols = [getattr(Patient, c) for c in columns]
    stmt = select(*cols, func.count()).where(*_living(on)).group_by(*cols)
    return [tuple(row) for row in session.execute(stmt)]


def living_ids(on: Any, districts: Iterable[str] | None) -> Select[Any]:
    stmt = select(Patient.id).where(*_living(on))
    if districts is not None:
        stmt = stmt.where(Patient.district_code.in_(sorted(districts)))
    return stmt

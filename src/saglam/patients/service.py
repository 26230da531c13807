"""MPI use cases: register, update, read and search people; scoping; facility links.

Merging and duplicate detection are in :mod:`saglam.patients.merging`, re-exported here.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import date
from typing import Any

import orjson
import polars as pl
from sqlalchemy import ColumnElement, RowMapping, Select
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.errors import Conflict, Gone, Invalid, NotFound
from saglam.core.message import Message
from saglam.core.query import Criterion, Query
from saglam.core.security import Principal
from saglam.core.text import fold, phonetic
from saglam.core.types import today, utcnow
from saglam.country import service as country
from saglam.facilities import service as facilities
from saglam.history import service as history
from saglam.history.schemas import VersionRead
from saglam.patients import repository, rules
from saglam.patients.aggregates import living_counts as living_counts
from saglam.patients.aggregates import living_ids as living_ids
from saglam.patients.bulk import PATIENT_COLUMNS as PATIENT_COLUMNS
from saglam.patients.bulk import bulk_links as bulk_links
from saglam.patients.bulk import bulk_loading as bulk_loading
from saglam.patients.enums import LinkReason, MatchKind, PatientStatus
from saglam.patients.models import Patient, PatientFacility, PatientIdentifier
from saglam.patients.schemas import (
    PatientCreate,
    PatientMatch,
    PatientPage,
    PatientQuery,
    PatientRead,
    PatientUpdate,
)

# --- scope ----------------------------------------------------------------------------------


def facility_scope(session: Session, actor: Principal) -> set[int] | None:
    """None when the actor sees patients nationally; else the facilities whose patients it sees."""
    if actor.is_national:
        return None
    ids = set(actor.facility_ids)
    if actor.territory_codes:
        districts = country.districts_within(session, actor.territory_codes)
        ids |= facilities.facility_ids_in(session, districts)
    return ids


def _require_visible(session: Session, actor: Principal, patient_id: int, action: str) -> None:
    scope = facility_scope(session, actor)
    if scope is None or repository.is_visible(session, patient_id, scope):
        return
    audit.refuse(
        session,
        actor,
        action,
        "Patient",
        patient_id,
        patient_id=patient_id,
        reason=Message("patient outside the actor's facilities"),
    )


def _load(session: Session, patient_id: int) -> Patient:
    row = repository.get(session, patient_id)
    if row is None:
        raise NotFound("patient-not-found", Message("no patient %(id)s", id=patient_id))
    return row


def _read(session: Session, rows: Sequence[Patient | RowMapping]) -> list[PatientRead]:
    """Patients as read: ORM rows (after a change) or plain rows of ``READ_FIELDS``."""
    found = [_fields(r) for r in rows]
    idents, merged = repository.identifiers_and_merges(session, [f["id"] for f in found])
    return [
        PatientRead.model_validate(
            {
                **f,
                "identifiers": [{"system": s, "value": v} for s, v in idents.get(f["id"], [])],
                "merged_from": sorted(merged.get(f["id"], [])),
            }
        )
        for f in found
    ]


def _fields(row: Patient | RowMapping) -> dict[str, Any]:
    if isinstance(row, Patient):
        return {name: getattr(row, name) for name in repository.READ_FIELDS}
    return dict(row)


# --- validation -----------------------------------------------------------------------------


def _validate(session: Session, values: dict[str, Any], *, current: Patient | None = None) -> None:
    profile = country.active_profile(session)
    problems: dict[str, str] = {}
    fin = values.get("fin")
    if fin:
        problem = rules.fin_problem(fin, profile.national_id_pattern)
        if problem:
            problems["fin"] = problem
    problems.update(
        rules.date_problems(values.get("birth_date"), values.get("death_date"), today())
    )
    category = values.get("insurance_category")
    if category and category not in {c.code for c in profile.insurance_categories}:
        problems["insurance_category"] = Message(
            "unknown insurance category '%(category)s'", category=category
        )
    if problems:
        first = next(iter(problems.values()))
        raise Invalid("invalid-patient", first, fields=problems)
    if values.get("district_code"):
        country.require_district(session, values["district_code"], "district_code")
    if values.get("registered_facility_id"):
        facilities.district_of(session, values["registered_facility_id"])
    if fin:
        holder = repository.by_fin(session, fin)
        if holder is not None and (current is None or holder.id != current.id):
            raise Conflict(
                "duplicate-fin",
                Message("national id %(fin)s belongs to another patient", fin=fin),
                fields={"fin": Message("taken")},
            )


# --- use cases ------------------------------------------------------------------------------


def register(session: Session, actor: Principal, data: PatientCreate) -> PatientRead:
    """Register a person; a facility-scoped registrar registers at one of its facilities."""
    audit.require(session, actor, "Patient", "write", action=AuditAction.CREATE)
    values = data.model_dump(exclude={"identifiers"})
    if values["fin"]:
        values["fin"] = values["fin"].upper()
    scope = facility_scope(session, actor)
    if scope is not None:
        if values["registered_facility_id"] is None and len(actor.facility_ids) == 1:
            values["registered_facility_id"] = next(iter(actor.facility_ids))
        if values["registered_facility_id"] not in scope:
            audit.refuse(
                session,
                actor,
                AuditAction.CREATE,
                "Patient",
                reason=Message("registration outside the actor's facilities"),
            )
    _validate(session, values)
    for ident in data.identifiers:
        if repository.identifier_taken(session, ident.system, ident.value):
            raise Conflict(
                "duplicate-identifier",
                Message(
                    "identifier %(value)s (%(system)s) is taken",
                    value=ident.value,
                    system=ident.system,
                ),
                fields={"identifiers": Message("taken")},
            )
    row = Patient(
        **values,
        **rules.name_keys(data.surname, data.given_name),
        status=PatientStatus.ACTIVE.value,
        version=1,
        updated_at=utcnow(),
    )
    row.sex = data.sex.value
    session.add(row)
    session.flush()
    for ident in data.identifiers:
        session.add(PatientIdentifier(patient_id=row.id, system=ident.system, value=ident.value))
    session.flush()
    read = _snapshot(session, row)
    audit.record(session, actor, AuditAction.CREATE, "Patient", row.id, patient_id=row.id)
    return read


def update(
    session: Session,
    actor: Principal,
    patient_id: int,
    data: PatientUpdate,
    *,
    expected_version: int | None = None,
) -> PatientRead:
    """Change demographics; the version increases; merged or deleted records cannot change."""
    audit.require(
        session,
        actor,
        "Patient",
        "write",
        action=AuditAction.UPDATE,
        entity_id=patient_id,
        patient_id=patient_id,
    )
    row = _load(session, patient_id)
    _require_visible(session, actor, row.id, AuditAction.UPDATE)
    if row.status != PatientStatus.ACTIVE.value:
        raise Conflict(
            "patient-not-active",
            Message("patient %(id)s is %(status)s", id=patient_id, status=Message(row.status)),
        )
    if expected_version is not None and expected_version != row.version:
        from saglam.core.errors import PreconditionFailed

        raise PreconditionFailed(
            "version-mismatch",
            Message(
                "patient %(id)s is at version %(version)s, not %(expected)s",
                id=patient_id,
                version=row.version,
                expected=expected_version,
            ),
        )
    changes = data.model_dump(exclude_unset=True)
    if changes.get("fin"):
        changes["fin"] = changes["fin"].upper()
    merged = {c.name: getattr(row, c.name) for c in Patient.__table__.columns}
    merged.update(changes)
    _validate(session, merged, current=row)
    for key, value in changes.items():
        setattr(row, key, value.value if hasattr(value, "value") else value)
    row.surname_key, row.given_key, row.surname_phon, row.given_phon = rules.name_keys(
        row.surname, row.given_name
    ).values()
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    read = _snapshot(session, row)
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "Patient",
        row.id,
        patient_id=row.id,
        detail={"fields": sorted(changes)},
    )
    return read


def get(session: Session, actor: Principal, patient_id: int) -> PatientRead:
    """One patient (merged records too: they link to their survivor); audited."""
    audit.require(
        session,
        actor,
        "Patient",
        "read",
        action=AuditAction.READ,
        entity_id=patient_id,
        patient_id=patient_id,
    )
    row = repository.read_by_id(session, patient_id)
    if row is None:
        raise NotFound("patient-not-found", Message("no patient %(id)s", id=patient_id))
    _require_visible(session, actor, patient_id, AuditAction.READ)
    audit.record(session, actor, AuditAction.READ, "Patient", patient_id, patient_id=patient_id)
    return _read(session, [row])[0]


def find_by_fin(session: Session, actor: Principal, fin: str) -> PatientRead:
    audit.require(session, actor, "Patient", "read", action=AuditAction.SEARCH)
    row = repository.read_by_fin(session, fin.strip().upper())
    if row is None:
        raise NotFound("patient-not-found", Message("no patient with national id %(fin)s", fin=fin))
    _require_visible(session, actor, row["id"], AuditAction.READ)
    audit.record(
        session,
        actor,
        AuditAction.SEARCH,
        "Patient",
        row["id"],
        patient_id=row["id"],
        detail={"by": "fin"},
    )
    return _read(session, [row])[0]


def find_by_identifier(
    session: Session, actor: Principal, system: str, value: str
) -> PatientRead | None:
    """A patient by an identifier: the national id's system or another registered one."""
    audit.require(session, actor, "Patient", "read", action=AuditAction.SEARCH)
    profile = country.active_profile(session)
    if system == profile.national_id_system:
        row = repository.read_by_fin(session, value.strip().upper())
    else:
        row = repository.read_by_identifier(session, system, value)
    if row is None:
        return None
    _require_visible(session, actor, row["id"], AuditAction.READ)
    audit.record(
        session,
        actor,
        AuditAction.SEARCH,
        "Patient",
        row["id"],
        patient_id=row["id"],
        detail={"by": "identifier"},
    )
    return _read(session, [row])[0]


def _encode_cursor(row: Patient) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([row.surname_key, row.given_key, row.id])).decode()


def _decode_cursor(cursor: str) -> tuple[str, str, int]:
    try:
        surname, given, ident = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(surname), str(given), int(ident)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise Invalid(
            "bad-cursor",
            Message("the paging cursor is not valid"),
            fields={"cursor": Message("invalid")},
        ) from exc


def search(session: Session, actor: Principal, query: PatientQuery) -> PatientPage:
    """Search by national id (exact), or by name (folded, prefix and phonetic) with filters.

    Results are in (surname, given name, id) order with a keyset cursor; every patient returned
    is audited.
    """
    audit.require(session, actor, "Patient", "read", action=AuditAction.SEARCH)
    if not (query.fin or query.name or query.phone or query.facility_id):
        raise Invalid(
            "empty-search",
            Message("give a national id, a name, a phone or a facility"),
            fields={"name": Message("required")},
        )
    scope = facility_scope(session, actor)
    filters: list[ColumnElement[bool]] = []
    if not query.include_merged:
        filters.append(Patient.status == PatientStatus.ACTIVE.value)
    if scope is not None:
        filters.append(repository.visible_clause(scope))
    if query.birth_date:
        filters.append(Patient.birth_date == query.birth_date)
    if query.district_code:
        filters.append(Patient.district_code == query.district_code)
    if query.phone:
        filters.append(Patient.phone == query.phone)
    if query.facility_id:
        filters.append(repository.visible_clause([query.facility_id]))
    if query.fin:
        filters.append(Patient.fin == query.fin.strip().upper())
    surname_key = surname_phon = given_key = given_phon = None
    tokens = fold(query.name or "").split()
    if tokens:
        surname_key, surname_phon = tokens[0], phonetic(tokens[0])
    given = query.given_name or (" ".join(tokens[1:2]) if len(tokens) > 1 else None)
    if given:
        given_key, given_phon = fold(given), phonetic(given)
    after = _decode_cursor(query.cursor) if query.cursor else None
    rows = repository.name_search(
        session,
        surname_key=surname_key,
        surname_phon=surname_phon,
        given_key=given_key,
        given_phon=given_phon,
        filters=filters,
        after=after,
        limit=query.limit + 1,
        narrowed=query.birth_date is not None,
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    items = [
        PatientMatch(
            patient=p,
            match=_match_kind(query, surname_key, row),
            score=_score(surname_key, given_key, row),
        )
        for p, row in zip(_read(session, rows), rows, strict=True)
    ]
    for row in rows:
        audit.record(session, actor, AuditAction.SEARCH, "Patient", row.id, patient_id=row.id)
    return PatientPage(items=items, next_cursor=_encode_cursor(rows[-1]) if more and rows else None)


def _match_kind(query: PatientQuery, surname_key: str | None, row: Patient) -> MatchKind:
    if query.fin:
        return MatchKind.IDENTIFIER
    if surname_key is None or row.surname_key == surname_key:
        return MatchKind.EXACT
    if row.surname_key.startswith(surname_key):
        return MatchKind.PREFIX
    return MatchKind.PHONETIC


def _score(surname_key: str | None, given_key: str | None, row: Patient) -> float:
    from rapidfuzz.distance import JaroWinkler

    parts = []
    if surname_key:
        parts.append(JaroWinkler.normalized_similarity(surname_key, row.surname_key))
    if given_key:
        parts.append(JaroWinkler.normalized_similarity(given_key, row.given_key))
    return round(sum(parts) / len(parts), 3) if parts else 1.0


def _snapshot(session: Session, row: Patient, *, deleted: bool = False) -> PatientRead:
    """Record the row's current version in its history; returns it as read."""
    read = _read(session, [row])[0]
    data = read.model_dump(mode="json")
    history.snapshot(session, "Patient", row.id, row.version, data, row.updated_at, deleted=deleted)
    return read


def _search_scope(session: Session, actor: Principal) -> list[ColumnElement[bool]]:
    extra: list[ColumnElement[bool]] = [Patient.status != PatientStatus.DELETED.value]
    scope = facility_scope(session, actor)
    if scope is not None:
        extra.append(repository.visible_clause(scope))
    return extra


def find(
    session: Session, actor: Principal, query: Query, *, with_total: bool = False
) -> tuple[list[PatientRead], int | None]:
    """Patients matching neutral criteria (deleted ones excluded, scope applied), audited."""
    audit.require(session, actor, "Patient", "read", action=AuditAction.SEARCH)
    extra = _search_scope(session, actor)
    rows = repository.find(session, query, extra) if query.limit != 0 else []
    total = repository.count_matching(session, query, extra) if with_total else None
    for row in rows:
        audit.record(session, actor, AuditAction.SEARCH, "Patient", row["id"], patient_id=row["id"])
    return _read(session, rows), total


def select_ids(session: Session, actor: Principal, query: Query) -> Select[Any]:
    """The ids of patients matching ``query`` that the actor may see (for chained searches)."""
    audit.require(session, actor, "Patient", "read", action=AuditAction.SEARCH)
    return repository.select_ids(query, _search_scope(session, actor))


def identifier_ids(session: Session, system: str, value: str) -> Select[Any]:
    """Patient ids carrying the identifier ``system|value`` (the national id or another)."""
    profile = country.active_profile(session)
    if system == profile.national_id_system:
        return repository.select_ids(
            Query(clauses=(Criterion("fin", "eq", value.upper()),), limit=None), []
        )
    return repository.identifier_ids(system, value)


def read_many(session: Session, actor: Principal, ids: Sequence[int]) -> list[PatientRead]:
    """Patients by id (those the actor may not see are left out), audited; for _include."""
    audit.require(session, actor, "Patient", "read", action=AuditAction.READ)
    scope = facility_scope(session, actor)
    rows = [
        r
        for r in repository.many(session, ids)
        if scope is None or repository.is_visible(session, r["id"], scope)
    ]
    for row in rows:
        audit.record(session, actor, AuditAction.READ, "Patient", row["id"], patient_id=row["id"])
    return _read(session, rows)


def delete(session: Session, actor: Principal, patient_id: int) -> PatientRead:
    """Mark a record deleted (kept, with its history; reads then answer Gone)."""
    audit.require(
        session,
        actor,
        "Patient",
        "write",
        action=AuditAction.DELETE,
        entity_id=patient_id,
        patient_id=patient_id,
    )
    row = _load(session, patient_id)
    _require_visible(session, actor, row.id, AuditAction.DELETE)
    if row.status == PatientStatus.DELETED.value:
        raise Gone("patient-deleted", Message("patient %(id)s is already deleted", id=patient_id))
    if row.status == PatientStatus.MERGED.value or repository.merged_into(session, [row.id]):
        raise Conflict(
            "patient-merged",
            Message("patient %(id)s takes part in a merge; undo it first", id=patient_id),
        )
    row.status = PatientStatus.DELETED.value
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    read = _snapshot(session, row, deleted=True)
    audit.record(session, actor, AuditAction.DELETE, "Patient", row.id, patient_id=row.id)
    return read


def versions(session: Session, actor: Principal, patient_id: int) -> list[VersionRead]:
    """Every recorded version of a patient, newest first (the current one always included)."""
    current = get(session, actor, patient_id)
    found = history.versions(session, "Patient", patient_id)
    if not found or found[0].version != current.version:
        found.insert(
            0,
            VersionRead(
                entity_type="Patient",
                entity_id=patient_id,
                version=current.version,
                recorded_at=current.updated_at,
                deleted=current.status is PatientStatus.DELETED,
                data=current.model_dump(mode="json"),
            ),
        )
    return found


def link_facility(
    session: Session,
    actor: Principal,
    patient_id: int,
    facility_id: int,
    reason: LinkReason,
    on: date,
) -> None:
    """Make a patient visible at a facility (seen there, referred there). Idempotent."""
    if not repository.link_exists(session, patient_id, facility_id):
        _load(session, patient_id)
        facilities.district_of(session, facility_id)
        session.add(
            PatientFacility(
                patient_id=patient_id, facility_id=facility_id, reason=reason.value, since=on
            )
        )
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.UPDATE,
            "Patient",
            patient_id,
            patient_id=patient_id,
            detail={"linked": facility_id, "reason": reason.value},
        )


def identity_ids(session: Session, patient_id: int) -> list[int]:
    """The patient and every record merged into it (recursively): one person's whole identity."""
    found = [patient_id]
    frontier = [patient_id]
    while frontier:
        merged = repository.merged_into(session, frontier)
        frontier = [m for ids in merged.values() for m in ids if m not in found]
        found.extend(frontier)
    return found


def counts(session: Session, actor: Principal, *columns: str) -> list[tuple[object, ...]]:
    """Active patients counted by columns (district_code, sex, insurance_category): aggregates."""
    audit.require(session, actor, "Dashboard", "read", action=AuditAction.SEARCH)
    return repository.counts_by(session, *columns)


from saglam.patients.merging import detect_duplicates as detect_duplicates  # noqa: E402
from saglam.patients.merging import dismiss_candidate as dismiss_candidate  # noqa: E402
from saglam.patients.merging import list_candidates as list_candidates  # noqa: E402
from saglam.patients.merging import merge as merge  # noqa: E402
from saglam.patients.merging import merges_of as merges_of  # noqa: E402
from saglam.patients.merging import unmerge as unmerge  # noqa: E402


def check_in(session: Session, actor: Principal, fin: str, facility_id: int) -> PatientRead:
    """At a registration desk, with the person's identity card in hand: find a patient by exact
    national id and make them visible at the actor's facility (audited as a check-in)."""
    audit.require(session, actor, "Patient", "write", action=AuditAction.UPDATE)
    scope = facility_scope(session, actor)
    if scope is not None and facility_id not in scope:
        audit.refuse(
            session,
            actor,
            AuditAction.UPDATE,
            "Patient",
            reason=Message("check-in at a facility outside the actor's scope"),
        )
    row = repository.by_fin(session, fin.strip().upper())
    if row is None:
        raise NotFound("patient-not-found", Message("no patient with national id %(fin)s", fin=fin))
    link_facility(session, actor, row.id, facility_id, LinkReason.SEEN, today())
    audit.record(
        session,
        actor,
        AuditAction.READ,
        "Patient",
        row.id,
        patient_id=row.id,
        detail={"check_in": facility_id},
    )
    return _read(session, [row])[0]


def demographics(session: Session, actor: Principal, ids: Sequence[int]) -> pl.DataFrame:
    """patient_id, sex, birth_date, death_date, registered_facility_id of patients, for batch
    rules (the caller audits)."""
    audit.require(session, actor, "Patient", "read", action=AuditAction.SEARCH)
    return repository.demographics(session, ids)


def in_categories(
    session: Session, actor: Principal, categories: Sequence[str], without: Any, on: date
) -> list[tuple[int, str, date | None]]:
    """(id, category, birth date) of the living in insurance ``categories``, except the ids the
    ``without`` SELECT yields (the caller audits what it does with them)."""
    audit.require(session, actor, "Patient", "read", action=AuditAction.SEARCH)
    return repository.in_categories(session, categories, without, on)


def enrolment(session: Session, actor: Principal, on: date) -> list[tuple[int, str, int, int]]:
    """(registered facility, sex, birth year, people) of the living, for capitation."""
    audit.require(session, actor, "Patient", "read", action=AuditAction.SEARCH)
    return repository.enrolment(session, on)

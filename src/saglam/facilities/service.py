"""Facility use cases: register and update facilities, lifecycle events, equipment, lookups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.bulk import load_rows, reset_sequence
from saglam.core.errors import Conflict, Invalid, NotFound
from saglam.core.message import Message
from saglam.core.query import Query
from saglam.core.security import Principal
from saglam.core.text import fold
from saglam.core.types import today, utcnow
from saglam.country import service as country
from saglam.facilities import repository, rules
from saglam.facilities.enums import EquipmentStatus, FacilityStatus, LifecycleEvent
from saglam.facilities.models import Equipment, Facility, FacilityEvent
from saglam.facilities.schemas import (
    EquipmentCreate,
    EquipmentRead,
    EquipmentUpdate,
    EventCreate,
    EventRead,
    FacilityCreate,
    FacilityQuery,
    FacilityRead,
    FacilityUpdate,
)
from saglam.history import service as history
from saglam.history.schemas import VersionRead


def _load(session: Session, facility_id: int) -> Facility:
    row = repository.get(session, facility_id)
    if row is None:
        raise NotFound("facility-not-found", Message("no facility %(id)s", id=facility_id))
    return row


def _require_write(
    session: Session,
    actor: Principal,
    resource: str,
    district: str | None,
    facility_id: int | None,
    action: str,
) -> None:
    """Writers must hold the permission and cover the facility (national, territory or facility)."""
    audit.require(session, actor, resource, "write", action=action, entity_id=facility_id)
    if actor.is_national:
        return
    if actor.territory_codes and district in country.districts_within(
        session, actor.territory_codes
    ):
        return
    if facility_id is not None and facility_id in actor.facility_ids:
        return
    audit.refuse(
        session,
        actor,
        action,
        resource,
        facility_id,
        reason=Message("facility outside the actor's scope"),
    )


def create_facility(session: Session, actor: Principal, data: FacilityCreate) -> FacilityRead:
    """Register a facility; its level and category come from its type in the country profile."""
    _require_write(session, actor, "Organization", data.district_code, None, AuditAction.CREATE)
    profile = country.active_profile(session)
    try:
        kind = profile.facility_type(data.type_code)
    except KeyError:
        raise Invalid(
            "unknown-facility-type",
            Message("unknown facility type '%(code)s'", code=data.type_code),
            fields={"type_code": Message("unknown")},
        ) from None
    if data.district_code:
        country.require_district(session, data.district_code, "district_code")
    elif kind.level != "external":
        raise Invalid(
            "district-required",
            Message("a facility needs its district"),
            fields={"district_code": Message("required")},
        )
    if repository.by_code(session, data.code):
        raise Conflict(
            "facility-exists",
            Message("facility code '%(code)s' is taken", code=data.code),
            fields={"code": Message("taken")},
        )
    row = Facility(
        **data.model_dump(),
        category=kind.category,
        level=kind.level,
        status=FacilityStatus.ACTIVE.value,
        name_key=facility_name_key(data.name_az, data.name_en),
        version=1,
        updated_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _snapshot_facility(session, row)
    if data.commissioned_on:
        session.add(
            FacilityEvent(
                facility_id=row.id,
                kind=LifecycleEvent.COMMISSIONED.value,
                on=data.commissioned_on,
                note="",
            )
        )
    audit.record(session, actor, AuditAction.CREATE, "Organization", row.id)
    return FacilityRead.model_validate(row)


def update_facility(
    session: Session, actor: Principal, facility_id: int, data: FacilityUpdate
) -> FacilityRead:
    row = _load(session, facility_id)
    _require_write(session, actor, "Organization", row.district_code, row.id, AuditAction.UPDATE)
    changes = data.model_dump(exclude_unset=True)
    start = changes.get("contract_from", row.contract_from)
    end = changes.get("contract_to", row.contract_to)
    if start and end and end < start:
        raise Invalid(
            "bad-period",
            Message("contract_to is before contract_from"),
            fields={"contract_to": Message("before contract_from")},
        )
    for key, value in changes.items():
        setattr(row, key, value)
    row.name_key = facility_name_key(row.name_az, row.name_en)
    if changes:
        row.version += 1
        row.updated_at = utcnow()
    session.flush()
    _snapshot_facility(session, row)
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "Organization",
        row.id,
        detail={"fields": sorted(changes)},
    )
    return FacilityRead.model_validate(row)


def get_facility(session: Session, actor: Principal, facility_id: int) -> FacilityRead:
    audit.require(
        session, actor, "Organization", "read", action=AuditAction.READ, entity_id=facility_id
    )
    return FacilityRead.model_validate(_load(session, facility_id))


def get_facility_by_code(session: Session, actor: Principal, code: str) -> FacilityRead:
    audit.require(session, actor, "Organization", "read", action=AuditAction.READ, entity_id=code)
    row = repository.by_code(session, code)
    if row is None:
        raise NotFound("facility-not-found", Message("no facility '%(code)s'", code=code))
    return FacilityRead.model_validate(row)


def search_facilities(
    session: Session, actor: Principal, query: FacilityQuery
) -> tuple[list[FacilityRead], int | None]:
    """Facilities matching the filters, by id; returns the page and the next ``after_id``."""
    audit.require(session, actor, "Organization", "read", action=AuditAction.SEARCH)
    districts = (
        country.districts_within(session, [query.region_code]) if query.region_code else None
    )
    rows = repository.search(session, query, districts)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return [FacilityRead.model_validate(r) for r in rows], (rows[-1].id if more and rows else None)


def record_event(
    session: Session, actor: Principal, facility_id: int, data: EventCreate
) -> EventRead:
    """Record a lifecycle event; impossible moves (e.g. finishing a reconstruction never started) fail."""
    row = _load(session, facility_id)
    _require_write(session, actor, "Organization", row.district_code, row.id, AuditAction.UPDATE)
    history = repository.events(session, facility_id)
    status, reason = rules.next_status(
        FacilityStatus(row.status),
        data.kind,
        data.on,
        history[-1].on if history else None,
        any(e.kind == LifecycleEvent.COMMISSIONED.value for e in history),
        today(),
    )
    if status is None:
        problem = reason or Message("impossible event")
        raise Invalid("impossible-event", problem, fields={"kind": problem})
    event = FacilityEvent(facility_id=row.id, kind=data.kind.value, on=data.on, note=data.note)
    session.add(event)
    if data.kind is LifecycleEvent.COMMISSIONED:
        row.commissioned_on = data.on
    row.status = status.value
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    _snapshot_facility(session, row)
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "Organization",
        row.id,
        detail={"event": data.kind.value},
    )
    return EventRead.model_validate(event)


def list_events(session: Session, actor: Principal, facility_id: int) -> list[EventRead]:
    audit.require(
        session, actor, "Organization", "read", action=AuditAction.READ, entity_id=facility_id
    )
    _load(session, facility_id)
    return [EventRead.model_validate(e) for e in repository.events(session, facility_id)]


def add_equipment(
    session: Session, actor: Principal, facility_id: int, data: EquipmentCreate
) -> EquipmentRead:
    row = _load(session, facility_id)
    _require_write(session, actor, "Device", row.district_code, row.id, AuditAction.CREATE)
    profile = country.active_profile(session)
    if data.type_code not in {t.code for t in profile.equipment_types}:
        raise Invalid(
            "unknown-device-type",
            Message("unknown device type '%(code)s'", code=data.type_code),
            fields={"type_code": Message("unknown")},
        )
    if data.acquired_on and data.acquired_on > today():
        raise Invalid(
            "future-date",
            Message("acquired_on is in the future"),
            fields={"acquired_on": Message("in the future")},
        )
    item = Equipment(facility_id=row.id, **data.model_dump(), version=1, updated_at=utcnow())
    item.status = data.status.value
    session.add(item)
    session.flush()
    _snapshot_equipment(session, item)
    audit.record(session, actor, AuditAction.CREATE, "Device", item.id)
    return EquipmentRead.model_validate(item)


def update_equipment(
    session: Session, actor: Principal, equipment_id: int, data: EquipmentUpdate
) -> EquipmentRead:
    item = repository.equipment(session, equipment_id)
    if item is None:
        raise NotFound("device-not-found", Message("no device %(id)s", id=equipment_id))
    facility = _load(session, item.facility_id)
    _require_write(
        session, actor, "Device", facility.district_code, facility.id, AuditAction.UPDATE
    )
    if data.last_maintenance_on:
        if data.last_maintenance_on > today():
            raise Invalid(
                "future-date",
                Message("last_maintenance_on is in the future"),
                fields={"last_maintenance_on": Message("in the future")},
            )
        if item.acquired_on and data.last_maintenance_on < item.acquired_on:
            raise Invalid(
                "bad-date",
                Message("maintenance before acquisition"),
                fields={"last_maintenance_on": Message("before acquired_on")},
            )
        item.last_maintenance_on = data.last_maintenance_on
    if data.status:
        if (
            item.status == EquipmentStatus.DECOMMISSIONED.value
            and data.status is not EquipmentStatus.DECOMMISSIONED
        ):
            raise Invalid(
                "decommissioned",
                Message("a decommissioned device cannot return to service"),
                fields={"status": Message("decommissioned")},
            )
        item.status = data.status.value
    item.version += 1
    item.updated_at = utcnow()
    session.flush()
    _snapshot_equipment(session, item)
    audit.record(session, actor, AuditAction.UPDATE, "Device", item.id)
    return EquipmentRead.model_validate(item)


def get_equipment(session: Session, actor: Principal, equipment_id: int) -> EquipmentRead:
    audit.require(session, actor, "Device", "read", action=AuditAction.READ, entity_id=equipment_id)
    item = repository.equipment(session, equipment_id)
    if item is None:
        raise NotFound("device-not-found", Message("no device %(id)s", id=equipment_id))
    return EquipmentRead.model_validate(item)


def list_equipment(session: Session, actor: Principal, facility_id: int) -> list[EquipmentRead]:
    audit.require(
        session, actor, "Device", "read", action=AuditAction.SEARCH, entity_id=facility_id
    )
    _load(session, facility_id)
    return [EquipmentRead.model_validate(e) for e in repository.equipment_of(session, facility_id)]


# --- lookups for other domains ----------------------------------------------------------------


def facility_ids_in(session: Session, districts: Iterable[str]) -> set[int]:
    return repository.ids_in_districts(session, districts)


def district_of(
    session: Session, facility_id: int, known: Mapping[int, str | None] | None = None
) -> str | None:
    """The facility's district (None for an external organisation); Invalid if it is unknown.
    ``known`` is what ``districts_of`` answered for a batch the facility belongs to."""
    found = known if known is not None else repository.districts_of(session, [facility_id])
    if facility_id not in found:
        raise Invalid(
            "unknown-facility",
            Message("unknown facility %(id)s", id=facility_id),
            fields={"facility_id": Message("unknown")},
        )
    return found[facility_id]


def districts_of(session: Session, facility_ids: Iterable[int]) -> dict[int, str | None]:
    """The districts of those of ``facility_ids`` that exist (one query for a batch)."""
    return repository.districts_of(session, facility_ids)


def counts(session: Session, actor: Principal, *columns: str) -> list[tuple[object, ...]]:
    """Facility counts grouped by columns (type_code, level, district_code, …): aggregates only."""
    audit.require(session, actor, "Organization", "read", action=AuditAction.SEARCH)
    return repository.counts_by(session, *columns)


# --- bulk loading (synthetic country) ---------------------------------------------------------

FACILITY_COLUMNS = (
    "id", "code", "name_az", "name_en", "name_key", "type_code", "category", "level", "district_code", "address",
    "phone", "beds", "status", "contracted", "contract_number", "contract_from", "contract_to",
    "commissioned_on", "version", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = ("facility_id", "kind", "on", "note")
EQUIPMENT_COLUMNS = (
    "facility_id", "type_code", "manufacturer", "country_of_origin", "model", "serial_number",
    "acquired_on", "status", "last_maintenance_on", "version", "updated_at",
)  # fmt: skip


def bulk_load(
    session: Session,
    actor: Principal,
    facilities: Sequence[Sequence[Any]],
    events: Sequence[Sequence[Any]],
    equipment: Sequence[Sequence[Any]],
) -> None:
    """Load generated facilities (rows in FACILITY_COLUMNS order), their events and equipment."""
    audit.require(session, actor, "Organization", "write", action=AuditAction.CREATE)
    load_rows(session, Facility.__table__, FACILITY_COLUMNS, facilities)
    reset_sequence(session, Facility.__table__)
    load_rows(session, FacilityEvent.__table__, EVENT_COLUMNS, events)
    load_rows(session, Equipment.__table__, EQUIPMENT_COLUMNS, equipment)
    audit.record(
        session, actor, AuditAction.CREATE, "Organization",
        detail={"facilities": len(facilities), "events": len(events), "equipment": len(equipment)},
    )  # fmt: skip


# --- neutral search (FHIR) and history ----------------------------------------------------------


def facility_name_key(name_az: str, name_en: str) -> str:
    return f"{fold(name_az)} | {fold(name_en)}"[:420]


def find_facilities(
    session: Session, actor: Principal, query: Query, *, with_total: bool = False
) -> tuple[list[FacilityRead], int | None]:
    audit.require(session, actor, "Organization", "read", action=AuditAction.SEARCH)
    rows = repository.find_facilities(session, query) if query.limit != 0 else []
    total = repository.count_facilities(session, query) if with_total else None
    return [FacilityRead.model_validate(r) for r in rows], total


def facility_ids(session: Session, actor: Principal, query: Query) -> Select[Any]:
    audit.require(session, actor, "Organization", "read", action=AuditAction.SEARCH)
    return repository.facility_ids(query)


def read_facilities(session: Session, actor: Principal, ids: Sequence[int]) -> list[FacilityRead]:
    audit.require(session, actor, "Organization", "read", action=AuditAction.READ)
    return [FacilityRead.model_validate(r) for r in repository.many_facilities(session, ids)]


def find_equipment(
    session: Session, actor: Principal, query: Query, *, with_total: bool = False
) -> tuple[list[EquipmentRead], int | None]:
    audit.require(session, actor, "Device", "read", action=AuditAction.SEARCH)
    rows = repository.find_equipment(session, query) if query.limit != 0 else []
    total = repository.count_equipment(session, query) if with_total else None
    return [EquipmentRead.model_validate(r) for r in rows], total


def read_equipment(session: Session, actor: Principal, ids: Sequence[int]) -> list[EquipmentRead]:
    audit.require(session, actor, "Device", "read", action=AuditAction.READ)
    return [EquipmentRead.model_validate(r) for r in repository.many_equipment(session, ids)]


def facility_versions(session: Session, actor: Principal, facility_id: int) -> list[VersionRead]:
    current = get_facility(session, actor, facility_id)
    return _with_current(
        history.versions(session, "Organization", facility_id),
        "Organization",
        current.id,
        current.version,
        current.updated_at,
        current.model_dump(mode="json"),
    )


def equipment_versions(session: Session, actor: Principal, equipment_id: int) -> list[VersionRead]:
    current = get_equipment(session, actor, equipment_id)
    return _with_current(
        history.versions(session, "Device", equipment_id),
        "Device",
        current.id,
        current.version,
        current.updated_at,
        current.model_dump(mode="json"),
    )


def _with_current(
    found: list[VersionRead], kind: str, ident: int, version: int, at: Any, data: dict[str, Any]
) -> list[VersionRead]:
    if not found or found[0].version != version:
        found.insert(
            0,
            VersionRead(
                entity_type=kind,
                entity_id=ident,
                version=version,
                recorded_at=at,
                deleted=False,
                data=data,
            ),
        )
    return found


def _snapshot_facility(session: Session, row: Facility) -> None:
    history.snapshot(
        session,
        "Organization",
        row.id,
        row.version,
        FacilityRead.model_validate(row).model_dump(mode="json"),
        row.updated_at,
    )


def _snapshot_equipment(session: Session, row: Equipment) -> None:
    history.snapshot(
        session,
        "Device",
        row.id,
        row.version,
        EquipmentRead.model_validate(row).model_dump(mode="json"),
        row.updated_at,
    )


def contract_info(session: Session, actor: Principal, ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """(id, level, contracted, contract from, contract to, type, district) of facilities."""
    audit.require(session, actor, "Organization", "read", action=AuditAction.SEARCH)
    return repository.contract_info(session, ids)


def name_of(session: Session, facility_id: int) -> str:
    """A facility's name (empty when unknown): public reference data, for headers and labels."""
    row = session.get(Facility, facility_id)
    return row.name_az if row is not None else ""


def located(
    session: Session, actor: Principal, districts: Iterable[str] | None = None
) -> Select[Any, Any]:
    """A SELECT of (id, district_code) of the country's facilities (in ``districts``, all when
    None), for other domains to group or filter their aggregates by place in one statement."""
    audit.require(session, actor, "Organization", "read", action=AuditAction.SEARCH)
    return repository.located(districts)

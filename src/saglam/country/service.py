"""Country use cases: load the profile's territories, list and resolve them, expand scopes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core import memo
from saglam.core.errors import Invalid, NotFound
from saglam.core.message import Message
from saglam.core.security import Principal
from saglam.country import repository
from saglam.country.enums import LocationKind
from saglam.country.models import ActiveProfile, Location
from saglam.country.profile import Profile, load_profile
from saglam.country.schemas import LocationRead


def sync_locations(session: Session, actor: Principal, profile: Profile) -> int:
    """Create or update the country, its regions and districts from the profile (idempotent)."""
    audit.require(session, actor, "Location", "write", action=AuditAction.UPDATE)
    existing = {row.code: row for row in repository.all_rows(session)}
    wanted: list[dict[str, object]] = [
        {
            "code": profile.country_code,
            "kind": LocationKind.COUNTRY.value,
            "parent_code": None,
            "name_az": profile.country["name_az"],
            "name_en": profile.country["name_en"],
            "population": profile.population,
            "urban_share": profile.country.get("urban_share"),
        }
    ]
    wanted += [
        {
            "code": r.code,
            "kind": LocationKind.REGION.value,
            "parent_code": profile.country_code,
            "name_az": r.name_az,
            "name_en": r.name_en,
            "population": sum(d.population for d in profile.districts if d.region_code == r.code),
            "urban_share": None,
        }
        for r in profile.regions
    ]
    wanted += [
        {
            "code": d.code,
            "kind": LocationKind.DISTRICT.value,
            "parent_code": d.region_code,
            "name_az": d.name_az,
            "name_en": d.name_en,
            "population": d.population,
            "urban_share": d.urban_share,
        }
        for d in profile.districts
    ]
    marker = session.get(ActiveProfile, 1)
    if marker is None:
        session.add(ActiveProfile(id=1, name=profile.name))
    elif marker.name != profile.name:
        raise Invalid(
            "profile-mismatch",
            Message(
                "this database was built from profile '%(built)s', not '%(wanted)s'",
                built=marker.name,
                wanted=profile.name,
            ),
        )
    changed = 0
    for values in wanted:
        row = existing.get(str(values["code"]))
        if row is None:
            session.add(Location(**values, version=1))
            session.flush()
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.version += 1
            changed += 1
    session.flush()
    if changed:
        audit.record(session, actor, AuditAction.UPDATE, "Location", detail={"changed": changed})
    return changed


def list_locations(
    session: Session, actor: Principal, kind: LocationKind | None = None, parent: str | None = None
) -> list[LocationRead]:
    audit.require(session, actor, "Location", "read", action=AuditAction.SEARCH)
    rows = repository.listing(session, kind.value if kind else None, parent)
    return [LocationRead.model_validate(r) for r in rows]


def get_location(session: Session, actor: Principal, code: str) -> LocationRead:
    audit.require(session, actor, "Location", "read", action=AuditAction.READ)
    row = repository.by_code(session, code)
    if row is None:
        raise NotFound("location-not-found", Message("no location with code '%(code)s'", code=code))
    return LocationRead.model_validate(row)


def get_location_by_id(session: Session, actor: Principal, ident: int) -> LocationRead:
    audit.require(session, actor, "Location", "read", action=AuditAction.READ)
    row = repository.by_id(session, ident)
    if row is None:
        raise NotFound("location-not-found", Message("no location %(id)s", id=ident))
    return LocationRead.model_validate(row)


def require_district(session: Session, code: str, field: str = "district") -> None:
    """Raise Invalid unless ``code`` is a known district. Districts are never removed, so the
    known ones are kept per database; a code not among them is looked up (it may be new)."""
    known = memo.remembered(
        ("district-codes", memo.database_of(session)),
        lambda: frozenset(repository.codes_of_kind(session, LocationKind.DISTRICT.value)),
        single_flight=False,
    )
    if code in known:
        return
    row = repository.by_code(session, code)
    if row is None or row.kind != LocationKind.DISTRICT.value:
        raise Invalid(
            "unknown-district",
            Message("unknown district '%(code)s'", code=code),
            fields={field: Message("unknown district")},
        )


def districts_within(session: Session, codes: Iterable[str]) -> frozenset[str]:
    """The district codes covered by ``codes`` (district codes stay, region codes expand)."""
    codes = set(codes)
    if not codes:
        return frozenset()
    districts = repository.codes_of_kind(session, LocationKind.DISTRICT.value)
    direct = codes & districts
    expanded = repository.codes_of_kind(session, LocationKind.DISTRICT.value, within=codes - direct)
    return frozenset(direct | expanded)


def region_of(session: Session) -> dict[str, str]:
    """district code → region code, for every district."""
    return {
        row.code: row.parent_code or ""
        for row in repository.all_rows(session)
        if row.kind == LocationKind.DISTRICT.value
    }


def active_profile(session: Session) -> Profile:
    """The profile this database was built from (raises NotFound before the country is loaded).

    A database's profile never changes once set (loading another one is refused), so its name
    is kept per database: nearly every request asks for it."""
    name = memo.remembered(
        ("active-profile", memo.database_of(session)),
        lambda: _active_profile_name(session),
        single_flight=False,
    )
    return load_profile(name)


def _active_profile_name(session: Session) -> str:
    marker = session.get(ActiveProfile, 1)
    if marker is None:
        raise NotFound("no-country", Message("no country loaded yet: run `saglam generate`"))
    return marker.name


def district_names(session: Session) -> dict[str, tuple[str, str]]:
    """district code → (Azerbaijani name, English name)."""
    return {
        row.code: (row.name_az, row.name_en)
        for row in repository.all_rows(session)
        if row.kind == LocationKind.DISTRICT.value
    }


def location_name(session: Session, code: str) -> str:
    """A location's Azerbaijani name (the code when unknown): public reference data."""
    row = repository.by_code(session, code)
    return row.name_az if row is not None else code

"""Location ⇄ territories (country, economic regions, districts) and facility sites.

Territories have their codes as ids (``Location/AZ-QBA``); a facility's site is
``Location/site-{facility id}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from saglam.core.query import AnyOf, Criterion, Op, Query
from saglam.core.security import Principal
from saglam.core.text import fold
from saglam.country import service as country
from saglam.country.schemas import LocationRead
from saglam.facilities import service as facilities
from saglam.facilities.schemas import FacilityRead
from saglam.fhir.mappers.common import SYSTEMS, clean, concept, stored
from saglam.fhir.registry import Handler, SearchParam, Stored, Value, register

SITE = "site-"
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def territory(loc: LocationRead) -> Stored:
    resource = clean(
        {
            "resourceType": "Location",
            "identifier": [{"system": SYSTEMS["territory"], "value": loc.code}],
            "status": "active",
            "name": loc.name_az,
            "alias": [loc.name_en],
            "mode": "kind",
            "type": [concept("territory-kind", loc.kind.value)],
            "physicalType": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                        "code": "jdn",
                        "display": "Jurisdiction",
                    }
                ]
            },
            "partOf": {"reference": f"Location/{loc.parent_code}"} if loc.parent_code else None,
            "extension": [
                {"url": f"{SYSTEMS['territory']}/population", "valueInteger": loc.population}
            ],
        }
    )
    return stored(loc.code, resource, loc.version, EPOCH)


def site(f: FacilityRead) -> Stored:
    resource = clean(
        {
            "resourceType": "Location",
            "status": "inactive" if f.status.value == "closed" else "active",
            "name": f.name_az,
            "alias": [f.name_en],
            "mode": "instance",
            "type": [concept("territory-kind", "site")],
            "physicalType": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                        "code": "bu",
                        "display": "Building",
                    }
                ]
            },
            "address": {"text": f.address, "country": "AZ"} if f.address else None,
            "managingOrganization": {"reference": f"Organization/{f.id}"},
            "partOf": {"reference": f"Location/{f.district_code}"},
        }
    )
    return stored(f"{SITE}{f.id}", resource, f.version, f.updated_at)


def _matches(loc: LocationRead, clauses: Sequence[Criterion | AnyOf]) -> bool:
    values = {
        "id": loc.code,
        "name": f"{fold(loc.name_az)} | {fold(loc.name_en)}",
        "kind": loc.kind.value,
        "parent": loc.parent_code,
    }
    for clause in clauses:
        options = clause.criteria if isinstance(clause, AnyOf) else (clause,)
        if not any(_holds(values.get(c.field), c) for c in options):
            return False
    return True


def _holds(value: Any, c: Criterion) -> bool:
    if c.op == "in":
        return value in c.value
    if c.op == "eq":
        return bool(value == c.value)
    if c.op == "sw":
        return isinstance(value, str) and any(
            part.startswith(c.value) for part in value.split(" | ")
        )
    if c.op == "co":
        return isinstance(value, str) and c.value in value
    return False


def _text(field: str) -> Any:
    def compile(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
        op: dict[str, Op] = {"exact": "eq", "contains": "co"}
        return AnyOf(
            tuple(Criterion(field, op.get(v.modifier or "", "sw"), fold(v.raw)) for v in values)
        )

    return compile


def _codes(field: str) -> Any:
    def compile(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
        return AnyOf((Criterion(field, "in", [(v.code or v.raw).split("/")[-1] for v in values]),))

    return compile


class LocationHandler(Handler):
    type = "Location"
    interactions = frozenset({"read", "vread", "search-type"})
    documentation = "Territories (country → economic region → district, id = code) and facility sites (id = site-<facility id>)."
    params: ClassVar[dict[str, SearchParam]] = {
        "_id": SearchParam("_id", "token", _codes("id"), "Territory code or site id"),
        "name": SearchParam(
            "name",
            "string",
            _text("name"),
            "Azerbaijani or English name, letters folded",
            "Location.name",
        ),
        "type": SearchParam(
            "type", "token", _codes("kind"), "country, region, district or site", "Location.type"
        ),
        "partof": SearchParam(
            "partof",
            "reference",
            _codes("parent"),
            "The territory it lies in",
            "Location.partOf",
            ("Location",),
        ),
        "organization": SearchParam(
            "organization",
            "reference",
            _codes("organization"),
            "Facility of a site",
            "Location.managingOrganization",
            ("Organization",),
        ),
    }
    sorts: ClassVar[dict[str, str]] = {"_id": "id"}

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        if ident.startswith(SITE) and ident[len(SITE) :].isdigit():
            return site(facilities.get_facility(session, actor, int(ident[len(SITE) :])))
        return territory(country.get_location(session, actor, ident))

    def versions(self, session: Session, actor: Principal, ident: str) -> list[Stored]:
        return [self.read(session, actor, ident)]

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        clauses = list(query.clauses)
        sites_wanted = [c for c in clauses if _mentions(c, "organization") or _kind(c) == ["site"]]
        found: list[Stored]
        if sites_wanted:
            organizations = [
                int(i)
                for c in clauses
                if _mentions(c, "organization")
                for i in _values(c)
                if str(i).isdigit()
            ]
            if organizations:
                found = [site(f) for f in facilities.read_facilities(session, actor, organizations)]
            else:
                parents = [v for c in clauses if _mentions(c, "parent") for v in _values(c)]
                facility_query = Query(
                    clauses=(Criterion("district_code", "in", parents),) if parents else (),
                    limit=None,
                )
                found = [
                    site(f) for f in facilities.find_facilities(session, actor, facility_query)[0]
                ]
        else:
            found = [
                territory(loc)
                for loc in country.list_locations(session, actor)
                if _matches(loc, clauses)
            ]
        found.sort(key=lambda s: s.id)
        total = len(found)
        window = found[query.offset : query.offset + (query.limit or total)]
        return window, total if with_total else None


def _mentions(clause: Criterion | AnyOf, field: str) -> bool:
    options = clause.criteria if isinstance(clause, AnyOf) else (clause,)
    return any(c.field == field for c in options)


def _values(clause: Criterion | AnyOf) -> list[Any]:
    options = clause.criteria if isinstance(clause, AnyOf) else (clause,)
    return [v for c in options for v in (c.value if isinstance(c.value, list) else [c.value])]


def _kind(clause: Criterion | AnyOf) -> list[Any]:
    return _values(clause) if _mentions(clause, "kind") else []


register(LocationHandler())

"""The FHIR interactions over the registry: read, vread, history, search, create, update,
conditional create and update, delete. Transports call these; so do bundles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from saglam.core.errors import Conflict, Gone, Invalid, NotFound, NotSupported, PreconditionFailed
from saglam.core.query import Criterion, Query
from saglam.core.security import Principal
from saglam.fhir import search as searching
from saglam.fhir.outcome import issue, outcome
from saglam.fhir.registry import REGISTRY, Handler, Stored
from saglam.fhir.respond import trim, with_meta
from saglam.fhir.validate import validate


@dataclass(frozen=True)
class Written:
    status: int
    stored: Stored
    warnings: list[str]


def handler_for(resource_type: str, interaction: str | None = None) -> Handler:
    handler = REGISTRY.get(resource_type)
    if handler is None:
        raise NotFound(
            "unknown-type", f"resource type {resource_type!r} is not supported by this server"
        )
    if interaction and interaction not in handler.interactions:
        raise NotSupported(
            "not-supported",
            f"{interaction} is not supported for {resource_type}",
            extra={"status": 405},
        )
    return handler


def read(session: Session, actor: Principal, resource_type: str, ident: str) -> Stored:
    stored = handler_for(resource_type, "read").read(session, actor, ident)
    if stored.deleted:
        raise Gone("deleted", f"{resource_type}/{ident} was deleted")
    return stored


def vread(
    session: Session, actor: Principal, resource_type: str, ident: str, version: str
) -> Stored:
    for stored in handler_for(resource_type, "vread").versions(session, actor, ident):
        if str(stored.version) == version:
            if stored.deleted:
                raise Gone("deleted", f"{resource_type}/{ident} version {version} is a deletion")
            return stored
    raise NotFound("no-version", f"{resource_type}/{ident} has no version {version}")


def history(
    session: Session, actor: Principal, resource_type: str, ident: str, base: str
) -> dict[str, Any]:
    versions = handler_for(resource_type, "history-instance").versions(session, actor, ident)
    entries = []
    for stored in versions:
        entry: dict[str, Any] = {
            "fullUrl": f"{base}/{resource_type}/{ident}",
            "request": {
                "method": "DELETE"
                if stored.deleted
                else ("POST" if stored.version == 1 else "PUT"),
                "url": f"{resource_type}/{ident}",
            },
            "response": {
                "status": "204" if stored.deleted else "200",
                "etag": f'W/"{stored.version}"',
            },
        }
        if not stored.deleted:
            entry["resource"] = with_meta(stored)
        entries.append(entry)
    return {"resourceType": "Bundle", "type": "history", "total": len(entries), "entry": entries}


def search(
    session: Session,
    actor: Principal,
    resource_type: str,
    items: Sequence[tuple[str, str]],
    *,
    base: str,
    strict: bool,
) -> dict[str, Any]:
    """A searchset Bundle: one query for the matches (plus one for a total, one per include)."""
    handler = handler_for(resource_type, "search-type")
    request = searching.parse(session, actor, handler, items, strict=strict)
    want_total = request.total in ("accurate", "estimate")
    found, total = handler.search(session, actor, request.query, want_total)
    more = len(found) > request.count
    found = found[: request.count]
    if total is None and not more:
        total = request.offset + len(found)
    entries = [
        {
            "fullUrl": f"{base}/{resource_type}/{s.id}",
            "resource": trim(with_meta(s), request.summary, request.elements),
            "search": {"mode": "match"},
        }
        for s in found
    ]
    seen = {(resource_type, s.id) for s in found}
    for include in request.includes:
        target = handler_for(include.target)
        ids = sorted({ref for s in found for ref in include.refs(s.resource)})
        for stored in target.read_many(session, actor, ids):
            if (include.target, stored.id) not in seen:
                seen.add((include.target, stored.id))
                entries.append(
                    {
                        "fullUrl": f"{base}/{include.target}/{stored.id}",
                        "resource": with_meta(stored),
                        "search": {"mode": "include"},
                    }
                )
    for source, include in request.revincludes:
        keys = [int(s.id) for s in found if s.id.isdigit()]
        if not keys:
            continue
        related, _ = source.search(
            session,
            actor,
            Query(clauses=(Criterion(include.field, "in", keys),), limit=1000),
            False,
        )
        for stored in related:
            if (source.type, stored.id) not in seen:
                seen.add((source.type, stored.id))
                entries.append(
                    {
                        "fullUrl": f"{base}/{source.type}/{stored.id}",
                        "resource": with_meta(stored),
                        "search": {"mode": "include"},
                    }
                )
    if request.warnings:
        entries.append(
            {
                "resource": outcome(
                    [issue("warning", "not-supported", w) for w in request.warnings]
                ),
                "search": {"mode": "outcome"},
            }
        )
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        bundle["total"] = total
    bundle["link"] = _links(base, resource_type, request, more)
    bundle["entry"] = entries
    return bundle


def _links(
    base: str, resource_type: str, request: searching.SearchRequest, more: bool
) -> list[dict[str, str]]:
    echo = [(k, v) for k, v in request.echo if k not in ("_offset", "_count")]

    def url(offset: int) -> str:
        query = urlencode([*echo, ("_count", str(request.count)), ("_offset", str(offset))])
        return f"{base}/{resource_type}?{query}"

    links = [{"relation": "self", "url": url(request.offset)}]
    if request.count:
        if request.offset:
            links.append({"relation": "first", "url": url(0)})
            links.append(
                {"relation": "previous", "url": url(max(0, request.offset - request.count))}
            )
        if more:
            links.append({"relation": "next", "url": url(request.offset + request.count)})
    return links


def _matches(session: Session, actor: Principal, resource_type: str, criteria: str) -> list[Stored]:
    handler = handler_for(resource_type, "search-type")
    from urllib.parse import parse_qsl

    items = parse_qsl(
        criteria.partition("?")[2] if "?" in criteria else criteria, keep_blank_values=True
    )
    if not items:
        raise Invalid("bad-condition", "a conditional request needs search criteria")
    request = searching.parse(session, actor, handler, items, strict=True)
    found, _ = handler.search(session, actor, Query(clauses=request.query.clauses, limit=2), False)
    return found


def create(
    session: Session,
    actor: Principal,
    resource_type: str,
    body: Any,
    *,
    if_none_exist: str | None = None,
) -> Written:
    """Create; with ``If-None-Exist`` return the one existing match instead (412 if several)."""
    handler = handler_for(resource_type, "create")
    resource = validate(body, resource_type)
    if if_none_exist:
        found = _matches(session, actor, resource_type, if_none_exist)
        if len(found) > 1:
            raise PreconditionFailed(
                "multiple-matches", "If-None-Exist matched more than one resource"
            )
        if found:
            return Written(200, found[0], [])
    stored, warnings = handler.create(session, actor, resource)
    return Written(201, stored, warnings)


def update(
    session: Session,
    actor: Principal,
    resource_type: str,
    ident: str,
    body: Any,
    *,
    if_match: str | None = None,
) -> Written:
    handler = handler_for(resource_type, "update")
    resource = validate(body, resource_type)
    if resource.get("id") not in (None, ident):
        raise Invalid(
            "id-mismatch",
            f"the resource's id {resource.get('id')!r} does not match the URL's {ident!r}",
        )
    expected = _version_of(if_match) if if_match else None
    stored, warnings = handler.update(session, actor, ident, resource, expected)
    return Written(200, stored, warnings)


def conditional_update(
    session: Session, actor: Principal, resource_type: str, criteria: str, body: Any
) -> Written:
    """PUT Type?criteria: update the one match, or create when there is none (412 if several)."""
    found = _matches(session, actor, resource_type, criteria)
    if len(found) > 1:
        raise PreconditionFailed(
            "multiple-matches", "the conditional update matched more than one resource"
        )
    if not found:
        return create(session, actor, resource_type, body)
    return update(session, actor, resource_type, found[0].id, {**body, "id": found[0].id})


def delete(session: Session, actor: Principal, resource_type: str, ident: str) -> None:
    handler_for(resource_type, "delete").delete(session, actor, ident)


def _version_of(if_match: str) -> int:
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Invalid("bad-if-match", 'If-Match must be a version ETag, e.g. W/"3"')
    return int(text)


def conflict_if_newer(current: int, expected: int | None, what: str) -> None:
    if expected is not None and expected != current:
        raise PreconditionFailed(
            "version-conflict", f"{what} is at version {current}, not {expected}"
        )


__all__ = [
    "Conflict",
    "Written",
    "conflict_if_newer",
    "create",
    "delete",
    "history",
    "read",
    "search",
    "update",
    "vread",
]

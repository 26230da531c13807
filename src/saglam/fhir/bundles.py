"""Batch and transaction Bundles.

A transaction is all or nothing: entries are checked first (a type or interaction the server
does not support refuses the whole bundle, naming each such entry), then run in FHIR order
(DELETE, POST, PUT, GET) inside the request's one database transaction, creates sorted so that
an entry is created before the entries that reference it by ``urn:uuid``; any failure rolls
everything back and the OperationOutcome names the entry. A batch runs each entry in its own
savepoint and reports each outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.core.errors import HTTP_STATUS, DomainError, Invalid
from saglam.core.security import Principal
from saglam.fhir import engine
from saglam.fhir.outcome import error_issues, issue, outcome
from saglam.fhir.registry import REGISTRY
from saglam.fhir.respond import etag, with_meta

ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
INTERACTION = {"POST": "create", "PUT": "update", "DELETE": "delete"}
MAX_ENTRIES = 10_000


class BundleFailed(Invalid):
    """A transaction failed; ``issues`` name the entries (HTTP status in ``extra``)."""


@dataclass
class Entry:
    index: int
    method: str
    resource_type: str
    ident: str | None
    query: str
    full_url: str | None
    resource: dict[str, Any] | None
    if_match: str | None
    if_none_exist: str | None
    response: dict[str, Any] = field(default_factory=dict)


def _entries(bundle: Any) -> tuple[str, list[Entry]]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise Invalid("not-a-bundle", "POST to the base needs a Bundle")
    kind = bundle.get("type")
    if kind not in ("batch", "transaction"):
        raise Invalid("bad-bundle-type", "the Bundle's type must be batch or transaction")
    raw = bundle.get("entry") or []
    if not isinstance(raw, list) or len(raw) > MAX_ENTRIES:
        raise Invalid("bad-entries", f"a Bundle holds at most {MAX_ENTRIES} entries")
    entries = []
    for index, item in enumerate(raw):
        request = (item or {}).get("request") or {}
        method = str(request.get("method", "")).upper()
        url = str(request.get("url", ""))
        if method not in ORDER or not url:
            raise BundleFailed(
                "bad-entry",
                f"entry {index}: request.method and request.url are required",
                extra={
                    "issues": [
                        issue(
                            "error",
                            "required",
                            f"entry {index}: request.method and request.url are required",
                            f"Bundle.entry[{index}].request",
                        )
                    ]
                },
            )
        parts = urlsplit(url)
        path = parts.path.strip("/").split("/")
        resource = item.get("resource")
        entries.append(
            Entry(
                index=index,
                method=method,
                resource_type=path[0]
                if path and path[0]
                else (resource or {}).get("resourceType", ""),
                ident=path[1] if len(path) > 1 else None,
                query=parts.query,
                full_url=item.get("fullUrl"),
                resource=resource if isinstance(resource, dict) else None,
                if_match=request.get("ifMatch"),
                if_none_exist=request.get("ifNoneExist"),
            )
        )
    return kind, entries


def _unsupported(entries: list[Entry]) -> list[dict[str, Any]]:
    problems = []
    for e in entries:
        handler = REGISTRY.get(e.resource_type)
        need = INTERACTION.get(e.method) or ("read" if e.ident else "search-type")
        if handler is None:
            problems.append(
                issue(
                    "error",
                    "not-supported",
                    f"entry {e.index}: resource type {e.resource_type or '?'} is not supported",
                    f"Bundle.entry[{e.index}]",
                )
            )
        elif need not in handler.interactions:
            problems.append(
                issue(
                    "error",
                    "not-supported",
                    f"entry {e.index}: {need} of {e.resource_type} is not supported",
                    f"Bundle.entry[{e.index}]",
                )
            )
    return problems


def _references(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                found.add(item)
            else:
                found |= _references(item)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


def _rewrite(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: (
                mapping.get(v, v)
                if k == "reference" and isinstance(v, str)
                else _rewrite(v, mapping)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_rewrite(v, mapping) for v in value]
    return value


def _ordered(entries: list[Entry]) -> list[Entry]:
    """FHIR order; creates topologically by urn:uuid references among them."""
    by_url = {e.full_url: e for e in entries if e.method == "POST" and e.full_url}
    placed: list[Entry] = []
    state: dict[int, int] = {}

    def visit(entry: Entry) -> None:
        if state.get(entry.index) == 2:
            return
        if state.get(entry.index) == 1:
            return  # a cycle: leave the rest to reference checks
        state[entry.index] = 1
        for ref in _references(entry.resource):
            target = by_url.get(ref)
            if target is not None and target is not entry:
                visit(target)
        state[entry.index] = 2
        placed.append(entry)

    posts = [e for e in entries if e.method == "POST"]
    for entry in posts:
        visit(entry)
    rest = sorted((e for e in entries if e.method != "POST"), key=lambda e: ORDER[e.method])
    return (
        [e for e in rest if ORDER[e.method] < 1] + placed + [e for e in rest if ORDER[e.method] > 1]
    )


def _resolve_conditional(
    session: Session, actor: Principal, refs: set[str], mapping: dict[str, str]
) -> None:
    """``Type?search`` references resolve to the one match."""
    for ref in refs:
        if "?" not in ref or ref in mapping:
            continue
        kind, _, query = ref.partition("?")
        bundle = engine.search(
            session, actor, kind, parse_qsl(query, keep_blank_values=True), base="", strict=True
        )
        matches = [e for e in bundle.get("entry", []) if e.get("search", {}).get("mode") == "match"]
        if len(matches) != 1:
            raise Invalid(
                "unresolved-reference",
                f"conditional reference {ref} matched {len(matches)} resources",
            )
        mapping[ref] = f"{kind}/{matches[0]['resource']['id']}"


def _run(
    session: Session, actor: Principal, entry: Entry, mapping: dict[str, str], base: str
) -> None:
    resource = _rewrite(entry.resource, mapping) if entry.resource is not None else None
    if resource is not None:
        _resolve_conditional(
            session, actor, {r for r in _references(resource) if "?" in r}, mapping
        )
        resource = _rewrite(resource, mapping)
        for ref in _references(resource):
            if ref.startswith("urn:uuid:") or ref.startswith("urn:oid:"):
                raise Invalid(
                    "unresolved-reference",
                    f"reference {ref} does not match an entry of this bundle",
                )
    if entry.method == "POST":
        written = engine.create(
            session, actor, entry.resource_type, resource, if_none_exist=entry.if_none_exist
        )
        _respond(entry, written.status, written.stored, written.warnings, base)
        if entry.full_url:
            mapping[entry.full_url] = f"{entry.resource_type}/{written.stored.id}"
    elif entry.method == "PUT":
        if entry.ident:
            written = engine.update(
                session, actor, entry.resource_type, entry.ident, resource, if_match=entry.if_match
            )
        else:
            written = engine.conditional_update(
                session, actor, entry.resource_type, entry.query, resource
            )
        _respond(entry, written.status, written.stored, written.warnings, base)
        if entry.full_url:
            mapping[entry.full_url] = f"{entry.resource_type}/{written.stored.id}"
    elif entry.method == "DELETE":
        if not entry.ident:
            raise Invalid("conditional-delete", "conditional delete is not supported")
        engine.delete(session, actor, entry.resource_type, entry.ident)
        entry.response = {"response": {"status": "204 No Content"}}
    elif entry.ident:
        found = engine.read(session, actor, entry.resource_type, entry.ident)
        entry.response = {
            "resource": with_meta(found),
            "response": {"status": "200 OK", "etag": etag(found.version)},
        }
    else:
        bundle = engine.search(
            session,
            actor,
            entry.resource_type,
            parse_qsl(entry.query, keep_blank_values=True),
            base=base,
            strict=False,
        )
        entry.response = {"resource": bundle, "response": {"status": "200 OK"}}


def _respond(entry: Entry, status: int, stored: Any, warnings: list[str], base: str) -> None:
    response: dict[str, Any] = {
        "status": f"{status} {'Created' if status == 201 else 'OK'}",
        "location": f"{entry.resource_type}/{stored.id}/_history/{stored.version}",
        "etag": etag(stored.version),
        "lastModified": stored.last_updated.isoformat().replace("+00:00", "Z"),
    }
    if warnings:
        response["outcome"] = outcome([issue("warning", "informational", w) for w in warnings])
    entry.response = {
        "fullUrl": f"{base}/{entry.resource_type}/{stored.id}",
        "resource": with_meta(stored),
        "response": response,
    }


def process(session: Session, actor: Principal, bundle: Any, base: str) -> dict[str, Any]:
    kind, entries = _entries(bundle)
    mapping: dict[str, str] = {}
    if kind == "transaction":
        problems = _unsupported(entries)
        if problems:
            raise BundleFailed(
                "unsupported-entries",
                f"{len(problems)} entr(y/ies) cannot be processed; nothing was stored",
                extra={"issues": problems, "status": 400},
            )
        for entry in _ordered(entries):
            try:
                _run(session, actor, entry, mapping, base)
            except DomainError as exc:
                status = int(exc.extra.get("status", HTTP_STATUS[exc.kind]))
                issues = [
                    {
                        **i,
                        "diagnostics": f"entry {entry.index} ({entry.method} {entry.resource_type}): {i['diagnostics']}",
                        "expression": [f"Bundle.entry[{entry.index}]"],
                    }
                    for i in error_issues(exc)
                ]
                raise BundleFailed(
                    "transaction-failed",
                    f"entry {entry.index} failed; nothing was stored",
                    extra={"issues": issues, "status": status},
                ) from exc
        return {
            "resourceType": "Bundle",
            "type": "transaction-response",
            "entry": [e.response for e in entries],
        }
    for entry in _ordered(entries):
        handler = REGISTRY.get(entry.resource_type)
        need = INTERACTION.get(entry.method) or ("read" if entry.ident else "search-type")
        if handler is None or need not in handler.interactions:
            what = (
                f"resource type {entry.resource_type}"
                if handler is None
                else f"{need} of {entry.resource_type}"
            )
            entry.response = {
                "response": {
                    "status": "404 Not Found" if handler is None else "405 Method Not Allowed",
                    "outcome": outcome(
                        [issue("error", "not-supported", f"{what} is not supported")]
                    ),
                }
            }
            continue
        position = audit.mark(session)
        savepoint = session.begin_nested()
        try:
            _run(session, actor, entry, mapping, base)
            savepoint.commit()
        except DomainError as exc:
            savepoint.rollback()
            audit.discard_since(session, position)
            status = int(exc.extra.get("status", HTTP_STATUS[exc.kind]))
            entry.response = {
                "response": {"status": str(status), "outcome": outcome(error_issues(exc))}
            }
    return {
        "resourceType": "Bundle",
        "type": "batch-response",
        "entry": [e.response for e in entries],
    }


def _status_line(status: int) -> str:
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)

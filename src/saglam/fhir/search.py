"""FHIR search: query parameters → one neutral query (+ includes), and the paging window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from saglam.core.query import AnyOf, Criterion, Query
from saglam.core.security import Principal
from saglam.fhir.params import date_param, id_param, parse_values
from saglam.fhir.registry import REGISTRY, Handler, Include, SearchInvalid, SearchParam

DEFAULT_COUNT = 20
MAX_COUNT = 500
RESULT_PARAMS = {
    "_count",
    "_sort",
    "_include",
    "_revinclude",
    "_summary",
    "_elements",
    "_total",
    "_offset",
}
FORMAT_PARAMS = {"_format", "_pretty"}
SUMMARIES = {"true", "false", "count", "data", "text"}


@dataclass
class SearchRequest:
    query: Query
    count: int
    offset: int
    includes: list[Include] = field(default_factory=list)
    revincludes: list[tuple[Handler, Include]] = field(default_factory=list)
    summary: str | None = None
    elements: list[str] | None = None
    total: str = "none"
    warnings: list[str] = field(default_factory=list)
    echo: list[tuple[str, str]] = field(default_factory=list)


def _param_of(handler: Handler, name: str) -> SearchParam | None:
    if name == "_lastUpdated":
        return SearchParam(
            "_lastUpdated",
            "date",
            date_param("updated_at", is_date=False),
            "When the resource last changed",
        )
    if name == "_id" and "_id" not in handler.params:
        return SearchParam("_id", "token", id_param(), "Logical id")
    return handler.params.get(name)


def _compile(
    session: Session,
    actor: Principal,
    handler: Handler,
    key: str,
    raw: str,
    request: SearchRequest,
    strict: bool,
) -> Criterion | AnyOf | None:
    name, _, modifier = key.partition(":")
    chain = None
    if "." in name:
        name, _, chain = name.partition(".")
    param = _param_of(handler, name)
    if param is None:
        message = f"unknown search parameter {key!r} for {handler.type}"
        if strict:
            raise SearchInvalid("unknown-parameter", message, fields={key: "unknown parameter"})
        request.warnings.append(message)
        return None
    if chain is not None:
        return _chained(session, actor, handler, param, modifier or None, chain, raw, strict)
    if modifier and param.type == "reference" and modifier in param.targets:
        modifier = ""
    values = parse_values(param.type, raw, modifier or None)
    if param.type == "string" and not raw:
        raise SearchInvalid("empty-value", f"parameter {key!r} has no value", fields={key: "empty"})
    return param.compile(session, actor, values)


def _chained(
    session: Session,
    actor: Principal,
    handler: Handler,
    param: SearchParam,
    type_modifier: str | None,
    chain: str,
    raw: str,
    strict: bool,
) -> Criterion:
    if param.type != "reference" or param.field is None:
        raise SearchInvalid(
            "bad-chain", f"{param.name} is not a reference parameter that can be chained"
        )
    targets = [type_modifier] if type_modifier else list(param.targets)
    if len(targets) != 1 or REGISTRY.get(targets[0]) is None:
        raise SearchInvalid(
            "bad-chain",
            f"chain {param.name}.{chain} needs one target type (use {param.name}:Type.{chain})",
        )
    target = REGISTRY.get(targets[0])
    assert target is not None
    inner = SearchRequest(Query(), 0, 0)
    clause = _compile(session, actor, target, chain, raw, inner, strict=True)
    subquery = target.select_ids(
        session, actor, Query(clauses=(clause,) if clause else (), limit=None)
    )
    return Criterion(param.field, "in_select", subquery)


def parse(
    session: Session,
    actor: Principal,
    handler: Handler,
    items: Sequence[tuple[str, str]],
    *,
    strict: bool,
) -> SearchRequest:
    request = SearchRequest(Query(), DEFAULT_COUNT, 0)
    clauses: list[Criterion | AnyOf] = []
    sort: list[tuple[str, bool]] = []
    for key, raw in items:
        if key in FORMAT_PARAMS:
            continue
        request.echo.append((key, raw))
        if key == "_count":
            request.count = _integer(key, raw, 0, MAX_COUNT)
        elif key == "_offset":
            request.offset = _integer(key, raw, 0, 10_000_000)
        elif key == "_sort":
            for name in filter(None, raw.split(",")):
                descending = name.startswith("-")
                field_name = handler.sorts.get(name.lstrip("-"))
                if field_name is None:
                    raise SearchInvalid(
                        "bad-sort",
                        f"cannot sort {handler.type} by {name.lstrip('-')!r}",
                        fields={"_sort": raw},
                    )
                sort.append((field_name, descending))
        elif key == "_include":
            request.includes.append(_include(handler, raw))
        elif key == "_revinclude":
            request.revincludes.append(_revinclude(handler, raw))
        elif key == "_summary":
            if raw not in SUMMARIES:
                raise SearchInvalid("bad-summary", f"_summary must be one of {sorted(SUMMARIES)}")
            request.summary = raw
        elif key == "_elements":
            request.elements = [e.strip() for e in raw.split(",") if e.strip()]
        elif key == "_total":
            if raw not in ("none", "estimate", "accurate"):
                raise SearchInvalid("bad-total", "_total must be none, estimate or accurate")
            request.total = raw
        else:
            clause = _compile(session, actor, handler, key, raw, request, strict)
            if clause is not None:
                clauses.append(clause)
    if request.summary == "count":
        request.count = 0
    if request.count == 0:
        request.total = "accurate"
    request.query = Query(
        clauses=tuple(clauses), sort=tuple(sort), limit=request.count + 1, offset=request.offset
    )
    return request


def _integer(key: str, raw: str, low: int, high: int) -> int:
    if not raw.isdigit():
        raise SearchInvalid("bad-number", f"{key} must be a whole number", fields={key: raw})
    return max(low, min(int(raw), high))


def _include(handler: Handler, raw: str) -> Include:
    source, _, name = raw.partition(":")
    name = name.split(":")[0]
    include = handler.includes.get(name) if source == handler.type else None
    if include is None:
        raise SearchInvalid("bad-include", f"_include {raw!r} is not supported for {handler.type}")
    return include


def _revinclude(handler: Handler, raw: str) -> tuple[Handler, Include]:
    source_type, _, name = raw.partition(":")
    source = REGISTRY.get(source_type)
    include = source.includes.get(name.split(":")[0]) if source else None
    if source is None or include is None or include.target != handler.type:
        raise SearchInvalid(
            "bad-revinclude", f"_revinclude {raw!r} is not supported for {handler.type}"
        )
    return source, include

"""Neutral search criteria, and the one compiler that turns them into SQL.

Transports (the FHIR search engine) build a :class:`Query` from their own syntax; a domain's
repository compiles it against its own table with a map of field names to columns, so the
tables stay private and every search is one SQL statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, true

Op = Literal[
    "eq", "ne", "gt", "lt", "ge", "le", "sw", "co", "in", "missing", "in_select", "range", "outside"
]


@dataclass(frozen=True)
class Criterion:
    """``field op value``: ``sw``/``co`` are starts-with/contains on folded text; ``in_select``
    takes a SELECT of ids (a chained search); ``missing`` takes a bool; ``range`` and
    ``outside`` take a half-open (low, high) pair."""

    field: str
    op: Op
    value: Any


@dataclass(frozen=True)
class AnyOf:
    """OR of criteria (a FHIR parameter with comma-separated values)."""

    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Query:
    """AND of clauses, an order, and a window."""

    clauses: tuple[Criterion | AnyOf, ...] = ()
    sort: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    limit: int | None = 50
    offset: int = 0


class UnknownField(ValueError):
    pass


def _criterion(columns: Mapping[str, Any], c: Criterion) -> ColumnElement[bool]:
    try:
        column: ColumnElement[Any] = columns[c.field]
    except KeyError:
        raise UnknownField(c.field) from None
    value = c.value
    match c.op:
        case "eq":
            return column.is_(None) if value is None else column == value
        case "ne":
            return or_(column.is_(None), column != value)
        case "gt":
            return cast("ColumnElement[bool]", column > value)
        case "lt":
            return cast("ColumnElement[bool]", column < value)
        case "ge":
            return cast("ColumnElement[bool]", column >= value)
        case "le":
            return cast("ColumnElement[bool]", column <= value)
        case "sw":
            return and_(column >= value, column < value + "\uffff")
        case "co":
            return column.contains(value, autoescape=True)
        case "in":
            return column.in_(list(value)) if value else false()
        case "missing":
            return column.is_(None) if value else column.is_not(None)
        case "in_select":
            return column.in_(value)
        case "range":
            return and_(column >= value[0], column < value[1])
        case "outside":
            return or_(column.is_(None), column < value[0], column >= value[1])
    raise UnknownField(c.op)


def where(columns: Mapping[str, Any], query: Query) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``query`` against ``columns`` (field name → column expression)."""
    out: list[ColumnElement[bool]] = []
    for clause in query.clauses:
        if isinstance(clause, AnyOf):
            parts = [_criterion(columns, c) for c in clause.criteria]
            out.append(or_(*parts) if parts else true())
        else:
            out.append(_criterion(columns, clause))
    return out


def apply(
    stmt: Select[Any], columns: Mapping[str, Any], query: Query, id_column: Any
) -> Select[Any]:
    """WHERE, ORDER BY (with the id as the last tie-breaker, so pages are stable) and the window."""
    stmt = stmt.where(*where(columns, query))
    order = []
    for name, descending in query.sort:
        if name not in columns:
            raise UnknownField(name)
        order.append(columns[name].desc() if descending else columns[name].asc())
    order.append(id_column.asc())
    stmt = stmt.order_by(*order)
    if query.limit is not None:
        stmt = stmt.limit(query.limit)
    if query.offset:
        stmt = stmt.offset(query.offset)
    return stmt


def count(stmt: Select[Any], columns: Mapping[str, Any], query: Query) -> Select[Any]:
    counted = stmt.with_only_columns(func.count(), maintain_column_froms=True)
    return counted.where(*where(columns, query)).order_by(None)


def ids_of(values: Sequence[str]) -> list[int]:
    """FHIR logical ids that are Saglam integer ids (others match nothing)."""
    return [int(v) for v in values if v.isdigit()]

"""Search parameter values: parsing (prefixes, modifiers, systems, partial dates) and the
compilers that turn them into neutral criteria."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from saglam.core.query import AnyOf, Criterion
from saglam.core.security import Principal
from saglam.core.text import fold
from saglam.fhir.registry import Compiler, ParamType, SearchInvalid, Value

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


def parse_values(kind: ParamType, raw: str, modifier: str | None) -> list[Value]:
    """Split a comma-separated parameter value (``\\,`` escapes a comma)."""
    parts = [p.replace("\\,", ",") for p in re.split(r"(?<!\\),", raw)]
    values = []
    for part in parts:
        if (
            kind in ("date", "number", "quantity")
            and part[:2] in PREFIXES
            and not part[:2].isdigit()
        ):
            values.append(Value(raw=part[2:], modifier=modifier, prefix=part[:2]))
        elif kind == "token" and "|" in part:
            system, _, code = part.partition("|")
            values.append(Value(raw=part, modifier=modifier, system=system, code=code or None))
        else:
            values.append(Value(raw=part, modifier=modifier, code=part))
    return values


def date_range(text: str) -> tuple[datetime, datetime]:
    """The half-open UTC interval a (partial) FHIR date or dateTime denotes."""
    match = _DATE.match(text.strip())
    if not match:
        raise SearchInvalid(
            "bad-date", f"{text!r} is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime)"
        )
    year, month, day, hour, _minute, second, zone = match.groups()
    try:
        if month is None:
            start = datetime(int(year), 1, 1, tzinfo=UTC)
            return start, start.replace(year=start.year + 1)
        if day is None:
            start = datetime(int(year), int(month), 1, tzinfo=UTC)
            end = (
                start.replace(year=start.year + 1, month=1)
                if start.month == 12
                else start.replace(month=start.month + 1)
            )
            return start, end
        if hour is None:
            start = datetime(int(year), int(month), int(day), tzinfo=UTC)
            return start, start + timedelta(days=1)
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise SearchInvalid("bad-date", f"{text!r} is not a valid date") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    precision = timedelta(seconds=1) if second is not None else timedelta(minutes=1)
    del zone
    return moment, moment + precision


def date_param(field: str, *, is_date: bool = True) -> Compiler:
    """Dates and dateTimes with prefixes; partial values are ranges (2024 = the whole year)."""

    def compile(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
        criteria: list[Criterion] = []
        for value in values:
            if value.modifier == "missing":
                criteria.append(Criterion(field, "missing", value.raw == "true"))
                continue
            low, high = date_range(value.raw)
            lo: date | datetime = low.date() if is_date else low
            hi: date | datetime = high.date() if is_date else high
            if is_date and high.time() != datetime.min.time():
                hi = high.date() + timedelta(days=1)
            criteria.append(_date_criterion(field, value.prefix, lo, hi))
        return AnyOf(tuple(criteria))

    return compile


def _date_criterion(field: str, prefix: str, lo: Any, hi: Any) -> Criterion:
    match prefix:
        case "eq" | "ap":
            return Criterion(field, "range", (lo, hi))
        case "ne":
            return Criterion(field, "outside", (lo, hi))
        case "gt" | "sa":
            return Criterion(field, "ge", hi)
        case "lt" | "eb":
            return Criterion(field, "lt", lo)
        case "ge":
            return Criterion(field, "ge", lo)
        case "le":
            return Criterion(field, "lt", hi)
    raise SearchInvalid("bad-prefix", f"unknown prefix {prefix!r}")


def string_param(*fields: str) -> Compiler:
    """Strings match folded (Azerbaijani letters, case): starts-with by default, ``:exact``
    equality, ``:contains`` anywhere. Several fields: any of them."""

    def compile(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
        criteria: list[Criterion] = []
        for value in values:
            if value.modifier == "missing":
                criteria.extend(Criterion(f, "missing", value.raw == "true") for f in fields)
                continue
            folded = fold(value.raw)
            if value.modifier not in (None, "exact", "contains"):
                raise SearchInvalid(
                    "bad-modifier",
                    f"modifier :{value.modifier} is not supported on a string parameter",
                )
            op = {"exact": "eq", "contains": "co"}.get(value.modifier or "", "sw")
            criteria.extend(Criterion(f, op, folded) for f in fields)  # type: ignore[arg-type]
        return AnyOf(tuple(criteria))

    return compile


def token_param(
    field: str, *, system: str | None = None, transform: Callable[[str], Any] = lambda v: v
) -> Compiler:
    """Codes (``[system|]code``); a value in another system matches nothing; ``:not`` negates."""

    def compile(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
        criteria: list[Criterion] = []
        for value in values:
            if value.modifier == "missing":
                criteria.append(Criterion(field, "missing", value.raw == "true"))
                continue
            if value.system is not None and system is not None and value.system not in ("", system):
                criteria.append(Criterion(field, "in", []))
                continue
            code = value.code if value.code is not None else value.raw
            try:
                converted = transform(code)
            except (ValueError, KeyError):
                criteria.append(Criterion(field, "in", []))
                continue
            criteria.append(Criterion(field, "ne" if value.modifier == "not" else "eq", converted))
        return AnyOf(tuple(criteria))

    return compile


def reference_ids(values: Sequence[Value], targets: Sequence[str]) -> list[str]:
    """``Type/id``, ``id`` or an absolute URL ending in ``Type/id`` → the ids."""
    ids = []
    for value in values:
        text = value.raw.rstrip("/")
        parts = text.split("/")
        if len(parts) >= 2 and parts[-2] in targets:
            ids.append(parts[-1])
        elif len(parts) == 1:
            ids.append(text)
        else:
            ids.append("\x00")  # a reference to another type matches nothing
    return ids


def int_ids(ids: Sequence[str]) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


def reference_param(
    field: str, targets: Sequence[str], to_key: Callable[[str], Any] | None = None
) -> Compiler:
    def compile(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf | Criterion:
        if values and values[0].modifier == "missing":
            return Criterion(field, "missing", values[0].raw == "true")
        ids = reference_ids(values, targets)
        keys = [to_key(i) for i in ids] if to_key else int_ids(ids)
        return Criterion(field, "in", [k for k in keys if k is not None])

    return compile


def id_param(to_key: Callable[[str], Any] | None = None) -> Compiler:
    def compile(session: Session, actor: Principal, values: Sequence[Value]) -> Criterion:
        keys = [to_key(v.raw) for v in values] if to_key else int_ids([v.raw for v in values])
        return Criterion("id", "in", [k for k in keys if k is not None])

    return compile


def identifier_param(own_system: str, own_field: str, external_field: str = "external") -> Compiler:
    """Identifiers: values in ``own_system`` (or without a system) match ``own_field``; values in
    another system match the one foreign identifier kept as ``system|value``."""

    def compile(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
        criteria = []
        for value in values:
            code = (value.code if value.code is not None else value.raw).strip()
            if value.system in (None, "", own_system):
                criteria.append(Criterion(own_field, "eq", code))
            else:
                criteria.append(Criterion(external_field, "eq", f"{value.system}|{code}"))
        return AnyOf(tuple(criteria))

    return compile

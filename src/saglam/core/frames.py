"""Query results straight into Polars frames, for set-based batch work.

The driver's rows go into columns without SQLAlchemy's per-row result processing; SQLite's ISO
date and timestamp text becomes Polars dates in one vectorised cast.
"""

from __future__ import annotations

from typing import Any

import orjson
import polars as pl
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

_TEMPORAL = (pl.Date, pl.Datetime)


def read_frame(session: Session, stmt: Any, schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of ``stmt`` as a frame with ``schema`` (column names in select order)."""
    connection = session.connection()
    dialect = connection.dialect
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        if dialect.name == "sqlite":
            positions = compiled.positiontup or []
            cursor.execute(str(compiled), [_sqlite_param(params[name]) for name in positions])
        else:
            cursor.execute(str(compiled), params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if dialect.name != "sqlite":
        return pl.DataFrame(rows, schema=schema, orient="row")
    as_text = {k: (pl.String if v in _TEMPORAL else v) for k, v in schema.items()}
    frame = pl.DataFrame(rows, schema=as_text, orient="row")
    temporal = [k for k, v in schema.items() if v in _TEMPORAL]
    return frame.with_columns(
        pl.col(k).str.slice(0, 10).str.to_date()
        if schema[k] == pl.Date
        else pl.col(k).str.to_datetime()
        for k in temporal
    )


def read_frames(
    session: Session,
    ids: Any,
    make: Any,
    schema: dict[str, Any],
    chunk: int = 250_000,
) -> pl.DataFrame:
    """``read_frame`` over ``make(part)`` for each chunk of the distinct ``ids`` (bounded IN lists),
    concatenated."""
    unique = sorted(set(ids))
    parts = [
        read_frame(session, make(unique[i : i + chunk]), schema)
        for i in range(0, len(unique), chunk)
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def in_ids(session: Session, column: Any, ids: Any) -> ColumnElement[bool]:
    """``column IN ids`` with the ids in one bound parameter (a JSON array read by ``json_each`` on
    SQLite, an array on PostgreSQL): a long list costs no statement compilation."""
    values = [int(i) for i in ids]
    if session.get_bind().dialect.name == "sqlite":
        listed = func.json_each(bindparam(None, orjson.dumps(values).decode()))
        return column.in_(select(literal_column("value")).select_from(listed))  # type: ignore[no-any-return]
    return column == any_(bindparam(None, values, type_=ARRAY(BigInteger)))  # type: ignore[no-any-return]


def _sqlite_param(value: Any) -> Any:
    """Dates as SQLAlchemy stores them in SQLite (ISO text)."""
    return value.isoformat() if hasattr(value, "isoformat") else value

"""Bulk loading: COPY on PostgreSQL, large executemany batches on SQLite."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.orm import Session


def _copy_value(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    text_value = str(value)
    if any(ch in text_value for ch in "\\\t\n\r"):
        text_value = (
            text_value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text_value


def load_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch: int = 50_000,
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) as fast as the backend allows; returns the count."""
    connection = session.connection()
    count = 0
    if connection.dialect.name == "postgresql":
        raw = connection.connection.dbapi_connection
        assert raw is not None
        names = ", ".join(f'"{c}"' for c in columns)
        cursor: Any = raw.cursor()
        with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(_copy_value(v) for v in row))
                buffer.write("\n")
                count += 1
                if count % batch == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        return count
    raw = connection.connection.dbapi_connection
    assert raw is not None
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" for _ in columns)})'
    cursor = raw.cursor()
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(tuple(_sqlite_value(v) for v in row))
        count += 1
        if len(chunk) >= batch:
            cursor.executemany(sql, chunk)
            chunk = []
    if chunk:
        cursor.executemany(sql, chunk)
    cursor.close()
    return count


def _sqlite_value(value: Any) -> Any:
    """Values stored the way SQLAlchemy's SQLite types store them."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def reset_sequence(session: Session, table: Table, column: str = "id") -> None:
    """After loading explicit ids on PostgreSQL, move the id sequence past them."""
    if session.connection().dialect.name != "postgresql":
        return
    session.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "
            f"COALESCE((SELECT MAX({column}) FROM {table.name}), 0) + 1, false)"
        )
    )


@contextmanager
def indexes_dropped(session: Session, table: Table) -> Iterator[None]:
    """Drop the table's secondary indexes for a bulk load and build them again after it."""
    connection = session.connection()
    indexes = list(table.indexes)
    for index in indexes:
        index.drop(connection, checkfirst=True)
    yield
    for index in indexes:
        index.create(connection, checkfirst=True)
    connection.execute(text(f'ANALYZE "{table.name}"'))

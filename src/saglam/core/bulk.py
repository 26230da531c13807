"""Bulk loading: COPY on PostgreSQL, large executemany batches on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.orm import Session


def load_rows(
    session: Session,
    table: Any,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch: int = 50_000,
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) as fast as the backend allows; returns the count."""
    connection = session.connection()
    count = 0
    raw = connection.connection.dbapi_connection
    assert raw is not None
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{c}"' for c in columns)
        cursor: Any = raw.cursor()
        with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" for _ in columns)})'
    sqlite_cursor = raw.cursor()
    chunk: list[Sequence[Any]] = []
    converters: list[tuple[int, Callable[[Any], Any]]] | None = None
    for row in rows:
        chunk.append(row)
        count += 1
        if len(chunk) >= batch:
            converters = converters if converters is not None else _sqlite_converters(chunk)
            sqlite_cursor.executemany(sql, list(_converted(chunk, converters)))
            chunk = []
    if chunk:
        converters = converters if converters is not None else _sqlite_converters(chunk)
        sqlite_cursor.executemany(sql, list(_converted(chunk, converters)))
    sqlite_cursor.close()
    return count


def _sqlite_converters(sample: Sequence[Sequence[Any]]) -> list[tuple[int, Callable[[Any], Any]]]:
    """Which columns hold dates, datetimes or booleans (judged on a sample of rows)."""
    found: dict[int, Callable[[Any], Any]] = {}
    for row in sample[:5000]:
        for index, value in enumerate(row):
            if index not in found and isinstance(value, date | bool):
                found[index] = _sqlite_value
    return sorted(found.items())


def _converted(
    chunk: Sequence[Sequence[Any]], converters: list[tuple[int, Callable[[Any], Any]]]
) -> Iterator[Sequence[Any]]:
    if not converters:
        yield from chunk
        return
    for row in chunk:
        values = list(row)
        for index, convert in converters:
            values[index] = convert(values[index])
        yield values


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


def reset_sequence(session: Session, table: Any, column: str = "id") -> None:
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
    analyze(session, table.name)


def analyze(session: Session, table: str | None = None) -> None:
    """Refresh the planner's statistics after a bulk load (of one table, or of all). Without
    them PostgreSQL guesses, e.g. walks a primary key to find one practitioner's employment.
    SQLite samples (``analysis_limit``) rather than reading every index entry."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.execute(text("PRAGMA analysis_limit=1000"))
    connection.execute(text(f'ANALYZE "{table}"' if table else "ANALYZE"))


def update_rows(
    session: Session, table: Any, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """Set ``columns`` of many rows (each row: key value, then the column values), fast:
    a temporary table and one UPDATE … FROM on PostgreSQL, executemany on SQLite."""
    if not rows:
        return 0
    connection = session.connection()
    name = table.name
    if connection.dialect.name == "postgresql":
        temp = f"_upd_{name}"
        cols = ", ".join(f'"{c}"' for c in (key, *columns))
        connection.execute(
            text(
                f'CREATE TEMP TABLE "{temp}" ON COMMIT DROP AS SELECT {cols} FROM "{name}" WITH NO DATA'
            )
        )
        raw: Any = connection.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(f'COPY "{temp}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        sets = ", ".join(f'"{c}" = t."{c}"' for c in columns)
        connection.execute(
            text(f'UPDATE "{name}" SET {sets} FROM "{temp}" t WHERE "{name}"."{key}" = t."{key}"')
        )
        connection.execute(text(f'DROP TABLE "{temp}"'))
        return len(rows)
    sets = ", ".join(f'"{c}" = ?' for c in columns)
    sql = f'UPDATE "{name}" SET {sets} WHERE "{key}" = ?'
    raw_sqlite: Any = connection.connection.dbapi_connection
    cursor = raw_sqlite.cursor()
    converters = _sqlite_converters([row[1:] for row in rows[:5000]])
    cursor.executemany(sql, [(*_convert_one(row[1:], converters), row[0]) for row in rows])
    cursor.close()
    return len(rows)


def _convert_one(
    row: Sequence[Any], converters: list[tuple[int, Callable[[Any], Any]]]
) -> list[Any]:
    values = list(row)
    for index, convert in converters:
        values[index] = convert(values[index])
    return values

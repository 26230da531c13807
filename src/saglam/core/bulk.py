"""Bulk loading: COPY on PostgreSQL, large executemany batches on SQLite."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Dialect, Table, text
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint


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
        types = _copy_types(table, columns, connection.dialect)
        binary = " (FORMAT BINARY)" if types else ""
        cursor: Any = raw.cursor()
        with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN{binary}') as copy:
            if types:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" for _ in columns)})'
    # Dates and timestamps are stored as SQLAlchemy stores them by the adapters registered in
    # saglam.core.sqlite, called by the driver in C for each value.
    sqlite_cursor = raw.cursor()
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        count += 1
        if len(chunk) >= batch:
            sqlite_cursor.executemany(sql, chunk)
            chunk = []
    if chunk:
        sqlite_cursor.executemany(sql, chunk)
    sqlite_cursor.close()
    return count


def _copy_types(table: Any, columns: Sequence[str], dialect: Dialect) -> list[str] | None:
    """PostgreSQL type names of ``columns`` for a binary COPY (the driver formats each value in
    C, about twice as fast as text), or None when a type is not one the driver knows."""
    from psycopg.postgres import types as known

    names = []
    for column in columns:
        name = str(table.c[column].type.compile(dialect=dialect)).lower().split("(")[0].strip()
        if known.get(name) is None:
            return None
        names.append(name)
    return names


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
    """Drop the table's secondary indexes for a bulk load and build them again after it.

    On PostgreSQL its foreign keys go too, and come back (checked for all rows in one join)
    after the load: checked row by row they cost more than the load itself. Index builds get
    the memory to sort in RAM rather than on disk (PostgreSQL), or sorting threads (SQLite).
    """
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    indexes = list(table.indexes)
    keys = list(table.foreign_key_constraints) if postgres else []
    for key in keys:
        connection.execute(DropConstraint(key))
    for index in indexes:
        index.drop(connection, checkfirst=True)
    yield
    if postgres:
        connection.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
    else:  # SQLite's sorter merges its runs in parallel (national patient index 35 -> 29 s)
        connection.execute(text("PRAGMA threads=4"))
    for index in indexes:
        index.create(connection, checkfirst=True)
    for key in keys:
        connection.execute(AddConstraint(key))
    analyze(session, table.name)


@contextmanager
def keys_set_aside(session: Session, tables: Sequence[Table]) -> Iterator[None]:
    """For a long bulk load into ``tables``: on PostgreSQL their foreign keys and secondary
    indexes are dropped, then built again after it (each row's key checks — a query each — and
    index entries cost far more than building them once). SQLite keeps them: its key checks are
    cheap lookups, and its index builds are one long sort after another in its one writer."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield
        return
    keys = [key for table in tables for key in table.foreign_key_constraints]
    indexes = [index for table in tables for index in table.indexes]
    for key in keys:
        connection.execute(DropConstraint(key))
    for index in indexes:
        index.drop(connection, checkfirst=True)
    yield
    connection.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
    for index in indexes:
        index.create(connection, checkfirst=True)
    for key in keys:
        connection.execute(AddConstraint(key))
    for table in tables:
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
    cursor.executemany(sql, [(*row[1:], row[0]) for row in rows])
    cursor.close()
    return len(rows)

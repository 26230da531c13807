"""SQLite engines: WAL, our own BEGIN, and write transactions serialised across processes.

Several server workers share one database file. SQLite lets one writer in at a time and makes
the others poll: a waiting writer sleeps 1, 2, 5, 10 … 100 ms between tries, so under load a
write (and every read waiting for its audit record to be written) could wait hundreds of
milliseconds for a lock held for one. Here each write transaction first takes an exclusive
``flock`` on a file next to the database: waiters sleep in the kernel and the next one runs as
soon as the lock is released. Reads (``BEGIN DEFERRED``) take no such lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
import weakref
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)
LOCK_SUFFIX = "-writer.lock"


def _date_text(value: date) -> str:
    return value.isoformat()


_last_datetime: tuple[datetime | None, str] = (None, "")


def _datetime_text(value: datetime) -> str:
    """A timestamp as SQLAlchemy's SQLite DateTime stores it: naive UTC, with microseconds.
    Bulk rows share their load time: the last value converted is converted once."""
    global _last_datetime
    last, text = _last_datetime
    if value is last:
        return text
    naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value
    text = naive.isoformat(sep=" ", timespec="microseconds")
    _last_datetime = (value, text)
    return text


# For rows handed to the driver directly (bulk loads): the same text SQLAlchemy would store.
sqlite3.register_adapter(date, _date_text)
sqlite3.register_adapter(datetime, _datetime_text)


#: SQLite's own patience with a locked database: a writer waits this long, then fails.
BUSY_SECONDS = 30.0
_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(path: str) -> threading.Lock:
    with _process_locks_guard:
        return _process_locks.setdefault(path, threading.Lock())


class SerialisedWrites(sqlite3.Connection):
    """A connection whose write transactions hold the database's writer lock file.

    Threads of one process first queue on a lock of the process, which gives up after
    ``BUSY_SECONDS`` like SQLite would (two threads of a process waiting on each other fail
    instead of hanging); the one thread holding it then waits in ``flock`` for other processes.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = str(database)
        on_disk = name not in ("", ":memory:") and not name.startswith("file:")
        self._lock_path = name + LOCK_SUFFIX if on_disk else None
        self._lock_fd: int | None = None
        self._holding: threading.Lock | None = None

    def hold_writer_lock(self) -> None:
        if self._lock_path is None or self._holding is not None:
            return
        in_process = _process_lock(self._lock_path)
        if not in_process.acquire(timeout=BUSY_SECONDS):
            raise sqlite3.OperationalError("database is locked")
        try:
            if self._lock_fd is None:
                self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        except BaseException:
            in_process.release()
            raise
        self._holding = in_process

    def release_writer_lock(self) -> None:
        held, self._holding = self._holding, None
        if held is None:
            return
        try:
            if self._lock_fd is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        finally:
            held.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_writer_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writer_lock()

    def close(self) -> None:
        self.release_writer_lock()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        super().close()


def sqlite_engine(
    url: URL, *, pool_size: int, foreign_keys: bool, background_checkpoint: bool = False
) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30, "factory": SerialisedWrites},
        pool_size=pool_size,
        max_overflow=20,
    )
    event.listen(engine, "connect", partial(_pragmas, foreign_keys=foreign_keys))
    # pysqlite's own transaction handling defers BEGIN; emit it ourselves so that
    # SAVEPOINTs and the unit of work behave the same on both backends.
    event.listen(engine, "connect", _no_autobegin)
    event.listen(engine, "begin", _begin)
    if background_checkpoint and url.database and url.database != ":memory:":
        event.listen(engine, "connect", _no_autocheckpoint)
        _start_checkpointer(engine, Path(url.database))
    return engine


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


CHECKPOINT_EVERY = 1.0


def _start_checkpointer(engine: Engine, path: Path) -> None:
    """Copy the write-ahead log back into the database from a thread of its own, every second.

    SQLite otherwise checkpoints inside whichever commit crosses a thousand pages of log, and
    that commit (often a read's audit record) waits for the copy and its fsync: the slowest
    requests of a server were those. A passive checkpoint never blocks readers or writers."""
    ref = weakref.ref(engine)

    def run() -> None:
        while True:
            time.sleep(CHECKPOINT_EVERY)
            alive = ref()
            if alive is None or not path.exists():
                return
            try:
                raw = alive.raw_connection()
                try:
                    raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
                finally:
                    raw.close()
            except Exception:
                log.debug("background checkpoint failed", exc_info=True)
            del alive

    threading.Thread(target=run, name="sqlite-checkpoint", daemon=True).start()


def _pragmas(dbapi_connection: Any, _record: Any, foreign_keys: bool = True) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _no_autobegin(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin(conn: Connection) -> None:
    # Writers take the write lock up front (IMMEDIATE) so that a read followed by a write never
    # fails with SQLITE_BUSY_SNAPSHOT; read-only units of work stay DEFERRED and run in parallel.
    if conn.get_execution_options().get("saglam_read_only", False):
        conn.exec_driver_sql("BEGIN DEFERRED")
        return
    dbapi = conn.connection.dbapi_connection
    if isinstance(dbapi, SerialisedWrites):
        try:
            dbapi.hold_writer_lock()
        except sqlite3.OperationalError as exc:  # as SQLite's own busy timeout would raise it
            raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if isinstance(dbapi, SerialisedWrites):
            dbapi.release_writer_lock()
        raise

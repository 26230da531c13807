"""Group commit for the audit records of read-only requests.

A read (a patient opened, a search) changes no data, but its audit records must be durable
before the answer leaves. Rather than give every read a write transaction (which, on SQLite,
serialises all readers), the reads of a process share one connection for their records: a
request queues its records and takes the writer's lock; whoever holds it appends everything
queued by then in one short transaction, chained like any other, and the requests whose records
went with it find them written when their turn comes. Alone, a request writes its own record
with no hand-over to another thread; under load, one commit carries many requests' records.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from saglam.audit import repository
from saglam.audit.schemas import AuditEntry

log = logging.getLogger(__name__)
WAIT_SECONDS = 30.0


class AuditWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pending: list[tuple[Sequence[AuditEntry], Future[None]]] = []
        self._queue_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._conn: Connection | None = None

    def write(self, entries: Sequence[AuditEntry]) -> None:
        """Return once ``entries`` are committed; raise what their commit raised."""
        done: Future[None] = Future()
        with self._queue_lock:
            self._pending.append((entries, done))
        if not self._write_lock.acquire(timeout=WAIT_SECONDS):
            raise TimeoutError("the audit trail could not be written in time")
        try:
            if not done.done():
                self._write_pending()
        finally:
            self._write_lock.release()
        done.result()

    def _write_pending(self) -> None:
        with self._queue_lock:
            batch, self._pending = self._pending, []
        entries = [entry for chunk, _ in batch for entry in chunk]
        try:
            self._conn = self._append(self._conn, entries)
        except Exception as exc:
            self._conn = None  # _append discarded it
            for _, done in batch:
                done.set_exception(exc)
        else:
            for _, done in batch:
                done.set_result(None)

    def _append(self, conn: Connection | None, entries: list[AuditEntry]) -> Connection | None:
        """Append in one transaction on the writer's own connection (kept between batches: no
        pool checkout or ORM session per batch). A kept connection that fails (the server
        restarted) is replaced once before the batch is given up."""
        for attempt in (1, 2):
            fresh = conn is None
            try:
                conn = conn or self._engine.connect()
                with conn.begin():
                    repository.append_on(conn, entries)
                return conn
            except Exception:
                _discard(conn)
                conn = None
                if fresh or attempt == 2:
                    raise
        return conn


def _discard(conn: Connection | None) -> None:
    """Drop a connection that failed (it may be broken); the next batch opens a new one."""
    if conn is not None:
        try:
            conn.invalidate()
            conn.close()
        except Exception:
            log.debug("closing a failed audit connection failed too", exc_info=True)


_writers: dict[int, AuditWriter] = {}
_lock = threading.Lock()


def write_now(bind: Engine | Connection, entries: Sequence[AuditEntry]) -> None:
    """Append ``entries`` durably through ``bind``: a shared connection (tests) is written
    directly; an engine goes through its process-wide group-commit writer."""
    if isinstance(bind, Connection):
        with Session(bind=bind, join_transaction_mode="create_savepoint") as session:
            repository.append(session, entries)
            session.commit()
        return
    key = id(bind)
    with _lock:
        writer = _writers.get(key)
        if writer is None:
            writer = _writers[key] = AuditWriter(bind)
    writer.write(entries)

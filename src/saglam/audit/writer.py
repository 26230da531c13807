"""Group commit for the audit records of read-only requests.

A read (a patient opened, a search) changes no data, but its audit records must be durable
before the answer leaves. Rather than give every read a write transaction (which, on SQLite,
serialises all readers), the reads of a process share one connection for their records: a
request queues its records; if nobody is writing, it writes everything queued in one short
transaction, chained like any other, and wakes the requests whose records went with it; if
someone is, it waits until its records are written — or until the writer, done with a batch,
hands it the next one. Alone, a request writes its own record with no hand-over between
threads; under load, one commit carries many requests' records and no thread queues on a lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from saglam.audit import repository
from saglam.audit.schemas import AuditEntry

log = logging.getLogger(__name__)
WAIT_SECONDS = 30.0


class _Ticket:
    """One request's records, and what became of them."""

    __slots__ = ("entries", "error", "leads", "wake", "written")

    def __init__(self, entries: Sequence[AuditEntry]) -> None:
        self.entries = entries
        self.wake = threading.Event()
        self.leads = False
        self.written = False
        self.error: BaseException | None = None


class AuditWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pending: list[_Ticket] = []
        self._queue_lock = threading.Lock()
        self._writing = False
        self._conn: Connection | None = None

    def write(self, entries: Sequence[AuditEntry]) -> None:
        """Return once ``entries`` are committed; raise what their commit raised."""
        ticket = _Ticket(entries)
        with self._queue_lock:
            self._pending.append(ticket)
            if not self._writing:
                self._writing = ticket.leads = True
                ticket.wake.set()
        while not ticket.written:
            if not ticket.wake.wait(WAIT_SECONDS):
                raise TimeoutError("the audit trail could not be written in time")
            ticket.wake.clear()
            if ticket.leads and not ticket.written:
                self._write_batch()
        if ticket.error is not None:
            raise ticket.error

    def _write_batch(self) -> None:
        """Write everything queued (this writer's own records among it), then hand the writing
        to the first request that queued meanwhile, or stop."""
        with self._queue_lock:
            batch, self._pending = self._pending, []
        error: BaseException | None = None
        try:
            self._conn = self._append(self._conn, [e for t in batch for e in t.entries])
        except BaseException as exc:
            self._conn = None  # _append discarded it
            error = exc
        finally:
            for ticket in batch:
                ticket.error, ticket.written = error, True
            with self._queue_lock:
                if self._pending:
                    self._pending[0].leads = True
                    self._pending[0].wake.set()
                else:
                    self._writing = False
            for ticket in batch:
                ticket.wake.set()

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

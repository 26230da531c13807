"""Every query of the audit domain. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.orm import Session

from saglam.audit.chain import GENESIS, record_hash
from saglam.audit.models import AuditHead, AuditRecord
from saglam.audit.schemas import AuditEntry, AuditQuery
from saglam.core.query import Query, apply

_RECORD = cast(Table, AuditRecord.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_LOCK_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def append(session: Session, entries: Sequence[AuditEntry]) -> None:
    """Sequence and chain ``entries`` after the current tip, under the tip's row lock."""
    append_on(session.connection(), entries)


def append_on(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    """``append`` on a connection in a transaction. Plain Core statements: this runs for every
    audited request, and the ORM's bulk machinery cost several times the database work."""
    head_row = conn.execute(_LOCK_HEAD).first()
    if head_row is None:
        conn.execute(_HEAD.insert().values(id=1, seq=0, hash=GENESIS))
        seq, prev = 0, GENESIS
    else:
        seq, prev = head_row
    rows = []
    for entry in entries:
        seq += 1
        fields = entry.model_dump()
        fields["seq"] = seq
        digest = record_hash(prev, fields)
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    conn.execute(_RECORD.insert(), rows)
    conn.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev})


def head(session: Session) -> tuple[int, str]:
    row = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def iterate(session: Session, batch: int = 5000) -> Iterator[AuditRecord]:
    """All records in chain order, streamed in keyset batches."""
    last = -1
    while True:
        chunk = (
            session.execute(
                select(AuditRecord)
                .where(AuditRecord.seq > last)
                .order_by(AuditRecord.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq
        session.expunge_all()


def search(session: Session, query: AuditQuery) -> list[AuditRecord]:
    stmt = select(AuditRecord)
    if query.actor_name:
        stmt = stmt.where(AuditRecord.actor_name == query.actor_name)
    if query.patient_id is not None:
        stmt = stmt.where(AuditRecord.patient_id == query.patient_id)
    if query.entity_type:
        stmt = stmt.where(AuditRecord.entity_type == query.entity_type)
    if query.entity_id:
        stmt = stmt.where(AuditRecord.entity_id == query.entity_id)
    if query.outcome:
        stmt = stmt.where(AuditRecord.outcome == query.outcome)
    if query.since:
        stmt = stmt.where(AuditRecord.at >= query.since)
    if query.until:
        stmt = stmt.where(AuditRecord.at < query.until)
    if query.before_seq:
        stmt = stmt.where(AuditRecord.seq < query.before_seq)
    stmt = stmt.order_by(AuditRecord.seq.desc()).limit(max(1, min(query.limit, 1000)))
    return list(session.execute(stmt).scalars())


def get(session: Session, record_id: int) -> AuditRecord | None:
    return session.get(AuditRecord, record_id)


FIELDS: dict[str, Any] = {
    "id": AuditRecord.id,
    "seq": AuditRecord.seq,
    "at": AuditRecord.at,
    "actor_name": AuditRecord.actor_name,
    "role": AuditRecord.role,
    "action": AuditRecord.action,
    "entity_type": AuditRecord.entity_type,
    "entity_id": AuditRecord.entity_id,
    "patient_id": AuditRecord.patient_id,
    "outcome": AuditRecord.outcome,
    "updated_at": AuditRecord.at,
}


def find(session: Session, query: Query) -> list[AuditRecord]:
    return list(
        session.execute(apply(select(AuditRecord), FIELDS, query, AuditRecord.id)).scalars()
    )

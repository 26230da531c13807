"""The audit trail's use cases: record (in the caller's transaction), guard, search, verify."""

from __future__ import annotations

from typing import Any, NoReturn

import orjson
from sqlalchemy.orm import Session

from saglam.audit import repository, writer
from saglam.audit.chain import GENESIS, record_hash
from saglam.audit.enums import AuditAction, Outcome
from saglam.audit.schemas import AuditEntry, AuditQuery, AuditRead, VerifyResult
from saglam.core.db import (
    add_after_commit,
    add_after_rollback,
    add_before_commit,
    is_read_only,
    write_bind,
)
from saglam.core.errors import Forbidden, NotFound
from saglam.core.message import Message
from saglam.core.query import Query
from saglam.core.security import Principal
from saglam.core.types import utcnow

_PENDING = "audit_pending"
_DEFERRED = "audit_deferred"


def _entry(
    actor: Principal,
    action: str,
    entity_type: str,
    entity_id: str | int | None,
    patient_id: int | None,
    outcome: Outcome,
    detail: dict[str, Any] | str | None,
) -> AuditEntry:
    text = detail if isinstance(detail, str) or detail is None else orjson.dumps(detail).decode()
    return AuditEntry(
        at=utcnow(),
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        actor_name=actor.name,
        role=actor.label,
        action=str(action),
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        patient_id=patient_id,
        outcome=outcome.value,
        client_address=actor.client_address,
        request_id=actor.request_id,
        detail=text,
    )


def _flush_pending(session: Session) -> None:
    """Before commit: a writing transaction appends its records itself; a read-only one hands
    them to the group-commit writer once it has committed."""
    pending: list[AuditEntry] = session.info.pop(_PENDING, [])
    if not pending:
        return
    if is_read_only(session):
        session.info.setdefault(_DEFERRED, []).extend(pending)
        add_after_commit(session, "audit", _write_deferred)
    else:
        repository.append(session, pending)


def _write_deferred(session: Session) -> None:
    entries: list[AuditEntry] = session.info.pop(_DEFERRED, [])
    if entries:
        writer.write_now(write_bind(session), entries)


def _flush_denials(session: Session) -> None:
    pending: list[AuditEntry] = session.info.pop(_PENDING, [])
    session.info.pop(_DEFERRED, None)
    denied = [e for e in pending if e.outcome == Outcome.DENIED.value]
    if not denied:
        return
    if is_read_only(session):
        writer.write_now(write_bind(session), denied)
    else:
        repository.append(session, denied)


def record(
    session: Session,
    actor: Principal,
    action: str,
    entity_type: str,
    entity_id: str | int | None = None,
    *,
    patient_id: int | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    detail: dict[str, Any] | str | None = None,
) -> None:
    """Record an access; it is chained and written at commit, in the same transaction.

    A successful action rolled back leaves no record (it did not happen); a denial survives a
    rollback.
    """
    session.info.setdefault(_PENDING, []).append(
        _entry(actor, action, entity_type, entity_id, patient_id, outcome, detail)
    )
    add_before_commit(session, "audit", _flush_pending)
    if outcome is Outcome.DENIED:
        add_after_rollback(session, "audit", _flush_denials)


def record_many(
    session: Session,
    actor: Principal,
    action: str,
    entity_type: str,
    patient_ids: list[int],
    *,
    detail: dict[str, Any] | str | None = None,
) -> None:
    """One record per patient touched (e.g. the patients a search returned)."""
    for pid in patient_ids:
        record(session, actor, action, entity_type, pid, patient_id=pid, detail=detail)


NOT_PERMITTED = Message("not permitted")


def deny(
    session: Session,
    actor: Principal,
    action: str,
    entity_type: str,
    entity_id: str | int | None = None,
    *,
    patient_id: int | None = None,
    reason: str = NOT_PERMITTED,
) -> Forbidden:
    """Record a refused access and return the error for the caller to raise. ``reason`` is part of
    what the person reads (a Message, to be translated); the trail keeps its English."""
    record(
        session,
        actor,
        action,
        entity_type,
        entity_id,
        patient_id=patient_id,
        outcome=Outcome.DENIED,
        detail={"reason": str(reason)},
    )
    return Forbidden(
        "forbidden",
        Message(
            "%(who)s may not %(action)s %(entity_type)s: %(reason)s",
            who=actor.label,
            action=action,
            entity_type=entity_type,
            reason=reason,
        ),
    )


def require(
    session: Session,
    actor: Principal,
    resource: str,
    permission: str,
    *,
    action: str | None = None,
    entity_id: str | int | None = None,
    patient_id: int | None = None,
) -> None:
    """Raise (and audit) Forbidden unless ``actor`` holds ``(resource, permission)``."""
    if not actor.can(resource, permission):
        raise deny(
            session,
            actor,
            action or permission,
            resource,
            entity_id,
            patient_id=patient_id,
            reason=Message(
                "lacks %(resource)s.%(permission)s", resource=resource, permission=permission
            ),
        )


def refuse(
    session: Session,
    actor: Principal,
    action: str,
    entity_type: str,
    entity_id: str | int | None = None,
    *,
    patient_id: int | None = None,
    reason: str,
) -> NoReturn:
    raise deny(session, actor, action, entity_type, entity_id, patient_id=patient_id, reason=reason)


def search(session: Session, actor: Principal, query: AuditQuery) -> list[AuditRead]:
    """Search the trail (admins); the search itself is recorded."""
    require(session, actor, "AuditEvent", "read", action=AuditAction.SEARCH)
    rows = [AuditRead.model_validate(r) for r in repository.search(session, query)]
    record(
        session,
        actor,
        AuditAction.SEARCH,
        "AuditEvent",
        detail=query.model_dump(exclude_none=True, mode="json"),
        patient_id=query.patient_id,
    )
    return rows


def get(session: Session, actor: Principal, record_id: int) -> AuditRead:
    require(session, actor, "AuditEvent", "read", action=AuditAction.READ, entity_id=record_id)
    row = repository.get(session, record_id)
    if row is None:
        raise NotFound("audit-not-found", Message("no audit record %(id)s", id=record_id))
    record(session, actor, AuditAction.READ, "AuditEvent", record_id)
    return AuditRead.model_validate(row)


def verify(session: Session, actor: Principal) -> VerifyResult:
    """Recompute the chain; name the first record edited, inserted or deleted out of band."""
    require(session, actor, "AuditEvent", "read", action=AuditAction.EXECUTE)
    head_seq, head_hash = repository.head(session)
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for row in repository.iterate(session):
        fields = {name: getattr(row, name) for name in AuditEntry.model_fields}
        fields["seq"] = row.seq
        problem = None
        if row.seq > head_seq:
            problem = "record lies beyond the chain tip (inserted)"
        elif row.seq != expected_seq:
            problem = (
                f"sequence jumps from {expected_seq - 1} to {row.seq}: "
                f"{row.seq - expected_seq} record(s) deleted"
                if row.seq > expected_seq
                else f"record {row.seq} is out of sequence (inserted)"
            )
        elif row.prev_hash != prev:
            problem = "does not link to the previous record (inserted or reordered)"
        elif record_hash(prev, fields) != row.hash:
            problem = "content does not match its hash (edited)"
        if problem:
            return VerifyResult(
                ok=False,
                checked=checked,
                first_broken_seq=row.seq,
                first_broken_id=row.id,
                problem=problem,
            )
        prev = row.hash
        expected_seq += 1
        checked += 1
    tip_problem = None
    if head_seq < checked:
        tip_problem = f"{checked - head_seq} record(s) after the chain tip (inserted)"
    elif head_seq > checked:
        tip_problem = f"chain tip says {head_seq} records but {checked} remain (deleted at the end)"
    elif head_hash != prev:
        tip_problem = "the newest record does not match the chain tip (edited)"
    if tip_problem:
        return VerifyResult(
            ok=False,
            checked=checked,
            first_broken_seq=min(head_seq, checked) + (0 if head_seq == checked else 1),
            problem=tip_problem,
        )
    record(session, actor, AuditAction.EXECUTE, "AuditEvent", detail={"verified": checked})
    return VerifyResult(ok=True, checked=checked)


def mark(session: Session) -> int:
    """How many records this unit of work has pending (see :func:`discard_since`)."""
    return len(session.info.get(_PENDING, []))


def discard_since(session: Session, position: int) -> None:
    """Forget records of work rolled back to a savepoint, keeping the denials among them."""
    pending: list[AuditEntry] = session.info.get(_PENDING, [])
    kept = [e for e in pending[position:] if e.outcome == Outcome.DENIED.value]
    session.info[_PENDING] = pending[:position] + kept


def find(session: Session, actor: Principal, query: Query) -> list[AuditRead]:
    """Records matching neutral criteria (admins); the search itself is recorded."""
    require(session, actor, "AuditEvent", "read", action=AuditAction.SEARCH)
    rows = [AuditRead.model_validate(r) for r in repository.find(session, query)]
    record(session, actor, AuditAction.SEARCH, "AuditEvent", detail={"returned": len(rows)})
    return rows

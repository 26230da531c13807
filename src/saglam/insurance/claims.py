"""Claims: submission (idempotent, judged at once), bulk import, batch adjudication of a period,
reading with explanations, the review queue, and claims drawn from recorded care."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Any, cast

import polars as pl
from sqlalchemy import Table
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.bulk import keys_set_aside, load_rows, reset_sequence, update_rows
from saglam.core.errors import Conflict, Invalid, NotFound
from saglam.core.message import Message
from saglam.core.security import Principal, Role
from saglam.core.types import utcnow
from saglam.insurance import adjudication, repository
from saglam.insurance.enums import REASON_TEXT, ClaimStatus, LineOutcome, Reason, ReviewDecision
from saglam.insurance.models import Claim, ClaimLine, Contribution, CoveragePeriod
from saglam.insurance.schemas import BatchReport, ClaimLineRead, ClaimRead, ReviewIn
from saglam.patients import service as patients

Progress = Callable[[str, int, int], None]
RESULT_COLUMNS = (
    "outcome",
    "reasons",
    "allowed_quantity",
    "allowed_unit_minor",
    "copay_minor",
    "paid_minor",
    "package_version_id",
)


def _scope(session: Session, actor: Principal, facility_id: int, action: str) -> None:
    """Facilities submit their own claims; the insurer's people and systems see all."""
    audit.require(
        session,
        actor,
        "Claim",
        "write" if action == AuditAction.CREATE else "read",
        action=action,
        entity_id=facility_id,
    )
    scope = patients.facility_scope(session, actor)
    if scope is not None and facility_id not in scope:
        audit.refuse(
            session,
            actor,
            action,
            "Claim",
            reason=Message("claim of a facility outside the actor's scope"),
        )


def require_national(
    session: Session, actor: Principal, action: str, entity_id: int | None = None
) -> None:
    """The review queue, review decisions and signals span every facility: they are the
    insurer's work, so an actor limited to some facilities (a facility's own staff, who may read
    their own claims) is refused — a facility never sees others' claims nor judges its own."""
    if patients.facility_scope(session, actor) is not None:
        audit.refuse(
            session,
            actor,
            action,
            "Claim",
            entity_id,
            reason=Message("review is the insurer's work"),
        )


def _read(session: Session, claim: Claim, lines: list[ClaimLine] | None = None) -> ClaimRead:
    rows = (
        lines if lines is not None else repository.lines_of(session, [claim.id]).get(claim.id, [])
    )
    codes = sorted({r for line in rows for r in line.reasons.split(";") if r})
    return ClaimRead.model_validate(claim).model_copy(
        update={
            "lines": [ClaimLineRead.model_validate(line) for line in rows],
            "reason_text": {c: REASON_TEXT[Reason(c)] for c in codes},
        }
    )


def claim_reads(session: Session, rows: Sequence[Claim]) -> list[ClaimRead]:
    """Claims with their lines (two queries for any number of claims)."""
    lines = repository.lines_of(session, [c.id for c in rows])
    return [_read(session, c, lines.get(c.id, [])) for c in rows]


def _keys(pairs: Sequence[tuple[Claim, list[ClaimLine]]]) -> list[tuple[int, list[int]]]:
    """Each claim's and its lines' keys for the rules: their ids, or for claims not stored
    yet, negative stand-ins (judged before they are written, they need no ids)."""
    keys = []
    stand_in = 0
    for claim, lines in pairs:
        stand_in -= 1
        claim_key = claim.id if claim.id is not None else stand_in
        line_keys = []
        for line in lines:
            stand_in -= 1
            line_keys.append(line.id if line.id is not None else stand_in)
        keys.append((claim_key, line_keys))
    return keys


def _frame_of(
    pairs: Sequence[tuple[Claim, list[ClaimLine]]], keys: list[tuple[int, list[int]]]
) -> pl.DataFrame:
    rows = [
        (
            line_key,
            claim_key,
            line.patient_id,
            line.facility_id,
            line.service_code,
            line.quantity,
            line.unit_price_minor,
            line.service_date,
            line.diagnoses,
            claim.submitted_on,
        )
        for (claim, lines), (claim_key, line_keys) in zip(pairs, keys, strict=True)
        for line, line_key in zip(lines, line_keys, strict=True)
    ]
    return pl.DataFrame(rows, schema=adjudication.LINE_SCHEMA, orient="row")


def _judge_claims(
    session: Session, actor: Principal, pairs: Sequence[tuple[Claim, list[ClaimLine]]]
) -> None:
    """Judge claims, stored or not yet (new claims are judged before they are written, so they
    are written once, with their outcomes)."""
    keys = _keys(pairs)
    judged = adjudication.judge(session, actor, _frame_of(pairs, keys))
    by_key = {row["line_id"]: row for row in judged.iter_rows(named=True)}
    for (claim, lines), (_, line_keys) in zip(pairs, keys, strict=True):
        for line, key in zip(lines, line_keys, strict=True):
            result = by_key[key]
            line.outcome = result["outcome"]
            line.reasons = ";".join(result["reasons"])
            line.allowed_quantity = result["allowed_quantity"]
            line.allowed_unit_minor = result["allowed_unit_minor"]
            line.copay_minor = result["copay_minor"]
            line.paid_minor = result["paid_minor"]
            line.package_version_id = result["version_id"]
        _totals(claim, lines)
    session.flush()


def _totals(claim: Claim, lines: Sequence[ClaimLine]) -> None:
    claim.asked_minor = sum(line.quantity * line.unit_price_minor for line in lines)
    claim.allowed_minor = sum(line.allowed_quantity * line.allowed_unit_minor for line in lines)
    claim.copay_minor = sum(line.copay_minor for line in lines)
    claim.paid_minor = sum(
        line.paid_minor for line in lines if line.outcome != LineOutcome.PENDED.value
    )
    pended = any(line.outcome == LineOutcome.PENDED.value for line in lines)
    claim.status = ClaimStatus.PENDED.value if pended else ClaimStatus.ADJUDICATED.value
    claim.version += 1
    claim.updated_at = utcnow()


def _no_claim(claim_id: int) -> NotFound:
    return NotFound("claim-not-found", Message("no claim %(id)s", id=claim_id))


def get_claim(session: Session, actor: Principal, claim_id: int) -> ClaimRead:
    """A claim with every line's outcome and the reasons explained."""
    claim = repository.claim(session, claim_id)
    if claim is None:
        raise _no_claim(claim_id)
    _scope(session, actor, claim.facility_id, AuditAction.READ)
    audit.record(session, actor, AuditAction.READ, "Claim", claim.id, patient_id=claim.patient_id)
    return _read(session, claim)


def find_claim(session: Session, actor: Principal, facility_id: int, identifier: str) -> ClaimRead:
    claim = repository.claim_by_identifier(session, facility_id, identifier)
    if claim is None:
        raise NotFound(
            "claim-not-found",
            Message(
                "no claim %(identifier)s of facility %(facility)s",
                identifier=identifier,
                facility=facility_id,
            ),
        )
    return get_claim(session, actor, claim.id)


def adjudicate_period(
    session: Session,
    actor: Principal,
    period: str,
    *,
    progress: Progress | None = None,
    chunk: int = 1_000_000,
) -> BatchReport:
    """Judge every received claim of a month in batches: one vectorised pass per batch."""
    audit.require(session, actor, "Claim", "write", action=AuditAction.EXECUTE)
    say = progress or (lambda _s, _d, _t: None)
    started = time.perf_counter()
    compute = 0.0
    outcomes: dict[str, int] = {}
    total_lines = paid = 0
    claims: set[int] = set()
    received = repository.received_claims(session, period)
    per_batch = max(chunk // 4, 1)  # claims have about four lines
    for start in range(0, received.height, per_batch):
        part = received.slice(start, per_batch)
        first, last = int(part["claim_id"][0]), int(part["claim_id"][-1])
        frame = repository.received_lines(session, period, first, last, adjudication.LINE_SCHEMA)
        if frame.is_empty():
            continue
        tick = time.perf_counter()
        judged = adjudication.judge(session, actor, frame)
        compute += time.perf_counter() - tick
        # in key order, so the updates walk the table's pages in order (the rules sort by date)
        judged = judged.with_columns(pl.col("reasons").list.join(";")).sort("line_id")
        update_rows(
            session,
            ClaimLine.__table__,
            "id",
            RESULT_COLUMNS,
            judged.select("line_id", *RESULT_COLUMNS[:-1], "version_id").rows(),
        )
        totals = (
            judged.group_by("claim_id")
            .agg(
                (pl.col("quantity") * pl.col("unit_price_minor")).sum().alias("asked"),
                (pl.col("allowed_quantity") * pl.col("allowed_unit_minor")).sum().alias("allowed"),
                pl.col("copay_minor").sum().alias("copay"),
                pl.col("paid_minor")
                .filter(pl.col("outcome") != LineOutcome.PENDED.value)
                .sum()
                .alias("paid"),
                (pl.col("outcome") == LineOutcome.PENDED.value).any().alias("pended"),
            )
            .sort("claim_id")
        )
        update_rows(
            session, Claim.__table__, "id", ("asked_minor", "allowed_minor", "copay_minor", "paid_minor", "status"),
            [(c, a, al, co, p, ClaimStatus.PENDED.value if pe else ClaimStatus.ADJUDICATED.value) for c, a, al, co, p, pe in totals.rows()],
        )  # fmt: skip
        for outcome, count in judged["outcome"].value_counts().rows():
            outcomes[outcome] = outcomes.get(outcome, 0) + count
        total_lines += judged.height
        paid += int(totals["paid"].sum())
        claims.update(totals["claim_id"].to_list())
        say("adjudicating", total_lines, total_lines)
    report = BatchReport(
        claims=len(claims),
        lines=total_lines,
        outcomes=outcomes,
        paid_minor=paid,
        seconds=round(time.perf_counter() - started, 2),
        compute_seconds=round(compute, 2),
    )
    audit.record(
        session,
        actor,
        AuditAction.EXECUTE,
        "Claim",
        detail={"period": period, **report.model_dump()},
    )
    return report


# --- review -------------------------------------------------------------------------------


def queue(
    session: Session, actor: Principal, *, status: str = ClaimStatus.PENDED.value, facility_id: int | None = None,
    reason: str | None = None, min_amount: int | None = None, older_than: date | None = None, sort: str = "id",
    after_id: int | None = None, limit: int = 50,
) -> tuple[list[ClaimRead], dict[str, int]]:  # fmt: skip
    """Claims waiting for review (filters and sort), and the count of claims per status."""
    audit.require(session, actor, "Claim", "read", action=AuditAction.SEARCH)
    require_national(session, actor, AuditAction.SEARCH)
    rows = repository.claims_page(
        session,
        status,
        facility_id,
        reason,
        min_amount,
        older_than,
        sort,
        after_id,
        min(limit, 500),
    )
    for claim in rows:
        audit.record(
            session, actor, AuditAction.SEARCH, "Claim", claim.id, patient_id=claim.patient_id
        )
    return claim_reads(session, rows), repository.claim_counts(session)


def decide(session: Session, actor: Principal, claim_id: int, review: ReviewIn) -> ClaimRead:
    """An officer's decision on a pended claim: approve, adjust (line amounts) or reject."""
    audit.require(session, actor, "Claim", "write", action=AuditAction.UPDATE, entity_id=claim_id)
    require_national(session, actor, AuditAction.UPDATE, claim_id)
    claim = repository.claim(session, claim_id)
    if claim is None:
        raise _no_claim(claim_id)
    if claim.status != ClaimStatus.PENDED.value:
        raise Conflict(
            "not-pended",
            Message(
                "claim %(id)s is %(status)s; only pended claims are reviewed",
                id=claim_id,
                status=Message(claim.status),
            ),
        )
    lines = repository.lines_of(session, [claim.id]).get(claim.id, [])
    pended = [line for line in lines if line.outcome == LineOutcome.PENDED.value]
    unknown = set(review.adjustments) - {line.id for line in pended}
    if unknown:
        raise Invalid(
            "bad-adjustment",
            Message("lines %(lines)s are not pended lines of this claim", lines=sorted(unknown)),
            fields={"adjustments": Message("unknown line")},
        )
    for line in pended:
        if review.decision is ReviewDecision.REJECT:
            line.outcome, line.paid_minor, line.allowed_quantity = LineOutcome.REJECTED.value, 0, 0
        elif review.decision is ReviewDecision.ADJUST and line.id in review.adjustments:
            amount = review.adjustments[line.id]
            ceiling = line.quantity * min(
                line.unit_price_minor, line.allowed_unit_minor or line.unit_price_minor
            )
            if not 0 <= amount <= ceiling:
                raise Invalid(
                    "bad-adjustment",
                    Message(
                        "line %(line)s can be paid 0 to %(ceiling)s", line=line.id, ceiling=ceiling
                    ),
                    fields={f"adjustments.{line.id}": Message("out of range")},
                )
            line.outcome, line.paid_minor = LineOutcome.ADJUSTED.value, amount
        else:
            line.outcome = (
                LineOutcome.ACCEPTED.value
                if review.decision is ReviewDecision.APPROVE
                else LineOutcome.ADJUSTED.value
            )
    _totals(claim, lines)
    claim.status = ClaimStatus.REVIEWED.value
    claim.review_note, claim.reviewed_by, claim.reviewed_at = review.note, actor.name, utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "Claim",
        claim.id,
        patient_id=claim.patient_id,
        detail={"decision": review.decision.value, "note": review.note},
    )
    return _read(session, claim, lines)


def reopen(session: Session, actor: Principal, claim_id: int, note: str) -> ClaimRead:
    """Only a supervisor (an administrator) may reopen a reviewed claim."""
    audit.require(session, actor, "Claim", "write", action=AuditAction.UPDATE, entity_id=claim_id)
    if actor.role is not Role.ADMIN:
        raise audit.deny(
            session,
            actor,
            AuditAction.UPDATE,
            "Claim",
            claim_id,
            reason=Message("only a supervisor reopens a reviewed claim"),
        )
    claim = repository.claim(session, claim_id)
    if claim is None:
        raise _no_claim(claim_id)
    if claim.status != ClaimStatus.REVIEWED.value:
        raise Conflict(
            "not-reviewed",
            Message("claim %(id)s is %(status)s", id=claim_id, status=Message(claim.status)),
        )
    lines = repository.lines_of(session, [claim.id]).get(claim.id, [])
    judged = [(claim, lines)]
    _judge_claims(session, actor, judged)
    claim.review_note = f"reopened: {note}"
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "Claim",
        claim.id,
        patient_id=claim.patient_id,
        detail={"reopened": note},
    )
    return _read(session, claim, lines)


# --- bulk loading (synthetic claims) ------------------------------------------------------

CLAIM_COLUMNS = (
    "id",
    "identifier",
    "facility_id",
    "patient_id",
    "encounter_id",
    "submitted_on",
    "period",
    "status",
    "diagnoses",
    "version",
    "updated_at",
)
LINE_COLUMNS = (
    "claim_id",
    "seq",
    "patient_id",
    "facility_id",
    "service_code",
    "quantity",
    "unit_price_minor",
    "service_date",
    "practitioner_id",
    "diagnoses",
    "outcome",
    "reasons",
)
_ZERO_AMOUNTS = (0, 0, 0, 0)  # amounts stay zero until the batch adjudicates the claim
_CLAIM_AMOUNTS = ("asked_minor", "allowed_minor", "copay_minor", "paid_minor")
_LINE_AMOUNTS = ("allowed_quantity", "allowed_unit_minor", "copay_minor", "paid_minor")


def bulk_load(
    session: Session,
    actor: Principal,
    claims: Iterable[Sequence[Any]],
    lines: Iterable[Sequence[Any]],
) -> tuple[int, int]:
    """Load generated claims (received, to be adjudicated in batch) and their lines."""
    audit.require(session, actor, "Claim", "write", action=AuditAction.CREATE)
    return load_rows(
        session,
        Claim.__table__,
        CLAIM_COLUMNS + _CLAIM_AMOUNTS,
        (tuple(row) + _ZERO_AMOUNTS for row in claims),
    ), load_rows(
        session,
        ClaimLine.__table__,
        LINE_COLUMNS + _LINE_AMOUNTS,
        (tuple(row) + _ZERO_AMOUNTS for row in lines),
    )


def bulk_loading(session: Session, actor: Principal) -> AbstractContextManager[None]:
    """Around a whole country's coverage and claim loads: keys and indexes set aside (see
    core.bulk)."""
    audit.require(session, actor, "Claim", "write", action=AuditAction.CREATE)
    tables = (Claim, ClaimLine, CoveragePeriod, Contribution)
    return keys_set_aside(session, [cast(Table, t.__table__) for t in tables])


def after_bulk_load(session: Session) -> None:
    reset_sequence(session, Claim.__table__)


def any_claims(session: Session) -> bool:
    return repository.any_claims(session)

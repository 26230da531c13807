"""Merging records of one person, undoing it, and finding the pairs that may need it."""

from __future__ import annotations

import time
from collections.abc import Callable

import polars as pl
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.bulk import load_rows
from saglam.core.errors import Conflict, Invalid, NotFound
from saglam.core.message import Message
from saglam.core.security import Principal
from saglam.core.text import fold
from saglam.core.types import today, utcnow
from saglam.patients import dedup, repository
from saglam.patients import service as patients
from saglam.patients.enums import CandidateStatus, LinkReason, PatientStatus
from saglam.patients.models import DuplicateCandidate, PatientFacility, PatientMerge
from saglam.patients.schemas import CandidateRead, DedupReport, MergeRead, MergeRequest

Progress = Callable[[str, int, int], None]


def merge(session: Session, actor: Principal, request: MergeRequest) -> MergeRead:
    """Merge ``merged_id`` into ``survivor_id``: the loser stays, marked merged, linking to the
    survivor; the survivor gains the loser's facility links. Nothing is deleted."""
    audit.require(
        session, actor, "Patient", "write", action=AuditAction.MERGE, entity_id=request.survivor_id
    )
    if request.survivor_id == request.merged_id:
        raise Invalid(
            "self-merge",
            Message("a patient cannot be merged into itself"),
            fields={"merged_id": Message("same as survivor")},
        )
    survivor = patients._load(session, request.survivor_id)
    loser = patients._load(session, request.merged_id)
    for row in (survivor, loser):
        patients._require_visible(session, actor, row.id, AuditAction.MERGE)
        if row.status != PatientStatus.ACTIVE.value:
            raise Conflict(
                "patient-not-active",
                Message(
                    "patient %(id)s is %(status)s; only active records merge",
                    id=row.id,
                    status=Message(row.status),
                ),
            )
    existing = {link.facility_id for link in repository.links(session, survivor.id)}
    added = []
    for link in repository.links(session, loser.id):
        if link.facility_id not in existing:
            session.add(
                PatientFacility(
                    patient_id=survivor.id,
                    facility_id=link.facility_id,
                    reason=LinkReason.MERGED.value,
                    since=today(),
                )
            )
            added.append(link.facility_id)
    loser.status = PatientStatus.MERGED.value
    loser.merged_into_id = survivor.id
    loser.version += 1
    loser.updated_at = utcnow()
    survivor.version += 1
    survivor.updated_at = utcnow()
    record = PatientMerge(
        survivor_id=survivor.id,
        merged_id=loser.id,
        reason=request.reason,
        added_links=added,
        merged_by=actor.name,
        merged_at=utcnow(),
    )
    session.add(record)
    _close_candidates(session, survivor.id, loser.id, CandidateStatus.MERGED)
    session.flush()
    patients._snapshot(session, survivor)
    patients._snapshot(session, loser)
    for pid in (survivor.id, loser.id):
        audit.record(
            session,
            actor,
            AuditAction.MERGE,
            "Patient",
            pid,
            patient_id=pid,
            detail={"survivor": survivor.id, "merged": loser.id, "merge": record.id},
        )
    return MergeRead.model_validate(record)


def unmerge(session: Session, actor: Principal, merge_id: int) -> MergeRead:
    """Undo a merge: the loser is active again and the links the merge added are removed."""
    audit.require(
        session, actor, "Patient", "write", action=AuditAction.UNMERGE, entity_id=merge_id
    )
    record = repository.merge_record(session, merge_id)
    if record is None:
        raise NotFound("merge-not-found", Message("no merge %(id)s", id=merge_id))
    if record.undone_at is not None:
        raise Conflict("already-undone", Message("merge %(id)s was already undone", id=merge_id))
    survivor = patients._load(session, record.survivor_id)
    loser = patients._load(session, record.merged_id)
    patients._require_visible(session, actor, survivor.id, AuditAction.UNMERGE)
    if survivor.status != PatientStatus.ACTIVE.value:
        raise Conflict(
            "survivor-not-active",
            Message(
                "patient %(id)s is %(status)s; undo its own merge first",
                id=survivor.id,
                status=Message(survivor.status),
            ),
        )
    if record.added_links:
        repository.remove_links(session, survivor.id, record.added_links)
    loser.status = PatientStatus.ACTIVE.value
    loser.merged_into_id = None
    loser.version += 1
    loser.updated_at = utcnow()
    survivor.version += 1
    survivor.updated_at = utcnow()
    record.undone_at = utcnow()
    record.undone_by = actor.name
    session.flush()
    patients._snapshot(session, survivor)
    patients._snapshot(session, loser)
    for pid in (survivor.id, loser.id):
        audit.record(
            session,
            actor,
            AuditAction.UNMERGE,
            "Patient",
            pid,
            patient_id=pid,
            detail={"merge": record.id},
        )
    return MergeRead.model_validate(record)


def merges_of(session: Session, actor: Principal, patient_id: int) -> list[MergeRead]:
    audit.require(
        session,
        actor,
        "Patient",
        "read",
        action=AuditAction.READ,
        entity_id=patient_id,
        patient_id=patient_id,
    )
    patients._load(session, patient_id)
    patients._require_visible(session, actor, patient_id, AuditAction.READ)
    return [MergeRead.model_validate(m) for m in repository.merges_of(session, patient_id)]


def _close_candidates(session: Session, a: int, b: int, status: CandidateStatus) -> None:
    found = repository.candidate_for_pair(session, min(a, b), max(a, b))
    if found is not None and found.status == CandidateStatus.OPEN.value:
        found.status = status.value


def people_frame(session: Session) -> pl.DataFrame:
    """The comparison columns of every active patient, as a frame."""
    schema = {
        "id": pl.Int64, "fin": pl.String, "surname_key": pl.String, "given_key": pl.String,
        "patronymic_key": pl.String, "surname_phon": pl.String, "given_phon": pl.String,
        "sex": pl.String, "birth_date": pl.Date, "district_code": pl.String, "phone": pl.String,
    }  # fmt: skip
    parts = [
        pl.DataFrame(rows, schema=schema, orient="row")
        for rows in repository.dedup_frame_rows(session)
    ]
    if not parts:
        return pl.DataFrame(schema=schema)
    frame = pl.concat(parts)
    folded = (
        frame["patronymic_key"].map_elements(fold, return_dtype=pl.String)
        if frame.height
        else frame["patronymic_key"]
    )
    return frame.with_columns(folded.alias("patronymic_key"))


def detect_duplicates(
    session: Session,
    actor: Principal,
    *,
    threshold: float = dedup.THRESHOLD,
    progress: Progress | None = None,
) -> DedupReport:
    """Score likely duplicate pairs over the whole population and replace the open candidates."""
    audit.require(session, actor, "Patient", "write", action=AuditAction.EXECUTE)
    if not actor.is_national:
        audit.refuse(
            session,
            actor,
            AuditAction.EXECUTE,
            "Patient",
            reason=Message("duplicate detection is national"),
        )
    started = time.perf_counter()
    say = progress or (lambda _stage, _done, _total: None)
    say("reading patients", 0, 3)
    people = people_frame(session)
    say("comparing pairs", 1, 3)
    found, compared = dedup.find_duplicates(
        people,
        threshold,
        progress=lambda done, total: say(f"compared block {done} of {total}", 1, 3),
    )
    decided = repository.decided_pairs(session)
    say("storing candidates", 2, 3)
    repository.replace_open_candidates(session)
    now = utcnow()
    rows = (
        (int(left), int(right), float(score), list(reasons), CandidateStatus.OPEN.value, now)
        for left, right, score, reasons in found.iter_rows()
        if (int(left), int(right)) not in decided
    )
    stored = load_rows(
        session, DuplicateCandidate.__table__, ("left_id", "right_id", "score", "reasons", "status", "found_at"),
        ((a, b, s, _json(r), st, t) for a, b, s, r, st, t in rows),
    )  # fmt: skip
    say("done", 3, 3)
    report = DedupReport(
        patients=people.height,
        pairs_compared=compared,
        candidates=stored,
        seconds=round(time.perf_counter() - started, 2),
    )
    audit.record(session, actor, AuditAction.EXECUTE, "Patient", detail=report.model_dump())
    return report


def _json(values: list[str]) -> str:
    import orjson

    return orjson.dumps(values).decode()


def list_candidates(
    session: Session,
    actor: Principal,
    *,
    min_score: float = 0.0,
    after_id: int | None = None,
    limit: int = 50,
) -> list[CandidateRead]:
    audit.require(session, actor, "Patient", "read", action=AuditAction.SEARCH)
    if not actor.is_national:
        audit.refuse(
            session,
            actor,
            AuditAction.SEARCH,
            "Patient",
            reason=Message("duplicate candidates are national"),
        )
    rows = repository.candidates(
        session, CandidateStatus.OPEN.value, min_score, after_id, min(limit, 500)
    )
    for row in rows:
        for pid in (row.left_id, row.right_id):
            audit.record(
                session,
                actor,
                AuditAction.SEARCH,
                "Patient",
                pid,
                patient_id=pid,
                detail={"candidate": row.id},
            )
    return [CandidateRead.model_validate(r) for r in rows]


def dismiss_candidate(session: Session, actor: Principal, candidate_id: int) -> CandidateRead:
    """Mark a pair as two different people; later runs will not propose it again."""
    audit.require(
        session, actor, "Patient", "write", action=AuditAction.UPDATE, entity_id=candidate_id
    )
    row = repository.candidate(session, candidate_id)
    if row is None:
        raise NotFound(
            "candidate-not-found", Message("no duplicate candidate %(id)s", id=candidate_id)
        )
    row.status = CandidateStatus.DISMISSED.value
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "Patient",
        row.left_id,
        patient_id=row.left_id,
        detail={"dismissed": row.id},
    )
    return CandidateRead.model_validate(row)

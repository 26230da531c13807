"""Searches over coverage and claims with neutral criteria (what the FHIR API needs), limited to
what the actor may see and audited per patient."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.query import Criterion, Query, apply, count
from saglam.core.security import Principal
from saglam.insurance.claims import claim_reads
from saglam.insurance.models import Claim, CoveragePeriod
from saglam.insurance.schemas import ClaimRead, CoverageRead
from saglam.patients import service as patients

COVERAGE_FIELDS = {
    "id": CoveragePeriod.id, "patient_id": CoveragePeriod.patient_id, "status": CoveragePeriod.status,
    "category": CoveragePeriod.category, "payer": CoveragePeriod.payer, "start": CoveragePeriod.start,
    "end": CoveragePeriod.end, "updated_at": CoveragePeriod.updated_at,
}  # fmt: skip
CLAIM_FIELDS = {
    "id": Claim.id, "identifier": Claim.identifier, "facility_id": Claim.facility_id,
    "patient_id": Claim.patient_id, "status": Claim.status, "period": Claim.period,
    "submitted_on": Claim.submitted_on, "updated_at": Claim.updated_at,
}  # fmt: skip


def _narrowed(query: Query, clause: Criterion) -> Query:
    return Query(
        clauses=(*query.clauses, clause), sort=query.sort, limit=query.limit, offset=query.offset
    )


def _audit_patients(
    session: Session, actor: Principal, kind: str, patient_ids: Sequence[int | None]
) -> None:
    for pid in sorted({p for p in patient_ids if p is not None}):
        audit.record(session, actor, AuditAction.SEARCH, kind, patient_id=pid)


def find_coverage(
    session: Session, actor: Principal, query: Query, *, with_total: bool = False
) -> tuple[list[CoverageRead], int | None]:
    """Coverage periods of the patients the actor may see."""
    audit.require(session, actor, "Coverage", "read", action=AuditAction.SEARCH)
    if not actor.is_national:
        visible = patients.select_ids(session, actor, Query(limit=None))
        query = _narrowed(query, Criterion("patient_id", "in_select", visible))
    stmt = apply(select(CoveragePeriod), COVERAGE_FIELDS, query, CoveragePeriod.id)
    rows = list(session.execute(stmt).scalars()) if query.limit != 0 else []
    total = (
        int(session.execute(count(select(CoveragePeriod), COVERAGE_FIELDS, query)).scalar_one())
        if with_total
        else None
    )
    _audit_patients(session, actor, "Coverage", [r.patient_id for r in rows])
    return [CoverageRead.model_validate(r) for r in rows], total


def _claims_scope(session: Session, actor: Principal, query: Query) -> Query:
    scope = patients.facility_scope(session, actor)
    if scope is None:
        return query
    return _narrowed(query, Criterion("facility_id", "in", sorted(scope)))


def find_claims(
    session: Session, actor: Principal, query: Query, *, with_total: bool = False
) -> tuple[list[ClaimRead], int | None]:
    """Claims (with their judged lines) of the facilities the actor may see."""
    audit.require(session, actor, "Claim", "read", action=AuditAction.SEARCH)
    query = _claims_scope(session, actor, query)
    stmt = apply(select(Claim), CLAIM_FIELDS, query, Claim.id)
    rows = list(session.execute(stmt).scalars()) if query.limit != 0 else []
    total = (
        int(session.execute(count(select(Claim), CLAIM_FIELDS, query)).scalar_one())
        if with_total
        else None
    )
    _audit_patients(session, actor, "Claim", [r.patient_id for r in rows])
    return claim_reads(session, rows), total


def read_claims(session: Session, actor: Principal, ids: Sequence[int]) -> list[ClaimRead]:
    query = Query(clauses=(Criterion("id", "in", list(ids)),), limit=None)
    return find_claims(session, actor, query)[0]


def read_coverage(session: Session, actor: Principal, ids: Sequence[int]) -> list[CoverageRead]:
    query = Query(clauses=(Criterion("id", "in", list(ids)),), limit=None)
    return find_coverage(session, actor, query)[0]

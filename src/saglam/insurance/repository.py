"""Every query of the insurance domain."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Integer, case, func, or_, select, update
from sqlalchemy.orm import Session

from saglam.core.frames import in_ids, read_frame, read_frames
from saglam.insurance.enums import ClaimStatus, LineOutcome
from saglam.insurance.models import (
    Claim,
    ClaimLine,
    Contribution,
    CoveragePeriod,
    PackageItem,
    PackageVersion,
    Payment,
    PaymentPeriod,
    PriorAuthorization,
)

_CHUNK = 30_000


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    unique = sorted(set(ids))
    return [unique[i : i + _CHUNK] for i in range(0, len(unique), _CHUNK)]


COVERAGE_FACTS = {"patient_id": pl.Int64, "start": pl.Date, "end": pl.Date}


def coverage_rows(session: Session, patient_ids: Sequence[int]) -> pl.DataFrame:
    return read_frames(
        session,
        patient_ids,
        lambda part: select(
            CoveragePeriod.patient_id, CoveragePeriod.start, CoveragePeriod.end
        ).where(
            in_ids(session, CoveragePeriod.patient_id, part), CoveragePeriod.status != "suspended"
        ),
        COVERAGE_FACTS,
    )


def covered_from(on: date) -> Any:
    """A SELECT of the patients with (non-suspended) cover on ``on`` or later."""
    return select(CoveragePeriod.patient_id).where(
        CoveragePeriod.status != "suspended",
        (CoveragePeriod.end.is_(None)) | (CoveragePeriod.end >= on),
    )


def coverage_of(session: Session, patient_id: int) -> list[CoveragePeriod]:
    stmt = (
        select(CoveragePeriod)
        .where(CoveragePeriod.patient_id == patient_id)
        .order_by(CoveragePeriod.start)
    )
    return list(session.execute(stmt).scalars())


def coverage(session: Session, ident: int) -> CoveragePeriod | None:
    return session.get(CoveragePeriod, ident)


def contributions_of(session: Session, patient_id: int) -> list[Contribution]:
    stmt = (
        select(Contribution)
        .where(Contribution.patient_id == patient_id)
        .order_by(Contribution.month)
    )
    return list(session.execute(stmt).scalars())


def versions(session: Session) -> list[PackageVersion]:
    return list(
        session.execute(select(PackageVersion).order_by(PackageVersion.effective_from)).scalars()
    )


def version(session: Session, ident: int) -> PackageVersion | None:
    return session.get(PackageVersion, ident)


def items(session: Session, version_ids: Sequence[int]) -> list[PackageItem]:
    return list(
        session.execute(
            select(PackageItem).where(PackageItem.version_id.in_(list(version_ids)))
        ).scalars()
    )


def item_rows(session: Session, version_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    cols = [getattr(PackageItem, c) for c in ITEM_COLUMNS]
    return [
        tuple(r)
        for r in session.execute(select(*cols).where(PackageItem.version_id.in_(list(version_ids))))
    ]


ITEM_COLUMNS = (
    "version_id", "service_code", "category", "tariff_minor", "levels", "referral_required", "prior_auth",
    "per_day_limit", "per_year_limit", "lifetime_limit", "age_from", "age_to", "sex", "icd10_ranges",
    "specialty_code", "case_group",
)  # fmt: skip


AUTH_FACTS = {
    "patient_id": pl.Int64,
    "service_code": pl.String,
    "valid_from": pl.Date,
    "valid_to": pl.Date,
}


def prior_auths(session: Session, patient_ids: Sequence[int]) -> pl.DataFrame:
    return read_frames(
        session,
        patient_ids,
        lambda part: select(
            PriorAuthorization.patient_id,
            PriorAuthorization.service_code,
            PriorAuthorization.valid_from,
            PriorAuthorization.valid_to,
        ).where(in_ids(session, PriorAuthorization.patient_id, part)),
        AUTH_FACTS,
    )


HISTORY = {
    "patient_id": pl.Int64, "service_code": pl.String, "past_date": pl.Date, "past_facility": pl.Int64,
    "past_quantity": pl.Int64, "past_claim": pl.Int64,
}  # fmt: skip


def history(
    session: Session,
    patient_ids: Sequence[int],
    limited: Sequence[str],
    exclude_claims: Sequence[int],
    *,
    window: tuple[date, date],
) -> pl.DataFrame:
    """Lines already paid (accepted or adjusted) for these patients: of services with limits at
    any time, and of any service in the batch's date window (for duplicates); lines of the
    claims being judged are left out."""
    paid = (LineOutcome.ACCEPTED.value, LineOutcome.ADJUSTED.value)

    def query(part: Sequence[int]) -> Any:
        relevant: ColumnElement[bool] = ClaimLine.service_date.between(window[0], window[1])
        if limited:
            relevant = or_(relevant, ClaimLine.service_code.in_(sorted(set(limited))))
        return select(
            ClaimLine.patient_id, ClaimLine.service_code, ClaimLine.service_date, ClaimLine.facility_id,
            ClaimLine.allowed_quantity, ClaimLine.claim_id,
        ).where(in_ids(session, ClaimLine.patient_id, part), ClaimLine.outcome.in_(paid), relevant)  # fmt: skip

    frame = read_frames(session, patient_ids, query, HISTORY)
    excluded = pl.Series(sorted(set(exclude_claims)), dtype=pl.Int64).implode()
    return frame.filter(~pl.col("past_claim").is_in(excluded)).drop("past_claim")


def claim_by_identifier(session: Session, facility_id: int, identifier: str) -> Claim | None:
    stmt = select(Claim).where(Claim.facility_id == facility_id, Claim.identifier == identifier)
    return session.execute(stmt).scalar_one_or_none()


def claims_by_identifiers(
    session: Session, keys: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], Claim]:
    """The stored claims among (facility, identifier) ``keys``, in one query."""
    wanted = list(set(keys))
    if not wanted:
        return {}
    # two IN lists walk the unique (facility, identifier) index; a row-value IN scanned the table
    stmt = select(Claim).where(
        Claim.facility_id.in_({f for f, _ in wanted}), Claim.identifier.in_({i for _, i in wanted})
    )
    found = {(c.facility_id, c.identifier): c for c in session.execute(stmt).scalars()}
    return {key: claim for key, claim in found.items() if key in set(wanted)}


def claim(session: Session, ident: int) -> Claim | None:
    return session.get(Claim, ident)


def lines_of(session: Session, claim_ids: Sequence[int]) -> dict[int, list[ClaimLine]]:
    found: dict[int, list[ClaimLine]] = {}
    for part in _chunks(claim_ids):
        for row in session.execute(
            select(ClaimLine).where(ClaimLine.claim_id.in_(part)).order_by(ClaimLine.seq)
        ).scalars():
            found.setdefault(row.claim_id, []).append(row)
    return found


LINE_INPUT = (
    "id",
    "claim_id",
    "patient_id",
    "facility_id",
    "service_code",
    "quantity",
    "unit_price_minor",
    "service_date",
    "diagnoses",
)


def received_claims(session: Session, period: str) -> pl.DataFrame:
    """claim_id, submitted_on of the received (not yet judged) claims of a period, by id."""
    stmt = (
        select(Claim.id, Claim.submitted_on)
        .where(Claim.period == period, Claim.status == ClaimStatus.RECEIVED.value)
        .order_by(Claim.id)
    )
    return read_frame(session, stmt, {"claim_id": pl.Int64, "submitted_on": pl.Date})


def received_lines(
    session: Session, period: str, first: int, last: int, schema: dict[str, Any]
) -> pl.DataFrame:
    """The lines, with their claim's submission date, of the received claims of ``period`` whose
    ids are ``first``..``last``, in claim and line order. The claims of a month need not be
    contiguous (late submissions, a bulk load of a year): the id range bounds a batch, the period
    and status choose its claims."""
    cols = [getattr(ClaimLine, c) for c in LINE_INPUT]
    stmt = (
        select(*cols, Claim.submitted_on)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(
            Claim.period == period,
            Claim.status == ClaimStatus.RECEIVED.value,
            Claim.id.between(first, last),
        )
        .order_by(ClaimLine.claim_id, ClaimLine.id)
    )
    return read_frame(session, stmt, schema)


def claims_page(
    session: Session,
    status: str | None,
    facility_id: int | None,
    reason: str | None,
    min_amount: int | None,
    older_than: date | None,
    sort: str,
    after_id: int | None,
    limit: int,
) -> list[Claim]:
    stmt = select(Claim)
    if status:
        stmt = stmt.where(Claim.status == status)
    if facility_id:
        stmt = stmt.where(Claim.facility_id == facility_id)
    if min_amount is not None:
        stmt = stmt.where(Claim.asked_minor >= min_amount)
    if older_than:
        stmt = stmt.where(Claim.submitted_on <= older_than)
    if reason:
        stmt = stmt.where(
            Claim.id.in_(select(ClaimLine.claim_id).where(ClaimLine.reasons.contains(reason)))
        )
    if after_id:
        stmt = stmt.where(Claim.id > after_id)
    orders: dict[str, Any] = {"amount": Claim.asked_minor.desc(), "age": Claim.submitted_on.asc()}
    order = orders.get(sort, Claim.id.asc())
    return list(session.execute(stmt.order_by(order, Claim.id).limit(limit)).scalars())


def claims_of_period(session: Session, facility_id: int, period: str) -> list[Claim]:
    stmt = select(Claim).where(Claim.facility_id == facility_id, Claim.period == period)
    return list(session.execute(stmt.order_by(Claim.id)).scalars())


def payment_of(session: Session, period_id: int, facility_id: int) -> Payment | None:
    stmt = select(Payment).where(Payment.period_id == period_id, Payment.facility_id == facility_id)
    return session.execute(stmt).scalar_one_or_none()


COUNT_CAP = 10_000


def claim_counts(session: Session) -> dict[str, int]:
    """Claims per status, each counted up to COUNT_CAP + 1 (more than the cap reads as 'over
    10,000'): a national month holds millions of judged claims, and counting them all on every
    page of the review queue took over a second."""
    counts = {}
    for status in ClaimStatus:
        capped = select(Claim.id).where(Claim.status == status.value).limit(COUNT_CAP + 1)
        counts[status.value] = int(
            session.execute(select(func.count()).select_from(capped.subquery())).scalar_one()
        )
    return {s: n for s, n in counts.items() if n}


_PAYABLE = (ClaimStatus.ADJUDICATED.value, ClaimStatus.REVIEWED.value)
_PAID_OUTCOMES = (LineOutcome.ACCEPTED.value, LineOutcome.ADJUSTED.value)


def _case_group() -> Any:
    return (
        select(PackageItem.case_group)
        .where(
            PackageItem.version_id == ClaimLine.package_version_id,
            PackageItem.service_code == ClaimLine.service_code,
        )
        .scalar_subquery()
    )


def fee_for_service(session: Session, period: str) -> list[tuple[int, int, int]]:
    """(facility, paid for lines outside per-case groups, paid lines) of judged claims of the period."""
    group = _case_group()
    stmt = (
        select(
            ClaimLine.facility_id,
            func.sum(case((group.is_(None), ClaimLine.paid_minor), else_=0)),
            func.count(),
        )
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(
            Claim.period == period,
            Claim.status.in_(_PAYABLE),
            ClaimLine.outcome.in_(_PAID_OUTCOMES),
        )
        .group_by(ClaimLine.facility_id)
    )
    return [(int(f), int(paid or 0), int(n)) for f, paid, n in session.execute(stmt)]


def cases(session: Session, period: str) -> list[tuple[int, int, str]]:
    """(facility, claim, case group) of each judged claim of the period with a paid stay."""
    group = _case_group().label("case_group")
    inner = (
        select(ClaimLine.facility_id, ClaimLine.claim_id, group)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(
            Claim.period == period,
            Claim.status.in_(_PAYABLE),
            ClaimLine.outcome.in_(_PAID_OUTCOMES),
        )
        .subquery()
    )
    stmt = (
        select(inner.c.facility_id, inner.c.claim_id, func.min(inner.c.case_group))
        .where(inner.c.case_group.is_not(None))
        .group_by(inner.c.facility_id, inner.c.claim_id)
    )
    return [(int(f), int(c), str(g)) for f, c, g in session.execute(stmt)]


def _unsettled(before: str) -> ColumnElement[bool]:
    closed = select(PaymentPeriod.period).where(
        PaymentPeriod.status == "closed", PaymentPeriod.period < before
    )
    return (
        Claim.period.in_(closed)
        & Claim.status.in_(_PAYABLE)
        & (Claim.paid_minor != func.coalesce(Claim.settled_minor, 0))
    )


def corrections(session: Session, before: str) -> list[tuple[int, int, str, str, int]]:
    """(facility, claim, identifier, period, change) for each claim of a closed period whose
    payment changed after the close."""
    stmt = (
        select(
            Claim.facility_id,
            Claim.id,
            Claim.identifier,
            Claim.period,
            Claim.paid_minor - func.coalesce(Claim.settled_minor, 0),
        )
        .where(_unsettled(before))
        .order_by(Claim.id)
    )
    return [(int(f), int(c), str(i), str(p), int(d)) for f, c, i, p, d in session.execute(stmt)]


def settle(session: Session, period: str) -> None:
    """On closing ``period``: what its claims (and the corrections it carried) paid is now settled."""
    session.execute(
        update(Claim)
        .where(Claim.period == period, Claim.status.in_(_PAYABLE))
        .values(settled_minor=Claim.paid_minor)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Claim)
        .where(_unsettled(period))
        .values(settled_minor=Claim.paid_minor)
        .execution_options(synchronize_session=False)
    )


def open_before(session: Session, period: str) -> str | None:
    """The earliest period before ``period`` with a payment run still open."""
    return session.execute(
        select(func.min(PaymentPeriod.period)).where(
            PaymentPeriod.status == "open", PaymentPeriod.period < period
        )
    ).scalar_one_or_none()


def period(session: Session, name: str) -> PaymentPeriod | None:
    return session.execute(
        select(PaymentPeriod).where(PaymentPeriod.period == name)
    ).scalar_one_or_none()


def payments(session: Session, period_id: int) -> list[Payment]:
    return list(
        session.execute(
            select(Payment).where(Payment.period_id == period_id).order_by(Payment.facility_id)
        ).scalars()
    )


def delete_payments(session: Session, period_id: int) -> None:
    from sqlalchemy import delete

    session.execute(delete(Payment).where(Payment.period_id == period_id))


def measures(session: Session, period: str, by: str) -> list[tuple[Any, ...]]:
    """Per facility (``by="facility"``) or practitioner: claims, patients, quantity, rejected
    lines, lines, paid, for outlier signals."""
    key = ClaimLine.facility_id if by == "facility" else ClaimLine.practitioner_id
    rejected = func.sum((ClaimLine.outcome == LineOutcome.REJECTED.value).cast(Integer))
    stmt = (
        select(
            key, func.count(func.distinct(ClaimLine.claim_id)), func.count(func.distinct(ClaimLine.patient_id)),
            func.sum(ClaimLine.quantity), rejected, func.count(), func.sum(ClaimLine.paid_minor),
        )
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(Claim.period == period, Claim.status != ClaimStatus.RECEIVED.value, key.is_not(None))
        .group_by(key)
    )  # fmt: skip
    return [tuple(r) for r in session.execute(stmt)]


def set_claim_status(session: Session, ids: Sequence[int], status: str) -> None:
    for part in _chunks(ids):
        session.execute(update(Claim).where(Claim.id.in_(part)).values(status=status))


def any_claims(session: Session) -> bool:
    return session.execute(select(Claim.id).limit(1)).first() is not None


def payments_of_facility(
    session: Session, facility_id: int, limit: int
) -> list[tuple[str, str, Payment]]:
    """(period, status, payment) of a facility, newest first."""
    stmt = (
        select(PaymentPeriod.period, PaymentPeriod.status, Payment)
        .join(Payment, Payment.period_id == PaymentPeriod.id)
        .where(Payment.facility_id == facility_id)
        .order_by(PaymentPeriod.period.desc())
        .limit(limit)
    )
    return [(str(p), str(st), pay) for p, st, pay in session.execute(stmt)]


def period_summaries(
    session: Session, facility_ids: Sequence[int] | None
) -> list[tuple[str, str, Any, Any, int, int]]:
    """(period, status, run at, closed at, total, facilities paid) of every payment run, newest
    first; totals over ``facility_ids`` only when given (a run with none of them still shows)."""
    joined = Payment.period_id == PaymentPeriod.id
    if facility_ids is not None:
        joined = joined & Payment.facility_id.in_(list(facility_ids))
    stmt = (
        select(
            PaymentPeriod.period, PaymentPeriod.status, PaymentPeriod.run_at, PaymentPeriod.closed_at,
            func.coalesce(func.sum(Payment.total_minor), 0), func.count(Payment.id),
        )
        .outerjoin(Payment, joined)
        .group_by(PaymentPeriod.id, PaymentPeriod.period, PaymentPeriod.status, PaymentPeriod.run_at, PaymentPeriod.closed_at)
        .order_by(PaymentPeriod.period.desc())
    )  # fmt: skip
    return [(str(p), str(s), r, c, int(t), int(n)) for p, s, r, c, t, n in session.execute(stmt)]


def latest_claim_period(session: Session) -> str | None:
    """The latest month any claim is for."""
    return session.execute(select(func.max(Claim.period))).scalar_one_or_none()


def insured_by_category(session: Session, on: date, people: Any) -> list[tuple[str, int]]:
    """(category, people) with (non-suspended) cover on ``on``, of those the ``people`` SELECT
    yields; periods of one person never overlap, so each is counted once."""
    stmt = (
        select(CoveragePeriod.category, func.count())
        .where(
            CoveragePeriod.status != "suspended",
            CoveragePeriod.start <= on,
            or_(CoveragePeriod.end.is_(None), CoveragePeriod.end >= on),
            CoveragePeriod.patient_id.in_(people),
        )
        .group_by(CoveragePeriod.category)
    )
    return [(str(c), int(n)) for c, n in session.execute(stmt)]


def claims_by_month(
    session: Session, first: str, last: str, places: Any
) -> list[tuple[str, str, int, int]]:
    """(period, status, claims, paid) of claim periods ``first``..``last`` at the facilities of the
    ``places`` SELECT (facility id, district; all when None); paid counts judged claims only."""
    paid = func.sum(case((Claim.status.in_(_PAYABLE), Claim.paid_minor), else_=0))
    stmt = select(Claim.period, Claim.status, func.count(), paid).where(
        Claim.period >= first, Claim.period <= last
    )
    if places is not None:
        place = places.subquery()
        stmt = stmt.where(Claim.facility_id.in_(select(place.c.id)))
    stmt = stmt.group_by(Claim.period, Claim.status)
    return [(str(p), str(s), int(n), int(v or 0)) for p, s, n, v in session.execute(stmt)]

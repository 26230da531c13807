"""Provider payment for a month: fee-for-service, capitation for primary care, per-case rates for
hospital stays; remittance statements; closing a period (then it never changes)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date

from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.errors import Conflict, Invalid, NotFound
from saglam.core.message import Message
from saglam.core.security import Principal
from saglam.core.types import utcnow
from saglam.country import service as country
from saglam.country.profile import profile_table
from saglam.facilities import service as facilities
from saglam.insurance import repository
from saglam.insurance.enums import REASON_TEXT, LineOutcome, PeriodStatus, Reason
from saglam.insurance.models import Payment, PaymentPeriod
from saglam.insurance.schemas import PaymentRead, PeriodRead, PeriodSummary
from saglam.patients import service as patients

PAID = (LineOutcome.ACCEPTED.value, LineOutcome.ADJUSTED.value)


def _month(period: str) -> date:
    try:
        year, month = (int(x) for x in period.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise Invalid(
            "bad-period",
            Message("'%(period)s' is not a month (YYYY-MM)", period=period),
            fields={"period": Message("YYYY-MM")},
        ) from exc


def _capitation_weight(weights: list[object], sex: str, age: int) -> float:
    for row in weights:
        if row.age_from <= age <= row.age_to and row.sex in (sex, "any"):  # type: ignore[attr-defined]
            return float(row.weight)  # type: ignore[attr-defined]
    return 1.0


def run(session: Session, actor: Principal, period: str) -> PeriodRead:
    """Compute every facility's payment for ``period`` (again, while the period is open)."""
    audit.require(session, actor, "Payment", "write", action=AuditAction.EXECUTE)
    first_day = _month(period)
    existing = repository.period(session, period)
    if existing is not None and existing.status == PeriodStatus.CLOSED.value:
        raise Conflict(
            "period-closed",
            Message(
                "period %(period)s is closed; corrections go into a later period", period=period
            ),
        )
    if existing is None:
        existing = PaymentPeriod(period=period, status=PeriodStatus.OPEN.value, run_at=utcnow())
        session.add(existing)
        session.flush()
    repository.delete_payments(session, existing.id)
    existing.run_at = utcnow()
    profile = country.active_profile(session)
    rates = {g.code: g.rate_minor for g in profile_table(profile.name, "case_groups")}
    base = int(profile.settings["insurance"]["capitation_base_minor"])
    weights = list(profile_table(profile.name, "capitation"))
    ffs: dict[int, int] = defaultdict(int)
    lines: dict[int, int] = defaultdict(int)
    for facility, paid, count in repository.fee_for_service(session, period):
        ffs[facility], lines[facility] = paid, count
    per_case: dict[int, int] = defaultdict(int)
    cases: dict[int, int] = defaultdict(int)
    for facility, _claim, group in repository.cases(session, period):
        per_case[facility] += rates.get(group, 0)
        cases[facility] += 1
    capitation: dict[int, int] = defaultdict(int)
    enrolled: dict[int, int] = defaultdict(int)
    levels = {row[0]: row[1] for row in facilities.contract_info(session, actor, [])}
    for facility, sex, birth_year, people in patients.enrolment(session, actor, first_day):
        if levels.get(facility) != "primary":
            continue
        enrolled[facility] += people
        capitation[facility] += round(
            base * _capitation_weight(weights, sex, first_day.year - birth_year) * people
        )
    corrections: dict[int, int] = defaultdict(int)
    corrected: dict[int, list[list[object]]] = defaultdict(list)
    earlier_open = repository.open_before(session, period)
    if earlier_open is None:  # corrections go into the earliest open period only
        for facility, claim, identifier, claimed_in, change in repository.corrections(
            session, period
        ):
            corrections[facility] += change
            corrected[facility].append([claim, identifier, claimed_in, change])
    for facility in sorted(set(ffs) | set(per_case) | set(capitation) | set(corrections)):
        total = ffs[facility] + per_case[facility] + capitation[facility] + corrections[facility]
        session.add(
            Payment(
                period_id=existing.id,
                facility_id=facility,
                fee_for_service_minor=ffs[facility],
                capitation_minor=capitation[facility],
                per_case_minor=per_case[facility],
                corrections_minor=corrections[facility],
                total_minor=total,
                enrolled=enrolled[facility],
                cases=cases[facility],
                lines=lines[facility],
                detail={
                    "capitation_base_minor": base,
                    "corrections": corrected[facility],
                    "corrections_held_for": earlier_open,
                },
            )
        )
    session.flush()
    audit.record(
        session, actor, AuditAction.EXECUTE, "Payment", existing.id, detail={"period": period}
    )
    return _read(session, existing)


def _read(session: Session, row: PaymentPeriod) -> PeriodRead:
    payments = [PaymentRead.model_validate(p) for p in repository.payments(session, row.id)]
    return PeriodRead(
        period=row.period,
        status=row.status,
        run_at=row.run_at,
        closed_at=row.closed_at,
        payments=payments,
        total_minor=sum(p.total_minor for p in payments),
    )


def get_period(session: Session, actor: Principal, period: str) -> PeriodRead:
    audit.require(session, actor, "Payment", "read", action=AuditAction.READ)
    row = repository.period(session, period)
    if row is None:
        raise NotFound("period-not-found", Message("no payment run for %(period)s", period=period))
    return _read(session, row)


def close(session: Session, actor: Principal, period: str) -> PeriodRead:
    """Close a period (paying it first if it was never run): its payments never change again."""
    audit.require(session, actor, "Payment", "write", action=AuditAction.UPDATE)
    existing = repository.period(session, period)
    if existing is not None and existing.status == PeriodStatus.CLOSED.value:
        raise Conflict(
            "period-closed", Message("period %(period)s is already closed", period=period)
        )
    earlier = repository.open_before(session, period)
    if earlier is not None:
        raise Conflict(
            "earlier-period-open",
            Message("close %(earlier)s before %(period)s", earlier=earlier, period=period),
        )
    run(session, actor, period)  # what is closed is what the claims say now
    row = repository.period(session, period)
    assert row is not None
    repository.settle(session, period)
    row.status, row.closed_at, row.closed_by = PeriodStatus.CLOSED.value, utcnow(), actor.name
    session.flush()
    audit.record(session, actor, AuditAction.UPDATE, "Payment", row.id, detail={"closed": period})
    return _read(session, row)


REMITTANCE_COLUMNS = (
    "claim", "identifier", "claim_period", "line", "service", "date", "quantity", "asked_qepik",
    "allowed_qepik", "copay_qepik", "paid_qepik", "outcome", "reasons",
)  # fmt: skip


def _facility_scope(session: Session, actor: Principal, facility_id: int) -> None:
    """A facility sees its own statements; the insurer's people see every facility's."""
    audit.require(
        session, actor, "Payment", "read", action=AuditAction.EXPORT, entity_id=facility_id
    )
    scope = patients.facility_scope(session, actor)
    if scope is not None and facility_id not in scope:
        audit.refuse(
            session,
            actor,
            AuditAction.EXPORT,
            "Payment",
            reason=Message("another facility's statement"),
        )


def remittance_rows(
    session: Session, actor: Principal, period: str, facility_id: int
) -> list[tuple[object, ...]]:
    """Every judged line of the facility's claims of the period with its outcome explained, then
    the corrections to claims of earlier (closed) periods that this period's payment carries."""
    _facility_scope(session, actor, facility_id)
    _month(period)
    rows: list[tuple[object, ...]] = []
    claims = repository.claims_of_period(session, facility_id, period)
    lines = repository.lines_of(session, [c.id for c in claims])
    for claim in claims:
        for line in lines.get(claim.id, []):
            reasons = "; ".join(REASON_TEXT[Reason(r)] for r in line.reasons.split(";") if r)
            rows.append(
                (
                    claim.id, claim.identifier, claim.period, line.seq, line.service_code,
                    line.service_date.isoformat(), line.quantity,
                    line.quantity * line.unit_price_minor,
                    line.allowed_quantity * line.allowed_unit_minor, line.copay_minor,
                    line.paid_minor, line.outcome, reasons,
                )
            )  # fmt: skip
    row = repository.period(session, period)
    payment = repository.payment_of(session, row.id, facility_id) if row is not None else None
    corrections: list[list[object]] = list(
        (payment.detail if payment else {}).get("corrections", [])
    )  # type: ignore[call-overload]
    for claim_id, identifier, claimed_in, change in corrections:
        rows.append(
            (
                claim_id, identifier, claimed_in, "", "", "", "", "", "", "", change, "correction",
                f"decided after {claimed_in} was closed",
            )
        )  # fmt: skip
    return rows


def remittance_csv(session: Session, actor: Principal, period: str, facility_id: int) -> str:
    """The remittance lines as CSV (money in qəpik)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REMITTANCE_COLUMNS)
    writer.writerows(remittance_rows(session, actor, period, facility_id))
    audit.record(
        session,
        actor,
        AuditAction.EXPORT,
        "Payment",
        facility_id,
        detail={"period": period, "format": "csv"},
    )
    return out.getvalue()


def remittance_pdf(session: Session, actor: Principal, period: str, facility_id: int) -> bytes:
    """A printable remittance statement: the payment by method and the lines by outcome."""
    from fpdf import FPDF

    statement = get_period(session, actor, period)
    payment = next((p for p in statement.payments if p.facility_id == facility_id), None)
    if payment is None:
        raise NotFound(
            "no-payment",
            Message(
                "facility %(facility)s has no payment in %(period)s",
                facility=facility_id,
                period=period,
            ),
        )
    facility = facilities.get_facility(session, actor, facility_id)
    rows = remittance_rows(session, actor, period, facility_id)
    pdf = FPDF()
    pdf.add_page()
    font = _font(pdf)

    def text(value: str) -> str:
        return value if font == "DejaVu" else value.encode("latin-1", "replace").decode("latin-1")

    pdf.set_font(font, size=14)
    pdf.cell(0, 10, text(f"Remittance statement {period}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=10)
    for label, value in [
        ("Facility", f"{facility.name_az} ({facility.code})"),
        ("Fee for service", _money(payment.fee_for_service_minor)),
        ("Capitation", f"{_money(payment.capitation_minor)} for {payment.enrolled} enrolled"),
        ("Per case", f"{_money(payment.per_case_minor)} for {payment.cases} stays"),
        ("Corrections", _money(payment.corrections_minor)),
        ("Total", _money(payment.total_minor)),
        ("Status", statement.status),
    ]:
        pdf.cell(45, 7, label)
        pdf.cell(0, 7, text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[str(row[11])] += 1
    pdf.cell(
        0,
        7,
        "Lines: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(font, size=7)
    for row in rows[:400]:
        _, identifier, _, seq, service, day, quantity, *_, paid, outcome, reasons = row
        line = f"{identifier} #{seq} {service} {day} x{quantity}  paid {_money(int(str(paid)))}"
        pdf.cell(0, 4, text(f"{line}  {outcome}  {reasons}"[:150]), new_x="LMARGIN", new_y="NEXT")
    if len(rows) > 400:
        pdf.cell(
            0,
            4,
            text(f"… and {len(rows) - 400} more lines in the CSV statement"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    return bytes(pdf.output())


def _font(pdf: object) -> str:
    """A Unicode font for Azerbaijani letters (DejaVu from the system when present)."""
    from pathlib import Path

    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    ):
        if Path(path).exists():
            pdf.add_font("DejaVu", "", path)  # type: ignore[attr-defined]
            return "DejaVu"
    return "Helvetica"


def _money(minor: int) -> str:
    return f"{minor / 100:,.2f} AZN"


def facility_payments(
    session: Session, actor: Principal, facility_id: int, limit: int = 12
) -> list[tuple[str, str, PaymentRead]]:
    """What a facility was paid, month by month (newest first): (period, status, payment)."""
    _facility_scope(session, actor, facility_id)
    return [
        (period, status, PaymentRead.model_validate(payment))
        for period, status, payment in repository.payments_of_facility(session, facility_id, limit)
    ]


def periods(session: Session, actor: Principal) -> list[PeriodSummary]:
    """Every month with a payment run, newest first, with its total (for a facility's users, the
    total of their own facilities)."""
    audit.require(session, actor, "Payment", "read", action=AuditAction.SEARCH)
    scope = patients.facility_scope(session, actor)
    rows = repository.period_summaries(session, sorted(scope) if scope is not None else None)
    return [
        PeriodSummary(
            period=period, status=status, run_at=run_at, closed_at=closed_at,
            total_minor=total, facilities=paid,
        )
        for period, status, run_at, closed_at, total, paid in rows
    ]  # fmt: skip

"""Web screens of the insurer: the claim review queue, a claim with its decision form, monthly
payments with remittance downloads, and outlier signals."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from saglam.core.db import rollback
from saglam.core.errors import HTTP_STATUS, Conflict, Invalid
from saglam.core.security import Role
from saglam.core.types import today
from saglam.facilities import service as facilities
from saglam.http.deps import SessionDep
from saglam.http.routing import UnitOfWorkRoute
from saglam.insurance import service as insurance
from saglam.insurance.enums import REASON_TEXT, ClaimStatus, LineOutcome, Reason, ReviewDecision
from saglam.insurance.schemas import ClaimRead, ReviewIn, Signal
from saglam.patients import service as patients
from saglam.web.i18n import N_
from saglam.web.problems import problems
from saglam.web.render import page
from saglam.web.session import FormUserDep, UserDep, WebUser
from saglam.workforce import service as workforce

router = APIRouter(route_class=UnitOfWorkRoute)

PAGE_SIZE = 50
SORTS = {
    "id": N_("Claim number"),
    "amount": N_("Amount asked (largest first)"),
    "age": N_("Oldest first"),
}
STATUSES = ("pended", "received", "adjudicated", "reviewed")
REASONS = [(reason.value, REASON_TEXT[reason]) for reason in Reason]
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MEASURES = {
    "claims_per_patient": N_("Claims per patient"),
    "cost_per_claim": N_("Cost per claim"),
    "rejection_rate": N_("Rejection rate"),
    "services_per_claim": N_("Services per claim"),
}
# English source texts, translated in the templates.
MESSAGES = {
    "status": N_("Choose a status."),
    "facility_id": N_("A facility id is a whole number."),
    "reason": N_("Choose a reason code from the list."),
    "older_than": N_("Enter a date (YYYY-MM-DD)."),
    "sort": N_("Choose how to sort."),
    "after_id": N_("Not a claim number."),
    "decision": N_("Choose approve, adjust or reject."),
    "note": N_("Write a note of 3 to 2,000 characters."),
    "period": N_("Enter a month as YYYY-MM."),
}
DONE = {
    "reviewed": N_("The decision is saved."),
    "reopened": N_("The claim is reopened and judged again; it is back in the queue."),
    "run": N_("The payments of the month were computed again."),
    "closed": N_("The month is closed: its payments will not change again."),
}


# --- money input ----------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_PLAIN = re.compile(r"^\d{1,13}(?:[.,]\d{1,2})?$")
_GROUPED = re.compile(r"^\d{1,3}(?P<sep>[.,])\d{3}(?:(?P=sep)\d{3})*(?:(?P<dec>[.,])\d{1,2})?$")


def parse_azn(text: str) -> int:
    """An amount in manats as typed ("1234.50", "1 234,50", "1,234.50") → integer qəpik.

    At most two decimals; a lone separator before exactly three digits ("1.500") is refused as
    ambiguous (1.5 or 1,500 AZN?) rather than guessed. Raises ValueError with the English text
    for the field."""
    raw = _SPACES.sub("", text).removesuffix("₼").removesuffix("AZN").removesuffix("azn")
    if not raw:
        raise ValueError(N_("Enter an amount in AZN, e.g. 1234.50."))
    if _PLAIN.match(raw):
        number = raw.replace(",", ".")
    else:
        grouped = _GROUPED.match(raw)
        two_kinds = grouped and grouped["dec"] and grouped["dec"] != grouped["sep"]
        repeated = grouped and not grouped["dec"] and raw.count(grouped["sep"]) > 1
        if not grouped or not (two_kinds or repeated):
            if re.match(r"^\d{1,3}[.,]\d{3}$", raw):
                raise ValueError(N_("Ambiguous amount: write 1500 or 1.50."))
            raise ValueError(N_("Enter an amount in AZN with at most two decimals, e.g. 1234.50."))
        number = raw.replace(grouped["sep"], "").replace(",", ".")
    return int(Decimal(number) * 100)


# --- claim review queue ---------------------------------------------------------------------


def _queue_filters(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """The service's filters from the query string; a malformed one becomes a field error."""
    found: dict[str, Any] = {}
    status = values["status"]
    if status not in (*STATUSES, "all"):
        errors["status"] = MESSAGES["status"]
    found["status"] = "" if status == "all" else status
    for name in ("facility_id", "after_id"):
        text = values[name]
        if text and not (text.isascii() and text.isdigit()):
            errors[name] = MESSAGES[name]
        found[name] = int(text) if text.isascii() and text.isdigit() else None
    if values["reason"] and values["reason"] not in REASON_TEXT:
        errors["reason"] = MESSAGES["reason"]
    found["reason"] = values["reason"] or None
    found["min_amount"] = None
    if values["min_amount"]:
        try:
            found["min_amount"] = parse_azn(values["min_amount"])
        except ValueError as exc:
            errors["min_amount"] = str(exc)
    found["older_than"] = None
    if values["older_than"]:
        try:
            found["older_than"] = date.fromisoformat(values["older_than"])
        except ValueError:
            errors["older_than"] = MESSAGES["older_than"]
    if values["sort"] not in SORTS:
        errors["sort"] = MESSAGES["sort"]
    found["sort"] = values["sort"]
    return found


def _link(path: str, values: dict[str, str], **changes: str) -> str:
    query = urlencode({k: v for k, v in (values | changes).items() if v})
    return f"{path}?{query}" if query else path


def _facility_names(session: Session, ids: set[int]) -> dict[int, str]:
    return {facility_id: facilities.name_of(session, facility_id) for facility_id in sorted(ids)}


@router.get("/claims")
def claims_queue(
    request: Request,
    session: SessionDep,
    user: UserDep,
    status: str = "pended",
    facility_id: str = "",
    reason: str = "",
    min_amount: str = "",
    older_than: str = "",
    sort: str = "id",
    after_id: str = "",
) -> Response:
    """Claims waiting for review (pended by default), filtered and sorted, with the count per
    status; keyset paging by claim number."""
    values = {
        "status": status.strip(), "facility_id": facility_id.strip(), "reason": reason.strip(),
        "min_amount": min_amount.strip(), "older_than": older_than.strip(), "sort": sort.strip(),
        "after_id": after_id.strip(),
    }  # fmt: skip
    errors: dict[str, str] = {}
    filters = _queue_filters(values, errors)
    claims: list[ClaimRead] = []
    counts: dict[str, int] = {}
    if not errors:
        claims, counts = insurance.queue(session, user.principal, limit=PAGE_SIZE, **filters)
    base = values | {"after_id": ""}
    next_url = None
    if len(claims) == PAGE_SIZE and values["sort"] == "id":  # keyset paging follows the id order
        next_url = _link("/claims", base, after_id=str(claims[-1].id))
    tabs = [
        (s, counts.get(s, 0), _link("/claims", base, status=s), values["status"] == s)
        for s in STATUSES
    ]
    facility_ids = {c.facility_id for c in claims}
    if filters["facility_id"]:
        facility_ids.add(filters["facility_id"])
    return page(
        request,
        "insurance/claims.html",
        422 if errors else 200,
        claims=claims,
        counts=counts,
        total=sum(counts.values()),
        count_cap=insurance.COUNT_CAP,
        tabs=tabs,
        all_url=_link("/claims", base, status="all"),
        values=values,
        errors=errors,
        names=_facility_names(session, facility_ids),
        reasons=REASONS,
        sorts=SORTS,
        next_url=next_url,
        first_url=_link("/claims", base) if values["after_id"] else None,
        page_size=PAGE_SIZE,
    )


# --- one claim and the decision on it -------------------------------------------------------


async def _form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(_form)]


def _claim_page(
    request: Request,
    session: Session,
    user: WebUser,
    claim_id: int,
    *,
    status: int = 200,
    notice: str | None = None,
    message: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    claim = insurance.get_claim(session, user.principal, claim_id)
    pended = [line for line in claim.lines if line.outcome is LineOutcome.PENDED]
    # What the page offers mirrors the services' rules; the services still decide on a post.
    can_review = (
        claim.status is ClaimStatus.PENDED
        and user.principal.is_national
        and user.principal.can("Claim", "write")
    )
    can_reopen = claim.status is ClaimStatus.REVIEWED and user.principal.role is Role.ADMIN
    return page(
        request,
        "insurance/claim.html",
        status,
        claim=claim,
        facility_name=facilities.name_of(session, claim.facility_id),
        pended=pended,
        can_review=can_review,
        can_reopen=can_reopen,
        decisions=[d.value for d in ReviewDecision],
        notice=notice,
        message=message,
        errors=errors or {},
        form=form or {},
    )


@router.get("/claims/{claim_id}")
def claim_page(
    claim_id: int, request: Request, session: SessionDep, user: UserDep, done: str = ""
) -> Response:
    """A claim: header facts, every line's outcome with its reasons in words, the review."""
    return _claim_page(request, session, user, claim_id, notice=DONE.get(done))


def _review_input(form: FormData, errors: dict[str, str]) -> ReviewIn | None:
    decision = str(form.get("decision") or "")
    note = str(form.get("note") or "").strip()
    if decision not in {d.value for d in ReviewDecision}:
        errors["decision"] = MESSAGES["decision"]
    if not 3 <= len(note) <= 2000:
        errors["note"] = MESSAGES["note"]
    adjustments: dict[int, int] = {}
    if decision == ReviewDecision.ADJUST.value:
        for key, raw in form.multi_items():
            line = key.removeprefix("amount_")
            if key.startswith("amount_") and line.isdigit() and str(raw).strip():
                try:
                    adjustments[int(line)] = parse_azn(str(raw))
                except ValueError as exc:
                    errors[f"adjustments.{line}"] = str(exc)
    if errors:
        return None
    try:
        return ReviewIn(decision=ReviewDecision(decision), note=note, adjustments=adjustments)
    except ValidationError as exc:
        errors.update(problems(exc))
        return None


@router.post("/claims/{claim_id}/review")
def review_claim(
    claim_id: int, request: Request, session: SessionDep, user: FormUserDep, form: FormDep
) -> Response:
    """Approve, adjust (an amount per pended line) or reject a pended claim, with a note."""
    echo = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    errors: dict[str, str] = {}
    data = _review_input(form, errors)
    if data is None:
        return _claim_page(
            request, session, user, claim_id, status=422, errors=errors, form=echo,
            message=N_("The decision was not saved: correct the marked fields."),
        )  # fmt: skip
    try:
        insurance.decide(session, user.principal, claim_id, data)
    except (Invalid, Conflict) as exc:
        rollback(session)
        return _claim_page(
            request, session, user, claim_id, status=HTTP_STATUS[exc.kind],
            message=exc.detail, errors=exc.fields, form=echo,
        )  # fmt: skip
    return RedirectResponse(f"/claims/{claim_id}?done=reviewed", status_code=303)


@router.post("/claims/{claim_id}/reopen")
def reopen_claim(
    claim_id: int, request: Request, session: SessionDep, user: FormUserDep, form: FormDep
) -> Response:
    """A supervisor reopens a reviewed claim: it is judged again and returns to the queue."""
    note = str(form.get("reopen_note") or "").strip()
    if not 3 <= len(note) <= 2000:
        return _claim_page(
            request, session, user, claim_id, status=422, form={"reopen_note": note},
            errors={"reopen_note": MESSAGES["note"]},
        )  # fmt: skip
    try:
        insurance.reopen(session, user.principal, claim_id, note)
    except (Invalid, Conflict) as exc:
        rollback(session)
        return _claim_page(
            request, session, user, claim_id, status=HTTP_STATUS[exc.kind], message=exc.detail,
            form={"reopen_note": note},
        )  # fmt: skip
    return RedirectResponse(f"/claims/{claim_id}?done=reopened", status_code=303)


# --- payments -------------------------------------------------------------------------------


def _payments_page(
    request: Request,
    session: Session,
    user: WebUser,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    return page(
        request,
        "insurance/payments.html",
        status,
        periods=insurance.payment_periods(session, user.principal),
        can_run=user.principal.can("Payment", "write"),
        national=user.principal.is_national,
        errors=errors or {},
        form=form or {},
    )


@router.get("/payments")
def payments(request: Request, session: SessionDep, user: UserDep) -> Response:
    """The months with a payment run: open or closed, when run, what they pay."""
    return _payments_page(request, session, user)


@router.post("/payments")
def run_new_month(
    request: Request, session: SessionDep, user: FormUserDep, form: FormDep
) -> Response:
    """Run the payments of a month (the first run opens it)."""
    period = str(form.get("period") or "").strip()
    if not MONTH.match(period):
        return _payments_page(
            request, session, user, status=422, errors={"period": MESSAGES["period"]},
            form={"period": period},
        )  # fmt: skip
    try:
        insurance.run_payments(session, user.principal, period)
    except (Invalid, Conflict) as exc:
        rollback(session)
        return _payments_page(
            request, session, user, status=HTTP_STATUS[exc.kind],
            errors={"period": exc.detail}, form={"period": period},
        )  # fmt: skip
    return RedirectResponse(f"/payments/{period}?done=run", status_code=303)


FACILITIES_PER_PAGE = 100


def _period_page(
    request: Request,
    session: Session,
    user: WebUser,
    period: str,
    *,
    status: int = 200,
    notice: str | None = None,
    message: str | None = None,
    page_number: int = 1,
) -> Response:
    statement = insurance.get_period(session, user.principal, period)
    # A facility's users see their own facilities' rows (their statements are theirs only).
    scope = patients.facility_scope(session, user.principal)
    everyone = [p for p in statement.payments if scope is None or p.facility_id in scope]
    pages = max(1, -(-len(everyone) // FACILITIES_PER_PAGE))
    page_number = min(max(page_number, 1), pages)
    first = (page_number - 1) * FACILITIES_PER_PAGE
    rows = everyone[first : first + FACILITIES_PER_PAGE]
    totals = {
        name: sum(getattr(p, name) for p in everyone)
        for name in (
            "fee_for_service_minor", "capitation_minor", "enrolled", "per_case_minor", "cases",
            "corrections_minor", "total_minor",
        )
    }  # fmt: skip
    return page(
        request,
        "insurance/period.html",
        status,
        statement=statement,
        rows=rows,
        paid_count=len(everyone),
        totals=totals,
        first_shown=first + 1,
        page_number=page_number,
        pages=pages,
        national=scope is None,
        shown_total=totals["total_minor"],
        names=_facility_names(session, {p.facility_id for p in rows}),
        can_write=user.principal.can("Payment", "write") and statement.status == "open",
        notice=notice,
        message=message,
    )


@router.get("/payments/{period}")
def payment_period(
    period: str,
    request: Request,
    session: SessionDep,
    user: UserDep,
    done: str = "",
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> Response:
    """A month's payments per facility by method (a page of facilities at a time), the month's
    total and its status."""
    return _period_page(
        request, session, user, period, notice=DONE.get(done), page_number=page_number
    )


def _period_action(
    request: Request, session: Session, user: WebUser, period: str, action: str
) -> Response:
    try:
        if action == "run":
            insurance.run_payments(session, user.principal, period)
        else:
            insurance.close_period(session, user.principal, period)
    except (Invalid, Conflict) as exc:
        rollback(session)
        return _period_page(
            request, session, user, period, status=HTTP_STATUS[exc.kind], message=exc.detail
        )
    return RedirectResponse(f"/payments/{period}?done={action}", status_code=303)


@router.post("/payments/{period}/run")
def run_period(period: str, request: Request, session: SessionDep, user: FormUserDep) -> Response:
    """Compute the month's payments again (while it is open)."""
    return _period_action(request, session, user, period, "run")


@router.post("/payments/{period}/close")
def close_period(period: str, request: Request, session: SessionDep, user: FormUserDep) -> Response:
    """Close the month: its payments never change; later corrections go into the next month."""
    return _period_action(request, session, user, period, "closed")


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/payments/{period}/remittance/{facility_id}.csv")
def remittance_csv(period: str, facility_id: int, session: SessionDep, user: UserDep) -> Response:
    """The facility's remittance statement of the month as CSV (money in qəpik)."""
    return Response(
        insurance.remittance_csv(session, user.principal, period, facility_id),
        media_type="text/csv; charset=utf-8",
        headers=_attachment(f"remittance-{period}-{facility_id}.csv"),
    )


@router.get("/payments/{period}/remittance/{facility_id}.pdf")
def remittance_pdf(period: str, facility_id: int, session: SessionDep, user: UserDep) -> Response:
    """The printable remittance statement of the month."""
    return Response(
        insurance.remittance_pdf(session, user.principal, period, facility_id),
        media_type="application/pdf",
        headers=_attachment(f"remittance-{period}-{facility_id}.pdf"),
    )


# --- signals --------------------------------------------------------------------------------


def _last_month() -> str:
    first = today().replace(day=1)
    return f"{first.year - (first.month == 1)}-{(first.month - 2) % 12 + 1:02d}"


def _subject_names(session: Session, user: WebUser, signals: list[Signal]) -> dict[str, str]:
    """ "facility 12" / "practitioner 7" → a name to show (the id when a name is not visible)."""
    names = {
        f"facility {s.subject_id}": facilities.name_of(session, s.subject_id)
        for s in signals
        if s.subject == "facility"
    }
    doctors = sorted({s.subject_id for s in signals if s.subject == "practitioner"})
    if doctors and user.principal.can("Practitioner", "read"):
        for p in workforce.read_practitioners(session, user.principal, doctors):
            names[f"practitioner {p.id}"] = f"{p.surname} {p.given_name}"
    return names


@router.get("/signals")
def signals(request: Request, session: SessionDep, user: UserDep, period: str = "") -> Response:
    """Facilities and practitioners far from their peers in a month, by robust z-score."""
    period = period.strip()
    if period and not MONTH.match(period):
        return page(
            request, "insurance/signals.html", 422, period=period, signals=[], names={},
            measures=MEASURES, errors={"period": MESSAGES["period"]},
        )  # fmt: skip
    chosen = period or insurance.latest_claim_period(session, user.principal) or _last_month()
    found = insurance.outliers(session, user.principal, chosen)
    return page(
        request,
        "insurance/signals.html",
        period=chosen,
        signals=found,
        names=_subject_names(session, user, found),
        measures=MEASURES,
        errors={},
    )

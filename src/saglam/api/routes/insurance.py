"""Compulsory health insurance: coverage and contributions, the benefit package, claims with
adjudication and review, provider payment with remittance statements, and outlier signals."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from saglam.core.errors import Invalid
from saglam.http.deps import PrincipalDep, ReadOnlyPrincipalDep, SessionDep
from saglam.http.routing import UnitOfWorkRoute
from saglam.insurance import service as insurance
from saglam.insurance.schemas import (
    BatchReport,
    ClaimIn,
    ClaimRead,
    ContributionRead,
    ContributionSummary,
    CoverageCreate,
    CoverageRead,
    Eligibility,
    PackageItemRead,
    PackageVersionCreate,
    PackageVersionRead,
    PeriodRead,
    ReviewIn,
    Signal,
)

router = APIRouter(tags=["insurance"], route_class=UnitOfWorkRoute)
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
IMPORT_LIMIT = 50 * 1024 * 1024


# --- coverage and contributions -------------------------------------------------------------


@router.post("/coverage", response_model=CoverageRead, status_code=201)
def enrol(data: CoverageCreate, session: SessionDep, actor: PrincipalDep) -> CoverageRead:
    """Enrol a person for a period (overlapping periods are refused)."""
    return insurance.enrol(session, actor, data)


@router.post("/coverage/auto-enrol")
def auto_enrol(
    session: SessionDep, actor: PrincipalDep, on: Annotated[date | None, Body(embed=True)] = None
) -> dict[str, int]:
    """Cover everyone in a state-paid group (children, pensioners …) who has no cover."""
    return {"enrolled": insurance.auto_enrol(session, actor, on or date.today())}


@router.post("/coverage/{coverage_id}/end", response_model=CoverageRead)
def end_coverage(
    coverage_id: int,
    session: SessionDep,
    actor: PrincipalDep,
    end: Annotated[date, Body(embed=True)],
) -> CoverageRead:
    return insurance.end_coverage(session, actor, coverage_id, end)


@router.post("/coverage/{coverage_id}/contributions", response_model=list[ContributionRead])
def bill_month(
    coverage_id: int,
    session: SessionDep,
    actor: PrincipalDep,
    month: Annotated[str, Body(embed=True, pattern=MONTH)],
) -> list[ContributionRead]:
    """The contributions due for one month of an enrolment, by the profile's premium rules."""
    return insurance.bill_month(
        session, actor, insurance.get_coverage(session, actor, coverage_id), month
    )


@router.get("/patients/{patient_id}/coverage", response_model=list[CoverageRead])
def coverage_of(patient_id: int, session: SessionDep, actor: PrincipalDep) -> list[CoverageRead]:
    return insurance.coverage_of(session, actor, patient_id)


@router.get("/patients/{patient_id}/eligibility", response_model=Eligibility)
def eligibility(
    patient_id: int, session: SessionDep, actor: PrincipalDep, on: date | None = None
) -> Eligibility:
    """Whether the person is covered on a date (today by default), by which category and payer."""
    return insurance.eligibility(session, actor, patient_id, on or date.today())


@router.get("/patients/{patient_id}/contributions", response_model=ContributionSummary)
def contributions(patient_id: int, session: SessionDep, actor: PrincipalDep) -> ContributionSummary:
    return insurance.contributions(session, actor, patient_id)


# --- benefit package ------------------------------------------------------------------------


@router.get("/package/versions", response_model=list[PackageVersionRead])
def package_versions(session: SessionDep, actor: PrincipalDep) -> list[PackageVersionRead]:
    return insurance.package_versions(session, actor)


@router.get("/package/versions/{version_id}/items", response_model=list[PackageItemRead])
def package_items(
    version_id: int, session: SessionDep, actor: PrincipalDep
) -> list[PackageItemRead]:
    return insurance.package_items(session, actor, version_id)


@router.post("/package/versions", response_model=PackageVersionRead, status_code=201)
def new_package_version(
    data: PackageVersionCreate, session: SessionDep, actor: PrincipalDep
) -> PackageVersionRead:
    """A new version in force from a future date: the version before it with these changes."""
    return insurance.new_package_version(session, actor, data)


# --- claims ---------------------------------------------------------------------------------


@router.post("/claims", response_model=ClaimRead, status_code=201)
async def submit_claim(
    data: ClaimIn, request: Request, response: Response, actor: ReadOnlyPrincipalDep
) -> ClaimRead:
    """Submit and judge a claim in real time. The same identifier again returns the first result
    (200, not a second claim); a different claim under a used identifier is a conflict (409).
    Claims arriving together are judged together (see ``insurance.realtime``)."""
    batcher: insurance.ClaimBatcher = request.app.state.claim_batcher
    claim, created = await batcher.submit_async(actor, data)
    if not created:
        response.status_code = 200
    return claim


@router.post("/claims/import")
def import_claims(
    request: Request,
    body: Annotated[bytes, Body(media_type="application/x-ndjson")],
    session: SessionDep,
    actor: PrincipalDep,
) -> dict[str, Any]:
    """Many claims in one request: NDJSON (``application/x-ndjson``, a claim per line) or CSV
    (``text/csv``, a line per row). Nothing is stored when any claim is malformed."""
    kind = _import_kind(request.headers.get("content-type", ""))
    if len(body) > IMPORT_LIMIT:
        raise Invalid("too-large", f"at most {IMPORT_LIMIT // (1024 * 1024)} MB per import")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid("bad-encoding", "the file is not UTF-8") from exc
    claims, problems = insurance.parse_claims(text, kind)
    if problems:
        raise Invalid("bad-claims", f"{len(problems)} claims are malformed", fields=problems)
    return insurance.import_claims(session, actor, claims)


def _import_kind(content_type: str) -> str:
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media in ("application/x-ndjson", "application/ndjson"):
        return "ndjson"
    if media == "text/csv":
        return "csv"
    raise Invalid("bad-media-type", "send text/csv or application/x-ndjson")


@router.post("/claims/adjudicate", response_model=BatchReport)
def adjudicate(
    session: SessionDep, actor: PrincipalDep, period: Annotated[str, Query(pattern=MONTH)]
) -> BatchReport:
    """Judge every received claim of a month in one batch."""
    return insurance.adjudicate_period(session, actor, period)


@router.get("/claims/queue")
def review_queue(
    session: SessionDep,
    actor: PrincipalDep,
    status: str = "pended",
    facility_id: int | None = None,
    reason: Annotated[str | None, Query(pattern=r"^R\d\d$")] = None,
    min_amount: Annotated[int | None, Query(ge=0)] = None,
    older_than: date | None = None,
    sort: Annotated[str, Query(pattern=r"^(id|amount|age)$")] = "id",
    after_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Claims for review (pended by default), filtered and sorted, and the count per status."""
    items, counts = insurance.queue(
        session, actor, status=status, facility_id=facility_id, reason=reason,
        min_amount=min_amount, older_than=older_than, sort=sort, after_id=after_id, limit=limit,
    )  # fmt: skip
    return {
        "items": [c.model_dump(mode="json") for c in items],
        "counts": counts,
        "next_after_id": items[-1].id if len(items) == limit and sort == "id" else None,
    }


@router.get("/claims/{claim_id}", response_model=ClaimRead)
def get_claim(claim_id: int, session: SessionDep, actor: PrincipalDep) -> ClaimRead:
    return insurance.get_claim(session, actor, claim_id)


@router.get("/claims", response_model=ClaimRead)
def find_claim(
    session: SessionDep, actor: PrincipalDep, facility_id: int, identifier: str
) -> ClaimRead:
    """A claim by the submitting facility's own identifier."""
    return insurance.find_claim(session, actor, facility_id, identifier)


@router.post("/claims/{claim_id}/review", response_model=ClaimRead)
def review(claim_id: int, data: ReviewIn, session: SessionDep, actor: PrincipalDep) -> ClaimRead:
    """Approve, adjust (line id → amount) or reject a pended claim, with a note."""
    return insurance.decide(session, actor, claim_id, data)


@router.post("/claims/{claim_id}/reopen", response_model=ClaimRead)
def reopen(
    claim_id: int,
    session: SessionDep,
    actor: PrincipalDep,
    note: Annotated[str, Body(embed=True, min_length=3, max_length=2000)],
) -> ClaimRead:
    """A supervisor reopens a reviewed claim: it is judged again and returns to the queue."""
    return insurance.reopen(session, actor, claim_id, note)


# --- payment and signals --------------------------------------------------------------------


@router.post("/payments/{period}/run", response_model=PeriodRead)
def run_payments(period: str, session: SessionDep, actor: PrincipalDep) -> PeriodRead:
    """Compute every facility's payment for the month (again, while it is open)."""
    return insurance.run_payments(session, actor, period)


@router.get("/payments/{period}", response_model=PeriodRead)
def get_period(period: str, session: SessionDep, actor: PrincipalDep) -> PeriodRead:
    return insurance.get_period(session, actor, period)


@router.post("/payments/{period}/close", response_model=PeriodRead)
def close_period(period: str, session: SessionDep, actor: PrincipalDep) -> PeriodRead:
    """Close the month: its payments never change; later corrections go into the next month."""
    return insurance.close_period(session, actor, period)


@router.get("/payments/{period}/remittance/{facility_id}.csv")
def remittance_csv(
    period: str, facility_id: int, session: SessionDep, actor: PrincipalDep
) -> Response:
    return Response(
        insurance.remittance_csv(session, actor, period, facility_id),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="remittance-{period}-{facility_id}.csv"'
        },
    )


@router.get("/payments/{period}/remittance/{facility_id}.pdf")
def remittance_pdf(
    period: str, facility_id: int, session: SessionDep, actor: PrincipalDep
) -> Response:
    return Response(
        insurance.remittance_pdf(session, actor, period, facility_id),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="remittance-{period}-{facility_id}.pdf"'
        },
    )


@router.get("/signals", response_model=list[Signal])
def signals(
    session: SessionDep, actor: PrincipalDep, period: Annotated[str, Query(pattern=MONTH)]
) -> list[Signal]:
    """Facilities and practitioners far from their peers in the month, with the numbers."""
    return insurance.outliers(session, actor, period)

"""The master patient index: register, search, read, update, duplicates, merge and unmerge."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Query

from saglam.core.errors import Invalid
from saglam.http.deps import PrincipalDep, SessionDep
from saglam.http.routing import UnitOfWorkRoute
from saglam.patients import service as patients
from saglam.patients.schemas import (
    CandidateRead,
    MergeRead,
    MergeRequest,
    PatientCreate,
    PatientPage,
    PatientQuery,
    PatientRead,
    PatientUpdate,
)

router = APIRouter(tags=["patients"], route_class=UnitOfWorkRoute)


@router.get("/patients", response_model=PatientPage)
def search_patients(
    session: SessionDep,
    actor: PrincipalDep,
    fin: str | None = None,
    name: Annotated[
        str | None, Query(description="surname, optionally followed by the given name")
    ] = None,
    given_name: str | None = None,
    birth_date: date | None = None,
    district_code: str | None = None,
    phone: str | None = None,
    facility_id: int | None = None,
    include_merged: bool = False,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> PatientPage:
    """Exact national id, or name search (Azerbaijani letters folded, prefix and phonetic)."""
    query = PatientQuery(
        fin=fin, name=name, given_name=given_name, birth_date=birth_date, district_code=district_code,
        phone=phone, facility_id=facility_id, include_merged=include_merged, cursor=cursor, limit=limit,
    )  # fmt: skip
    return patients.search(session, actor, query)


@router.get("/patients/by-fin/{fin}", response_model=PatientRead)
def by_fin(fin: str, session: SessionDep, actor: PrincipalDep) -> PatientRead:
    return patients.find_by_fin(session, actor, fin)


@router.post("/patients", response_model=PatientRead, status_code=201)
def register(data: PatientCreate, session: SessionDep, actor: PrincipalDep) -> PatientRead:
    return patients.register(session, actor, data)


@router.get("/patients/{patient_id}", response_model=PatientRead)
def get_patient(patient_id: int, session: SessionDep, actor: PrincipalDep) -> PatientRead:
    return patients.get(session, actor, patient_id)


@router.patch("/patients/{patient_id}", response_model=PatientRead)
def update_patient(
    patient_id: int,
    data: PatientUpdate,
    session: SessionDep,
    actor: PrincipalDep,
    if_match: Annotated[str | None, Header()] = None,
) -> PatientRead:
    """Update demographics; send ``If-Match: <version>`` to refuse lost updates (412)."""
    expected = None
    if if_match:
        text = if_match.strip().removeprefix("W/").strip('"')
        if not text.isdigit():
            raise Invalid("bad-if-match", "If-Match must carry the record's version number")
        expected = int(text)
    return patients.update(session, actor, patient_id, data, expected_version=expected)


@router.get("/patients/{patient_id}/merges", response_model=list[MergeRead])
def merges(patient_id: int, session: SessionDep, actor: PrincipalDep) -> list[MergeRead]:
    return patients.merges_of(session, actor, patient_id)


@router.post("/patient-merges", response_model=MergeRead, status_code=201)
def merge(data: MergeRequest, session: SessionDep, actor: PrincipalDep) -> MergeRead:
    """Merge one record into another; the merged record is kept and links to the survivor."""
    return patients.merge(session, actor, data)


@router.post("/patient-merges/{merge_id}/undo", response_model=MergeRead)
def unmerge(merge_id: int, session: SessionDep, actor: PrincipalDep) -> MergeRead:
    return patients.unmerge(session, actor, merge_id)


@router.get("/patient-duplicates", response_model=list[CandidateRead])
def duplicates(
    session: SessionDep,
    actor: PrincipalDep,
    min_score: float = 0.0,
    after_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[CandidateRead]:
    """Open duplicate candidates found by the last detection run (``saglam patients dedup``)."""
    return patients.list_candidates(
        session, actor, min_score=min_score, after_id=after_id, limit=limit
    )


@router.post("/patient-duplicates/{candidate_id}/dismiss", response_model=CandidateRead)
def dismiss(candidate_id: int, session: SessionDep, actor: PrincipalDep) -> CandidateRead:
    return patients.dismiss_candidate(session, actor, candidate_id)

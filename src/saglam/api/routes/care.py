"""Care records: record an encounter (with diagnoses, services, results, referrals and
prescriptions), change its status, read it, and a patient's whole record."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from saglam.care import service as care
from saglam.care.schemas import EncounterCreate, EncounterRecord, StatusChange
from saglam.http.deps import PrincipalDep, SessionDep
from saglam.http.routing import UnitOfWorkRoute
from saglam.patients import service as patients
from saglam.patients.schemas import PatientRead

router = APIRouter(tags=["care"], route_class=UnitOfWorkRoute)


@router.post(
    "/encounters", response_model=EncounterRecord, status_code=201, response_model_by_alias=True
)
def record_encounter(
    data: EncounterCreate, session: SessionDep, actor: PrincipalDep
) -> EncounterRecord:
    """Everything is checked first (ICD-10, sex/age rules, dates inside the encounter, death,
    catalogue codes, units); nothing is saved when anything is wrong."""
    return care.record_encounter(session, actor, data)


@router.get("/encounters/{encounter_id}", response_model=EncounterRecord)
def get_encounter(encounter_id: int, session: SessionDep, actor: PrincipalDep) -> EncounterRecord:
    return care.get_encounter(session, actor, encounter_id)


@router.post("/encounters/{encounter_id}/status", response_model=EncounterRecord)
def change_status(
    encounter_id: int, change: StatusChange, session: SessionDep, actor: PrincipalDep
) -> EncounterRecord:
    """planned → in-progress → finished, or cancelled; any other move is refused (422)."""
    return care.change_status(session, actor, encounter_id, change)


@router.post("/patients/check-in", response_model=PatientRead)
def check_in(
    session: SessionDep,
    actor: PrincipalDep,
    fin: Annotated[str, Body()],
    facility_id: Annotated[int, Body()],
) -> PatientRead:
    """Find a patient by exact national id and make them visible at the actor's facility."""
    return patients.check_in(session, actor, fin, facility_id)


@router.get("/patients/{patient_id}/record")
def patient_record(
    patient_id: int,
    session: SessionDep,
    actor: PrincipalDep,
    count: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """The patient's whole care record (merged records included), paged."""
    patient, page, total = care.everything(session, actor, patient_id, count=count, offset=offset)
    return {
        "patient": patient.model_dump(mode="json"),
        "total": total,
        "items": [
            {"kind": kind, "record": dto.model_dump(mode="json", by_alias=True)}
            for kind, dto in page
        ],
        "next_offset": offset + count if offset + count < total else None,
    }

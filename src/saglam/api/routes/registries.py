"""Locations, facilities with their lifecycle and equipment, and the workforce."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel

from saglam.country import service as country
from saglam.country.enums import LocationKind
from saglam.country.schemas import LocationRead
from saglam.facilities import service as facilities
from saglam.facilities.enums import FacilityStatus
from saglam.facilities.schemas import (
    EquipmentCreate,
    EquipmentRead,
    EquipmentUpdate,
    EventCreate,
    EventRead,
    FacilityCreate,
    FacilityQuery,
    FacilityRead,
    FacilityUpdate,
)
from saglam.http.deps import PrincipalDep, SessionDep
from saglam.http.routing import UnitOfWorkRoute
from saglam.workforce import service as workforce
from saglam.workforce.schemas import (
    EmploymentCreate,
    EmploymentRead,
    PractitionerCreate,
    PractitionerQuery,
    PractitionerRead,
    PractitionerUpdate,
)

router = APIRouter(route_class=UnitOfWorkRoute)


class FacilityPage(BaseModel):
    items: list[FacilityRead]
    next_after_id: int | None


class PractitionerPage(BaseModel):
    items: list[PractitionerRead]
    next_after_id: int | None


class StaffMember(BaseModel):
    employment: EmploymentRead
    practitioner: PractitionerRead


@router.get("/locations", response_model=list[LocationRead], tags=["locations"])
def list_locations(
    session: SessionDep,
    actor: PrincipalDep,
    kind: LocationKind | None = None,
    parent: str | None = None,
) -> list[LocationRead]:
    return country.list_locations(session, actor, kind, parent)


@router.get("/locations/{code}", response_model=LocationRead, tags=["locations"])
def get_location(code: str, session: SessionDep, actor: PrincipalDep) -> LocationRead:
    return country.get_location(session, actor, code)


@router.get("/facilities", response_model=FacilityPage, tags=["facilities"])
def search_facilities(
    session: SessionDep,
    actor: PrincipalDep,
    name: str | None = None,
    type_code: str | None = None,
    level: str | None = None,
    category: str | None = None,
    district_code: str | None = None,
    region_code: str | None = None,
    contracted: bool | None = None,
    status: FacilityStatus | None = None,
    after_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> FacilityPage:
    query = FacilityQuery(
        name=name, type_code=type_code, level=level, category=category, district_code=district_code,
        region_code=region_code, contracted=contracted, status=status, after_id=after_id, limit=limit,
    )  # fmt: skip
    items, next_after = facilities.search_facilities(session, actor, query)
    return FacilityPage(items=items, next_after_id=next_after)


@router.post("/facilities", response_model=FacilityRead, status_code=201, tags=["facilities"])
def create_facility(data: FacilityCreate, session: SessionDep, actor: PrincipalDep) -> FacilityRead:
    return facilities.create_facility(session, actor, data)


@router.get("/facilities/{facility_id}", response_model=FacilityRead, tags=["facilities"])
def get_facility(facility_id: int, session: SessionDep, actor: PrincipalDep) -> FacilityRead:
    return facilities.get_facility(session, actor, facility_id)


@router.patch("/facilities/{facility_id}", response_model=FacilityRead, tags=["facilities"])
def update_facility(
    facility_id: int, data: FacilityUpdate, session: SessionDep, actor: PrincipalDep
) -> FacilityRead:
    return facilities.update_facility(session, actor, facility_id, data)


@router.get("/facilities/{facility_id}/events", response_model=list[EventRead], tags=["facilities"])
def list_events(facility_id: int, session: SessionDep, actor: PrincipalDep) -> list[EventRead]:
    return facilities.list_events(session, actor, facility_id)


@router.post(
    "/facilities/{facility_id}/events",
    response_model=EventRead,
    status_code=201,
    tags=["facilities"],
)
def record_event(
    facility_id: int, data: EventCreate, session: SessionDep, actor: PrincipalDep
) -> EventRead:
    return facilities.record_event(session, actor, facility_id, data)


@router.get(
    "/facilities/{facility_id}/equipment", response_model=list[EquipmentRead], tags=["facilities"]
)
def list_equipment(
    facility_id: int, session: SessionDep, actor: PrincipalDep
) -> list[EquipmentRead]:
    return facilities.list_equipment(session, actor, facility_id)


@router.post(
    "/facilities/{facility_id}/equipment",
    response_model=EquipmentRead,
    status_code=201,
    tags=["facilities"],
)
def add_equipment(
    facility_id: int, data: EquipmentCreate, session: SessionDep, actor: PrincipalDep
) -> EquipmentRead:
    return facilities.add_equipment(session, actor, facility_id, data)


@router.patch("/equipment/{equipment_id}", response_model=EquipmentRead, tags=["facilities"])
def update_equipment(
    equipment_id: int, data: EquipmentUpdate, session: SessionDep, actor: PrincipalDep
) -> EquipmentRead:
    return facilities.update_equipment(session, actor, equipment_id, data)


@router.get("/facilities/{facility_id}/staff", response_model=list[StaffMember], tags=["workforce"])
def staff(facility_id: int, session: SessionDep, actor: PrincipalDep) -> list[StaffMember]:
    return [
        StaffMember(employment=e, practitioner=p)
        for e, p in workforce.staff(session, actor, facility_id)
    ]


@router.get("/practitioners", response_model=PractitionerPage, tags=["workforce"])
def search_practitioners(
    session: SessionDep,
    actor: PrincipalDep,
    name: str | None = None,
    licence_number: str | None = None,
    specialty_code: str | None = None,
    profession_code: str | None = None,
    facility_id: int | None = None,
    nationality: str | None = None,
    after_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PractitionerPage:
    query = PractitionerQuery(
        name=name, licence_number=licence_number, specialty_code=specialty_code, profession_code=profession_code,
        facility_id=facility_id, nationality=nationality, after_id=after_id, limit=limit,
    )  # fmt: skip
    items, next_after = workforce.search_practitioners(session, actor, query)
    return PractitionerPage(items=items, next_after_id=next_after)


@router.post("/practitioners", response_model=PractitionerRead, status_code=201, tags=["workforce"])
def create_practitioner(
    data: PractitionerCreate, session: SessionDep, actor: PrincipalDep
) -> PractitionerRead:
    return workforce.create_practitioner(session, actor, data)


@router.get("/practitioners/{practitioner_id}", response_model=PractitionerRead, tags=["workforce"])
def get_practitioner(
    practitioner_id: int, session: SessionDep, actor: PrincipalDep
) -> PractitionerRead:
    return workforce.get_practitioner(session, actor, practitioner_id)


@router.patch(
    "/practitioners/{practitioner_id}", response_model=PractitionerRead, tags=["workforce"]
)
def update_practitioner(
    practitioner_id: int, data: PractitionerUpdate, session: SessionDep, actor: PrincipalDep
) -> PractitionerRead:
    return workforce.update_practitioner(session, actor, practitioner_id, data)


@router.get(
    "/practitioners/{practitioner_id}/employments",
    response_model=list[EmploymentRead],
    tags=["workforce"],
)
def employments(
    practitioner_id: int, session: SessionDep, actor: PrincipalDep
) -> list[EmploymentRead]:
    return workforce.employments(session, actor, practitioner_id)


@router.post(
    "/practitioners/{practitioner_id}/employments",
    response_model=EmploymentRead,
    status_code=201,
    tags=["workforce"],
)
def add_employment(
    practitioner_id: int, data: EmploymentCreate, session: SessionDep, actor: PrincipalDep
) -> EmploymentRead:
    return workforce.add_employment(session, actor, practitioner_id, data)


@router.post("/employments/{employment_id}/end", response_model=EmploymentRead, tags=["workforce"])
def end_employment(
    employment_id: int,
    session: SessionDep,
    actor: PrincipalDep,
    end_on: Annotated[date, Body(embed=True)],
) -> EmploymentRead:
    return workforce.end_employment(session, actor, employment_id, end_on)

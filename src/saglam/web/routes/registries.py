"""Web screens of the registries: patient search and the patient's page, facilities and their
page, practitioners. Every view of a patient is audited by the services."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import Response

from saglam.care import service as care
from saglam.core.errors import Invalid
from saglam.core.query import Criterion
from saglam.core.query import Query as Criteria
from saglam.country import service as country
from saglam.country.enums import LocationKind
from saglam.facilities import service as facilities
from saglam.facilities.schemas import FacilityQuery
from saglam.http.deps import SessionDep
from saglam.http.routing import UnitOfWorkRoute
from saglam.insurance import service as insurance
from saglam.patients import service as patients
from saglam.patients.schemas import PatientQuery
from saglam.web.problems import problems
from saglam.web.render import page
from saglam.web.session import UserDep, WebUser
from saglam.workforce import service as workforce

router = APIRouter(route_class=UnitOfWorkRoute)
RECENT = 20


@router.get("/patients")
def patient_search(
    request: Request,
    session: SessionDep,
    user: UserDep,
    fin: str = "",
    name: str = "",
    birth_date: str = "",
    cursor: str | None = None,
) -> Response:
    """Search by FIN (exact) or by name (Azerbaijani letters optional), with a birth date."""
    form = {"fin": fin, "name": name, "birth_date": birth_date}
    if not (fin or name):
        return page(request, "registries/patients.html", form=form, results=None)
    try:
        query = PatientQuery(
            fin=fin or None,
            name=name or None,
            birth_date=birth_date or None,
            cursor=cursor,
            limit=25,
        )
        found = patients.search(session, user.principal, query)
    except ValidationError as exc:
        return page(
            request,
            "registries/patients.html",
            422,
            form=form,
            results=None,
            errors=problems(exc),
        )
    except Invalid as exc:
        return page(
            request, "registries/patients.html", 422, form=form, results=None,
            errors=exc.fields, message=exc.detail,
        )  # fmt: skip
    return page(request, "registries/patients.html", form=form, results=found)


def _care_section(session: Any, user: WebUser, kind: str, patient_id: int, sort: str) -> list[Any]:
    if not user.principal.can(kind, "read"):
        return []
    query = Criteria(
        clauses=(Criterion("patient_id", "eq", patient_id),), sort=((sort, True),), limit=RECENT
    )
    return care.find(session, user.principal, kind, query)[0]


@router.get("/patients/{patient_id}")
def patient_page(
    request: Request,
    patient_id: int,
    session: SessionDep,
    user: UserDep,
    recorded: int | None = None,
) -> Response:
    """The patient's page: identity, coverage, recent care and claims (what the role may see)."""
    actor = user.principal
    patient = patients.get(session, actor, patient_id)
    coverage = eligibility = None
    if actor.can("Coverage", "read"):
        coverage = insurance.coverage_of(session, actor, patient_id)
    if actor.can("CoverageEligibilityRequest", "read"):
        eligibility = insurance.eligibility(session, actor, patient_id, date.today())
    claims = []
    if actor.can("Claim", "read"):
        criteria = Criteria(
            clauses=(Criterion("patient_id", "eq", patient_id),), sort=(("id", True),), limit=RECENT
        )
        claims = insurance.find_claims(session, actor, criteria)[0]
    facility_ids = {patient.registered_facility_id} if patient.registered_facility_id else set()
    encounters = _care_section(session, user, "Encounter", patient_id, "start")
    facility_ids |= {e.facility_id for e in encounters} | {c.facility_id for c in claims}
    return page(
        request,
        "registries/patient.html",
        patient=patient,
        district=country.location_name(session, patient.district_code)
        if patient.district_code
        else "",
        coverage=coverage,
        eligibility=eligibility,
        encounters=encounters,
        diagnoses=_care_section(session, user, "Condition", patient_id, "recorded_on"),
        results=_care_section(session, user, "Observation", patient_id, "effective_at"),
        referrals=_care_section(session, user, "ServiceRequest", patient_id, "authored_on"),
        claims=claims,
        facility_names={f: facilities.name_of(session, f) for f in facility_ids if f},
        title=care.diagnosis_title,
        can_record=actor.can("Encounter", "write"),
        recorded=recorded,
    )


@router.get("/facilities")
def facility_list(
    request: Request,
    session: SessionDep,
    user: UserDep,
    name: str = "",
    region: str = "",
    level: str = "",
    type_code: Annotated[str, Query(alias="type")] = "",
    after_id: int | None = None,
) -> Response:
    actor = user.principal
    query = FacilityQuery(
        name=name or None, region_code=region or None, level=level or None,
        type_code=type_code or None, after_id=after_id, limit=50,
    )  # fmt: skip
    found, next_after = facilities.search_facilities(session, actor, query)
    profile = country.active_profile(session)
    return page(
        request,
        "registries/facilities.html",
        facilities=found,
        next_after=next_after,
        form={"name": name, "region": region, "level": level, "type": type_code},
        regions=country.list_locations(session, actor, kind=LocationKind.REGION),
        types=profile_types(profile),
        districts={d.code: d.name_az for d in profile.districts},
    )


def profile_types(profile: Any) -> dict[str, str]:
    return {t.code: t.name_en for t in profile.facility_types}


@router.get("/facilities/{facility_id}")
def facility_page(
    request: Request, facility_id: int, session: SessionDep, user: UserDep
) -> Response:
    """A facility: facts, staff, equipment, lifecycle and what it was paid."""
    actor = user.principal
    facility = facilities.get_facility(session, actor, facility_id)
    staff = (
        workforce.staff(session, actor, facility_id)
        if actor.can("PractitionerRole", "read")
        else []
    )
    equipment = (
        facilities.list_equipment(session, actor, facility_id)
        if actor.can("Device", "read")
        else []
    )
    payments = []
    if actor.can("Payment", "read") and (
        actor.is_national or facility_id in set(user.user.facility_ids)
    ):
        payments = insurance.facility_payments(session, actor, facility_id)
    profile = country.active_profile(session)
    return page(
        request,
        "registries/facility.html",
        facility=facility,
        staff=[(e, p) for e, p in staff if e.end_on is None],
        equipment=equipment,
        events=facilities.list_events(session, actor, facility_id),
        payments=payments,
        district=country.location_name(session, facility.district_code)
        if facility.district_code
        else "",
        types=profile_types(profile),
    )


@router.get("/practitioners/{practitioner_id}")
def practitioner_page(
    request: Request, practitioner_id: int, session: SessionDep, user: UserDep
) -> Response:
    actor = user.principal
    practitioner = workforce.get_practitioner(session, actor, practitioner_id)
    jobs = workforce.employments(session, actor, practitioner_id)
    return page(
        request,
        "registries/practitioner.html",
        practitioner=practitioner,
        jobs=jobs,
        facility_names={j.facility_id: facilities.name_of(session, j.facility_id) for j in jobs},
    )

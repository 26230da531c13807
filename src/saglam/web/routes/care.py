"""Recording an encounter in the browser: diagnoses with ICD-10 search-as-you-type, services from
the catalogue, results, a referral and a prescription. The care service checks everything
first; on any problem the form comes back with the message next to the field and nothing saved."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from saglam.care import service as care
from saglam.care.schemas import EncounterCreate
from saglam.core.db import rollback
from saglam.core.errors import Invalid
from saglam.country import service as country
from saglam.country.profile import profile_table
from saglam.facilities import service as facilities
from saglam.http.deps import SessionDep
from saglam.http.routing import UnitOfWorkRoute, in_thread
from saglam.patients import service as patients
from saglam.web.i18n import N_, ZONE
from saglam.web.problems import problems
from saglam.web.render import page
from saglam.web.session import FormUserDep, UserDep, WebUser
from saglam.workforce import service as workforce

router = APIRouter(route_class=UnitOfWorkRoute)
ROWS = {"dx": 3, "svc": 4, "obs": 3}


def _choices(session: Any, user: WebUser, facility_id: int) -> dict[str, Any]:
    profile = country.active_profile(session)
    tests: dict[str, Any] = {}
    for t in profile_table(profile.name, "lab_tests"):
        tests.setdefault(t.loinc, t)
    doctors = (
        [p for e, p in workforce.staff(session, user.principal, facility_id) if e.end_on is None]
        if facility_id and user.principal.can("PractitionerRole", "read")
        else []
    )
    return {
        "tests": sorted(tests.values(), key=lambda t: t.name_en),
        "specialties": profile.specialties,
        "medicines": profile_table(profile.name, "formulary"),
        "doctors": doctors,
        "facility_names": {f: facilities.name_of(session, f) for f in user.user.facility_ids},
        "rows": ROWS,
    }


def _form_page(
    request: Request, session: Any, user: WebUser, form: dict[str, str], status: int = 200,
    errors: dict[str, str] | None = None, message: str | None = None,
) -> Response:  # fmt: skip
    patient = patients.get(session, user.principal, int(form["patient_id"]))
    facility_id = int(form.get("facility_id") or 0)
    return page(
        request, "care/encounter_form.html", status, patient=patient, form=form,
        errors=errors or {}, message=message, **_choices(session, user, facility_id),
    )  # fmt: skip


@router.get("/care/encounters/new")
def new_encounter(
    request: Request, patient_id: int, session: SessionDep, user: UserDep
) -> Response:
    facility = user.user.facility_ids[0] if user.user.facility_ids else 0
    now = datetime.now(ZONE).strftime("%Y-%m-%dT%H:%M")
    form = {
        "patient_id": str(patient_id),
        "facility_id": str(facility or ""),
        "class": "ambulatory",
        "start": now,
    }
    return _form_page(request, session, user, form)


def _local(text: str) -> datetime | str:
    """A datetime-local value from the form, in the country's zone."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZONE)
    except ValueError:
        return text


def _filled(form: dict[str, str], prefix: str) -> list[int]:
    """The rows of a repeated group the user filled in."""
    return [i for i in range(ROWS[prefix]) if form.get(f"{prefix}_{i}", "").strip()]


def encounter_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The service's input from the flat form fields (empty rows are left out)."""

    def rows(prefix: str) -> list[int]:
        return _filled(form, prefix)

    body: dict[str, Any] = {
        "patient_id": form.get("patient_id"), "facility_id": form.get("facility_id") or None,
        "class": form.get("class"), "status": "finished", "start": _local(form.get("start", "")),
        "end": None, "reason_code": form.get("dx_0", "").strip().upper() or None,
        "participants": [{"practitioner_id": form["practitioner_id"]}] if form.get("practitioner_id") else [],
        "diagnoses": [{"code": form[f"dx_{i}"].strip().upper(), "rank": n + 1} for n, i in enumerate(rows("dx"))],
        "services": [{"service_code": form[f"svc_{i}"].strip().upper(), "quantity": form.get(f"svcq_{i}") or 1} for i in rows("svc")],
        "observations": [{"loinc": form[f"obs_{i}"], "value": form.get(f"obsv_{i}") or None} for i in rows("obs")],
        "referrals": [], "prescriptions": [],
    }  # fmt: skip
    if form.get("ref_specialty") or form.get("ref_facility"):
        body["referrals"].append(
            {
                "to_specialty": form.get("ref_specialty") or None,
                "to_facility_id": form.get("ref_facility") or None,
                "reason_code": body["reason_code"],
                "note": form.get("ref_note", ""),
            }
        )
    if form.get("rx_code"):
        body["prescriptions"].append(
            {"medication_code": form["rx_code"], "dosage": form.get("rx_dosage", ""), "quantity": form.get("rx_quantity") or 1}
        )  # fmt: skip
    return body


_PATH = re.compile(r"^(diagnoses|services|observations|referrals|prescriptions)\.(\d+)\.(\w+)")
_PREFIX = {"diagnoses": "dx", "services": "svc", "observations": "obs"}
_ATTRIBUTE = {("services", "quantity"): "svcq", ("observations", "value"): "obsv"}
_TOP = {"start", "facility_id", "class", "patient_id"}


def field_of(path: str, form: dict[str, str]) -> str:
    """The form field a service error path points at (``diagnoses.1.code`` → ``dx_<row>``:
    rows left empty on the form are not sent, so indexes are counted over filled rows)."""
    match = _PATH.match(path)
    if not match:
        top = path.split(".", maxsplit=1)[0]
        return top if top in _TOP else "form"
    kind, index, attribute = match.group(1), int(match.group(2)), match.group(3)
    if kind == "referrals":
        return "ref_specialty"
    if kind == "prescriptions":
        return "rx_code"
    base = _PREFIX[kind]
    filled = _filled(form, base)
    row = filled[index] if index < len(filled) else index
    return f"{_ATTRIBUTE.get((kind, attribute), base)}_{row}"


@router.post("/care/encounters")
async def record_encounter(request: Request, session: SessionDep, user: FormUserDep) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await in_thread(lambda: _record_encounter(request, session, user, form))


def _record_encounter(
    request: Request, session: Session, user: WebUser, form: dict[str, str]
) -> Response:
    try:
        record = care.record_encounter(
            session, user.principal, EncounterCreate.model_validate(encounter_from_form(form))
        )
    except ValidationError as exc:
        errors = {field_of(path, form): message for path, message in problems(exc).items()}
        return _form_page(
            request, session, user, form, 422, errors, N_("The encounter was not saved.")
        )
    except Invalid as exc:
        rollback(session)
        errors = {field_of(path, form): message for path, message in exc.fields.items()}
        return _form_page(
            request, session, user, form, 422, errors, N_("The encounter was not saved.")
        )
    return RedirectResponse(
        f"/patients/{record.encounter.patient_id}?recorded={record.encounter.id}", status_code=303
    )


_TARGET = re.compile(r"^(dx|svc)_\d$")


def _typed(request: Request, target: str) -> str:
    """What the user typed into the field ``target`` (htmx sends the field by its name)."""
    return request.query_params.get(target, "") if _TARGET.match(target) else ""


@router.get("/care/icd10")
def icd10_suggestions(request: Request, user: UserDep, target: str = "dx_0") -> Response:
    """Suggestions for an ICD-10 field as the clinician types (htmx)."""
    found = care.find_diagnosis_codes(_typed(request, target))
    return page(request, "care/suggestions.html", items=found, target=target)


@router.get("/care/services")
def service_suggestions(
    request: Request, session: SessionDep, user: UserDep, target: str = "svc_0"
) -> Response:
    found = [(s.code, s.name_en) for s in care.find_services(session, _typed(request, target))]
    return page(request, "care/suggestions.html", items=found, target=target)

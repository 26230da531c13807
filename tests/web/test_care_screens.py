"""Recording an encounter through the web form: errors next to the field, nothing saved; then saved."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.care.rules import icd10_problem
from saglam.core.security import Role
from saglam.web.i18n import ZONE
from tests.factories import a_patient, doctor_at
from tests.web.test_registries_screens import web_login
from tests.web.test_translations import catalogue


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _encounters(client: TestClient, patient_id: int) -> int:
    return client.get(f"/patients/{patient_id}").text.count('<td><span class="badge">finished')


def test_an_invalid_icd10_code_comes_back_next_to_its_field_and_nothing_is_saved(
    client: TestClient, session: Session
) -> None:
    patient = a_patient(session)
    facility = patient.registered_facility_id
    assert facility
    web_login(client, session, Role.CLINICIAN, facility_ids=[facility])
    form = client.get("/care/encounters/new", params={"patient_id": patient.id})
    assert form.status_code == 200 and "Main diagnosis" in form.text
    before = _encounters(client, patient.id)
    data = {
        "csrf_token": _csrf(form.text), "patient_id": str(patient.id), "facility_id": str(facility),
        "class": "ambulatory", "start": datetime.now(ZONE).strftime("%Y-%m-%dT%H:%M"),
        "practitioner_id": str(doctor_at(session, facility)), "dx_0": "J06.9", "dx_1": "E11.99",
        "svc_0": "PC001", "obs_0": "2345-7", "obsv_0": "140",
    }  # fmt: skip
    refused = client.post("/care/encounters", data=data, follow_redirects=False)
    assert refused.status_code == 422
    assert 'id="dx_1-error"' in refused.text and "E11.99" in refused.text
    assert _encounters(client, patient.id) == before
    saved = client.post("/care/encounters", data=data | {"dx_1": "E11.9"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:3000]
    after = client.get(saved.headers["location"])
    assert "The encounter was saved." in after.text and "E11.9" in after.text


def test_icd10_and_service_suggestions_as_you_type(client: TestClient, session: Session) -> None:
    web_login(client, session, Role.CLINICIAN)
    found = client.get("/care/icd10", params={"target": "dx_0", "dx_0": "J06"})
    assert 'data-code="J06.9"' in found.text
    words = client.get("/care/icd10", params={"target": "dx_1", "dx_1": "essential hypertension"})
    assert 'data-code="I10"' in words.text
    services = client.get(
        "/care/services", params={"target": "svc_0", "svc_0": "electrocardiogram"}
    )
    assert 'data-code="PC013"' in services.text


@pytest.mark.parametrize("language", ["az", "ru"])
def test_a_refused_code_is_explained_in_the_readers_language(
    client: TestClient, session: Session, language: str
) -> None:
    patient = a_patient(session)
    facility = patient.registered_facility_id
    assert facility
    client.get(f"/language/{language}")
    web_login(client, session, Role.CLINICIAN, facility_ids=[facility])
    form = client.get("/care/encounters/new", params={"patient_id": patient.id})
    data = {
        "csrf_token": _csrf(form.text), "patient_id": str(patient.id), "facility_id": str(facility),
        "class": "ambulatory", "start": datetime.now(ZONE).strftime("%Y-%m-%dT%H:%M"),
        "practitioner_id": str(doctor_at(session, facility)), "dx_0": "XYZ.1",
    }  # fmt: skip
    refused = client.post("/care/encounters", data=data, follow_redirects=False)
    assert refused.status_code == 422
    shown = re.search(r'id="dx_0-error"[^>]*>(.*?)</p>', refused.text, flags=re.S)
    assert shown
    problem = icd10_problem("XYZ.1")
    assert problem is not None
    translated = catalogue(language).get(problem.template).string
    assert translated and translated != problem.template
    assert html.unescape(shown.group(1)) == translated % problem.values

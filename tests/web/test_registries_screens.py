"""Registries in the browser's HTML: patient search and page, facilities, practitioners."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.schemas import AuditQuery
from saglam.core.security import Role
from saglam.core.text import fold
from tests.factories import PASSWORD, SYSTEM, a_patient, make_user
from tests.web.test_translations import catalogue


def web_login(client: TestClient, session: Session, role: Role, **scope: list[int]) -> str:
    username = f"w-{role.value}"
    make_user(session, username, role, **scope)  # type: ignore[arg-type]
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": token.group(1),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    return username


def test_a_clerk_finds_a_patient_by_a_name_typed_without_azerbaijani_letters(
    client: TestClient, session: Session
) -> None:
    patient = a_patient(session)
    assert patient.registered_facility_id
    web_login(
        client, session, Role.REGISTRATION_CLERK, facility_ids=[patient.registered_facility_id]
    )
    typed = f"{fold(patient.surname)} {fold(patient.given_name)}"
    page = client.get("/patients", params={"name": typed})
    assert page.status_code == 200
    assert f"/patients/{patient.id}" in page.text
    assert (
        client.get("/patients", params={"fin": patient.fin}).text.count(f"/patients/{patient.id}")
        == 1
    )


def test_a_bad_search_shows_the_message_next_to_the_field(
    client: TestClient, session: Session
) -> None:
    web_login(client, session, Role.ADMIN)
    page = client.get("/patients", params={"name": "Aliyev", "birth_date": "31-31-2020"})
    assert page.status_code == 422 and 'id="birth-error"' in page.text
    assert "Enter a date as YYYY-MM-DD." in page.text  # pydantic's error in the screen's words
    client.get("/language/ru")
    page = client.get("/patients", params={"name": "Aliyev", "birth_date": "31-31-2020"})
    expected = catalogue("ru").get("Enter a date as YYYY-MM-DD.").string
    assert expected and f'id="birth-error">{expected}</p>' in page.text
    bad_page = client.get("/patients", params={"name": "Aliyev", "cursor": "zzz"})
    said = catalogue("ru").get("the paging cursor is not valid").string  # the domain's own words
    assert bad_page.status_code == 422 and said and said in bad_page.text


def test_the_patient_page_shows_coverage_and_care_and_is_audited(
    client: TestClient, session: Session
) -> None:
    patient = a_patient(session)
    web_login(client, session, Role.INSURANCE_OFFICER)
    page = client.get(f"/patients/{patient.id}")
    assert page.status_code == 200
    assert patient.surname in page.text and "Insurance" in page.text
    trail = audit.search(
        session, SYSTEM, AuditQuery(patient_id=patient.id, actor_name="w-insurance_officer")
    )
    assert any(e.action == "read" and e.entity_type == "Patient" for e in trail)


def test_a_ministry_analyst_cannot_open_a_patient_page(
    client: TestClient, session: Session
) -> None:
    patient = a_patient(session)
    web_login(client, session, Role.MINISTRY_ANALYST)
    page = client.get(f"/patients/{patient.id}")
    assert page.status_code == 403
    denied = audit.search(
        session, SYSTEM, AuditQuery(actor_name="w-ministry_analyst", outcome="denied")
    )
    assert denied


def test_facility_list_filters_and_the_facility_page_shows_staff_and_equipment(
    client: TestClient, session: Session
) -> None:
    web_login(client, session, Role.ADMIN)
    listing = client.get("/facilities", params={"level": "tertiary"})
    assert listing.status_code == 200
    ids = re.findall(r'href="/facilities/(\d+)"', listing.text)
    assert ids
    facility = client.get(f"/facilities/{ids[0]}")
    assert facility.status_code == 200
    assert "Equipment" in facility.text and "health worker" in facility.text
    doctor = re.search(r'href="/practitioners/(\d+)"', facility.text)
    assert doctor
    assert client.get(f"/practitioners/{doctor.group(1)}").status_code == 200


def test_pages_speak_the_chosen_language(client: TestClient, session: Session) -> None:
    web_login(client, session, Role.ADMIN)
    client.get("/language/ru", follow_redirects=False)
    assert 'lang="ru"' in client.get("/facilities").text
    client.get("/language/az", follow_redirects=False)
    assert 'lang="az"' in client.get("/facilities").text

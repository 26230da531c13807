"""The registries through HTTP: status codes, problem+json, scoping."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.core.security import Role
from tests.factories import login_as, patient_at, two_facilities


def test_clerk_of_facility_a_cannot_read_a_patient_of_facility_b(
    client: TestClient, session: Session
) -> None:
    a, b = two_facilities(session)
    headers = login_as(client, session, Role.REGISTRATION_CLERK, facility_ids=[a.id])
    mine, theirs = patient_at(session, a.id), patient_at(session, b.id)
    assert client.get(f"/api/patients/{mine.id}", headers=headers).status_code == 200
    refused = client.get(f"/api/patients/{theirs.id}", headers=headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    admin = login_as(client, session, Role.ADMIN)
    trail = client.get(
        "/api/audit", params={"patient_id": theirs.id, "outcome": "denied"}, headers=admin
    ).json()
    assert trail and trail[0]["role"] == "registration_clerk"


def test_register_search_and_fetch_by_fin(client: TestClient, session: Session) -> None:
    a, _ = two_facilities(session)
    headers = login_as(client, session, Role.REGISTRATION_CLERK, facility_ids=[a.id])
    body = {
        "fin": "5XK9P2M", "surname": "Əliyeva", "given_name": "Günay", "patronymic": "Vüqar qızı",
        "sex": "female", "birth_date": "1991-07-14", "district_code": a.district_code,
    }  # fmt: skip
    created = client.post("/api/patients", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["registered_facility_id"] == a.id
    query = {"name": "aliyeva gunay", "birth_date": "1991-07-14"}
    found = client.get("/api/patients", params=query, headers=headers).json()
    assert [i["patient"]["fin"] for i in found["items"]] == ["5XK9P2M"]
    assert (
        client.get("/api/patients/by-fin/5xk9p2m", headers=headers).json()["surname"] == "Əliyeva"
    )


def test_bad_patient_input_is_problem_json_naming_the_field(
    client: TestClient, session: Session
) -> None:
    headers = login_as(client, session, Role.ADMIN)
    body = {
        "fin": "bad",
        "surname": "X",
        "given_name": "Y",
        "sex": "male",
        "district_code": "AZ-QBA",
    }
    response = client.post("/api/patients", json=body, headers=headers)
    assert response.status_code == 422
    assert "fin" in response.json()["fields"]
    unknown = client.post(
        "/api/patients", json={**body, "fin": None, "district_code": "AZ-XX"}, headers=headers
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown-district"
    extra = client.post(
        "/api/patients", json={**body, "fin": None, "shoe_size": 44}, headers=headers
    )
    assert extra.status_code == 422 and "shoe_size" in extra.json()["fields"]


def test_update_with_a_stale_version_is_412(client: TestClient, session: Session) -> None:
    headers = login_as(client, session, Role.ADMIN)
    body = {"surname": "Kərimov", "given_name": "Orxan", "sex": "male", "district_code": "AZ-QBA"}
    created = client.post("/api/patients", json=body, headers=headers).json()
    ok = client.patch(
        f"/api/patients/{created['id']}",
        json={"address": "Quba"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(
        f"/api/patients/{created['id']}",
        json={"address": "Qusar"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert stale.status_code == 412


def test_ministry_analyst_gets_403_on_patients_but_reads_facilities(
    client: TestClient, session: Session
) -> None:
    headers = login_as(client, session, Role.MINISTRY_ANALYST)
    assert (
        client.get("/api/patients", params={"name": "Əliyev"}, headers=headers).status_code == 403
    )
    facilities = client.get(
        "/api/facilities", params={"region_code": "AZ-ER-BAKU"}, headers=headers
    )
    assert facilities.status_code == 200 and facilities.json()["items"]
    assert (
        client.get("/api/locations", params={"kind": "region"}, headers=headers)
        .json()[0]["code"]
        .startswith("AZ-ER-")
    )


def test_locations_carry_azerbaijani_and_english_names(
    client: TestClient, session: Session
) -> None:
    headers = login_as(client, session, Role.CLINICIAN)
    guba = client.get("/api/locations/AZ-QBA", headers=headers).json()
    assert guba["name_az"] == "Quba" and guba["parent_code"] == "AZ-ER-GUBA-KHACHMAZ"
    assert client.get("/api/locations/AZ-NOWHERE", headers=headers).status_code == 404


def test_facility_lifecycle_over_http(client: TestClient, session: Session) -> None:
    headers = login_as(
        client, session, Role.NETWORK_MANAGER, territory_codes=["AZ-ER-GUBA-KHACHMAZ"]
    )
    body = {
        "code": "F-HTTP-1", "name_az": "Qusar kənd xəstəxanası", "name_en": "Gusar rural hospital",
        "type_code": "rural_hospital", "district_code": "AZ-QUS", "beds": 15,
    }  # fmt: skip
    created = client.post("/api/facilities", json=body, headers=headers)
    assert created.status_code == 201, created.text
    fid = created.json()["id"]
    assert (
        client.post(
            f"/api/facilities/{fid}/events",
            json={"kind": "reconstruction_finished", "on": "2024-01-01"},
            headers=headers,
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/facilities/{fid}/events",
            json={"kind": "reconstruction_started", "on": "2024-01-01"},
            headers=headers,
        ).status_code
        == 201
    )
    assert (
        client.get(f"/api/facilities/{fid}", headers=headers).json()["status"]
        == "under_reconstruction"
    )
    elsewhere = client.post(
        "/api/facilities",
        json={**body, "code": "F-HTTP-2", "district_code": "AZ-LER"},
        headers=headers,
    )
    assert elsewhere.status_code == 403

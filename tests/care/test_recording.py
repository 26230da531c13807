"""Recording care through the API: everything checked first, nothing saved on error."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.core.security import Role
from tests.factories import a_patient, doctor_at, facilities_of, login_as


def _visit(patient_id: int, facility_id: int, doctor: int, **extra: object) -> dict[str, object]:
    start = datetime.now(UTC) - timedelta(days=2)
    body: dict[str, object] = {
        "patient_id": patient_id,
        "facility_id": facility_id,
        "class": "ambulatory",
        "status": "finished",
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=30)).isoformat(),
        "participants": [{"practitioner_id": doctor}],
        "diagnoses": [
            {"code": "I10", "rank": 1},
            {"code": "E11.9", "rank": 2},
            {"code": "J06.9", "rank": 3},
        ],
        "services": [
            {"service_code": code} for code in ("PC001", "PC002", "PC003", "PC004", "PC005")
        ],
        "observations": [{"loinc": "2345-7", "value": 250.0}],
        "prescriptions": [],
    }
    body.update(extra)
    return body


def _count(client: TestClient, headers: dict[str, str], patient_id: int) -> int:
    return int(
        client.get(
            f"/api/patients/{patient_id}/record", params={"count": 1}, headers=headers
        ).json()["total"]
    )


def test_a_clinician_records_an_encounter_with_diagnoses_services_and_a_flagged_result(
    client: TestClient, session: Session
) -> None:
    patient = a_patient(session)
    facility = patient.registered_facility_id
    assert facility
    headers = login_as(client, session, Role.CLINICIAN, facility_ids=[facility])
    response = client.post(
        "/api/encounters",
        json=_visit(patient.id, facility, doctor_at(session, facility)),
        headers=headers,
    )
    assert response.status_code == 201, response.text
    record = response.json()
    assert [d["code"] for d in record["diagnoses"]] == ["I10", "E11.9", "J06.9"]
    assert len(record["services"]) == 5
    assert record["observations"][0]["interpretation"] == "H"
    again = client.get(f"/api/encounters/{record['encounter']['id']}", headers=headers).json()
    assert again["encounter"]["class"] == "ambulatory"


def test_invalid_icd10_changes_nothing(client: TestClient, session: Session) -> None:
    patient = a_patient(session)
    facility = patient.registered_facility_id
    assert facility
    headers = login_as(client, session, Role.CLINICIAN, facility_ids=[facility])
    before = _count(client, headers, patient.id)
    body = _visit(
        patient.id, facility, doctor_at(session, facility), diagnoses=[{"code": "E11.99"}]
    )
    response = client.post("/api/encounters", json=body, headers=headers)
    assert response.status_code == 422
    assert "diagnoses.0.code" in response.json()["fields"]
    blocks = client.post(
        "/api/encounters", json={**body, "diagnoses": [{"code": "E10-E14"}]}, headers=headers
    )
    assert blocks.status_code == 422 and "chapter or block" in blocks.json()["detail"]
    assert _count(client, headers, patient.id) == before


def test_pregnancy_code_on_a_man_is_refused(client: TestClient, session: Session) -> None:
    patient = a_patient(session, sex="male")
    facility = patient.registered_facility_id
    assert facility
    headers = login_as(client, session, Role.CLINICIAN, facility_ids=[facility])
    body = _visit(patient.id, facility, doctor_at(session, facility), diagnoses=[{"code": "O80"}])
    response = client.post("/api/encounters", json=body, headers=headers)
    assert response.status_code == 422 and "O80" in response.json()["detail"]


def test_services_outside_the_encounter_and_unknown_codes_are_refused(
    client: TestClient, session: Session
) -> None:
    patient = a_patient(session)
    facility = patient.registered_facility_id
    assert facility
    headers = login_as(client, session, Role.CLINICIAN, facility_ids=[facility])
    body = _visit(
        patient.id,
        facility,
        doctor_at(session, facility),
        services=[
            {
                "service_code": "PC001",
                "performed_on": (date.today() - timedelta(days=40)).isoformat(),
            },
            {"service_code": "NOPE"},
        ],
    )
    fields = client.post("/api/encounters", json=body, headers=headers).json()["fields"]
    assert "services.0.performed_on" in fields and "services.1.service_code" in fields
    unit = _visit(
        patient.id,
        facility,
        doctor_at(session, facility),
        observations=[{"loinc": "2345-7", "value": 5, "unit": "furlong"}],
    )
    assert (
        "observations.0.unit"
        in client.post("/api/encounters", json=unit, headers=headers).json()["fields"]
    )


def test_no_care_after_death(client: TestClient, session: Session) -> None:
    from saglam.patients import service as patients
    from saglam.patients.schemas import PatientUpdate
    from tests.factories import SYSTEM

    patient = a_patient(session)
    facility = patient.registered_facility_id
    assert facility
    patients.update(
        session, SYSTEM, patient.id, PatientUpdate(death_date=date.today() - timedelta(days=10))
    )
    session.commit()
    headers = login_as(client, session, Role.CLINICIAN, facility_ids=[facility])
    response = client.post(
        "/api/encounters",
        json=_visit(patient.id, facility, doctor_at(session, facility)),
        headers=headers,
    )
    assert response.status_code == 422 and "death" in response.json()["detail"]


def test_impossible_status_moves_are_refused(client: TestClient, session: Session) -> None:
    patient = a_patient(session)
    facility = patient.registered_facility_id
    assert facility
    headers = login_as(client, session, Role.CLINICIAN, facility_ids=[facility])
    planned = _visit(
        patient.id,
        facility,
        doctor_at(session, facility),
        status="planned",
        end=None,
        diagnoses=[],
        services=[],
        observations=[],
    )
    planned["start"] = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    eid = client.post("/api/encounters", json=planned, headers=headers).json()["encounter"]["id"]
    assert (
        client.post(
            f"/api/encounters/{eid}/status", json={"status": "finished"}, headers=headers
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/encounters/{eid}/status", json={"status": "in-progress"}, headers=headers
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/api/encounters/{eid}/status", json={"status": "finished"}, headers=headers
        ).json()["encounter"]["status"]
        == "finished"
    )
    assert (
        client.post(
            f"/api/encounters/{eid}/status", json={"status": "in-progress"}, headers=headers
        ).status_code
        == 422
    )


def test_a_referred_patient_becomes_visible_to_the_receiving_facility(
    client: TestClient, session: Session
) -> None:
    patient = a_patient(session)
    home = patient.registered_facility_id
    assert home
    for hospital in facilities_of(session, category="hospital"):  # one that never saw them
        receiving = login_as(client, session, Role.CLINICIAN, facility_ids=[hospital.id])
        if client.get(f"/api/patients/{patient.id}", headers=receiving).status_code == 403:
            break
    else:
        raise AssertionError("every hospital already knows the patient")
    referring = login_as(client, session, Role.CLINICIAN, facility_ids=[home])
    body = _visit(
        patient.id,
        home,
        doctor_at(session, home),
        referrals=[
            {"to_facility_id": hospital.id, "to_specialty": "cardiology", "reason_code": "I10"}
        ],
    )
    assert client.post("/api/encounters", json=body, headers=referring).status_code == 201
    assert client.get(f"/api/patients/{patient.id}", headers=receiving).status_code == 200


def test_a_clinician_cannot_record_at_another_facility(
    client: TestClient, session: Session
) -> None:
    patient = a_patient(session)
    home = patient.registered_facility_id
    assert home
    other = next(f for f in facilities_of(session, category="hospital") if f.id != home)
    headers = login_as(client, session, Role.CLINICIAN, facility_ids=[home])
    response = client.post(
        "/api/encounters",
        json=_visit(patient.id, other.id, doctor_at(session, home)),
        headers=headers,
    )
    assert response.status_code == 403


def test_insulin_is_free_for_a_diabetic(client: TestClient, session: Session) -> None:
    from saglam.country.profile import profile_table

    insulin = next(
        m for m in profile_table("azerbaijan", "formulary") if m.free_program == "diabetes"
    )
    patient = a_patient(session)
    facility = patient.registered_facility_id
    assert facility
    headers = login_as(client, session, Role.CLINICIAN, facility_ids=[facility])
    body = _visit(
        patient.id,
        facility,
        doctor_at(session, facility),
        diagnoses=[{"code": "E10.9"}],
        prescriptions=[{"medication_code": insulin.code, "dosage": "10 IU at night"}],
    )
    record = client.post("/api/encounters", json=body, headers=headers).json()
    assert record["prescriptions"][0]["free_program"] == "diabetes"

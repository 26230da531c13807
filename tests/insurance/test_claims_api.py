"""Claims through the native API: real-time adjudication, idempotent submission, bad input,
files, review with its audit trail, and rules that need the database (referrals, history)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.audit import service as audit_service
from saglam.audit.schemas import AuditQuery
from saglam.care import service as care
from saglam.care.schemas import EncounterCreate
from saglam.core.security import Role
from tests.factories import SYSTEM, doctor_at, facilities_of, login_as
from tests.insurance.conftest import SERVICE_DAY, Insured, claim_body


def _biller(client: TestClient, session: Session, facility_id: int) -> dict[str, str]:
    return login_as(client, session, Role.NETWORK_MANAGER, facility_ids=[facility_id])


def _claims_of(client: TestClient, headers: dict[str, str], insured: Insured) -> int:
    found = client.get(
        "/fhir/Claim", params={"patient": f"Patient/{insured.patient.id}", "_summary": "count"},
        headers=headers,
    )  # fmt: skip
    return int(found.json()["total"])


def test_a_clean_claim_is_accepted_in_real_time_and_resubmitting_it_changes_nothing(
    client: TestClient, session: Session, insured: Insured
) -> None:
    headers = _biller(client, session, insured.facility_id)
    body = claim_body(insured, "V-1001", {}, {"service_code": "PC014", "unit_price_minor": 250})
    first = client.post("/api/claims", json=body, headers=headers)
    assert first.status_code == 201, first.text
    claim = first.json()
    assert claim["status"] == "adjudicated"
    assert [line["outcome"] for line in claim["lines"]] == ["accepted", "accepted"]
    assert claim["paid_minor"] == sum(line["paid_minor"] for line in claim["lines"]) == 1250
    count = _claims_of(client, headers, insured)
    again = client.post("/api/claims", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == claim["id"]
    assert _claims_of(client, headers, insured) == count
    changed = claim_body(insured, "V-1001", {"quantity": 2})
    conflict = client.post("/api/claims", json=changed, headers=headers)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")


def test_bad_input_gets_a_clear_error_and_stores_nothing(
    client: TestClient, session: Session, insured: Insured
) -> None:
    headers = _biller(client, session, insured.facility_id)
    before = _claims_of(client, headers, insured)
    negative = client.post(
        "/api/claims", json=claim_body(insured, "V-2001", {"quantity": -1}), headers=headers
    )
    assert negative.status_code == 422
    assert any("quantity" in field for field in negative.json()["fields"])
    for money in ("12.50", 12.5, "abc"):
        bad = client.post(
            "/api/claims",
            json=claim_body(insured, "V-2002", {"unit_price_minor": money}),
            headers=headers,
        )
        assert bad.status_code == 422, money
    no_lines = client.post(
        "/api/claims", json=claim_body(insured, "V-2003") | {"lines": []}, headers=headers
    )
    assert no_lines.status_code == 422
    bad_icd = client.post(
        "/api/claims", json=claim_body(insured, "V-2004", diagnoses=["ZZZ"]), headers=headers
    )
    assert bad_icd.status_code == 422
    assert _claims_of(client, headers, insured) == before


def test_an_unknown_service_is_rejected_with_its_reason(
    client: TestClient, session: Session, insured: Insured
) -> None:
    headers = _biller(client, session, insured.facility_id)
    body = claim_body(insured, "V-3001", {}, {"service_code": "XX999"})
    claim = client.post("/api/claims", json=body, headers=headers).json()
    known, unknown = claim["lines"]
    assert known["outcome"] == "accepted"
    assert unknown["outcome"] == "rejected" and unknown["reasons"] == "R06"
    assert "R06" in claim["reason_text"] and claim["paid_minor"] == 1000


def test_another_facilitys_patient_without_referral_is_rejected(
    client: TestClient, session: Session, insured: Insured
) -> None:
    headers = _biller(client, session, insured.other_facility_id)
    body = claim_body(insured, "V-4001", facility_id=insured.other_facility_id)
    claim = client.post("/api/claims", json=body, headers=headers)
    assert claim.status_code == 201, claim.text
    [line] = claim.json()["lines"]
    assert line["outcome"] == "rejected" and "R13" in line["reasons"].split(";")
    emergency = claim_body(
        insured, "V-4002", {"service_code": "EM003", "unit_price_minor": 4000},
        facility_id=insured.other_facility_id,
    )  # fmt: skip
    assert (
        client.post("/api/claims", json=emergency, headers=headers).json()["lines"][0]["outcome"]
        == "accepted"
    )


def test_a_facility_cannot_claim_in_another_facilitys_name(
    client: TestClient, session: Session, insured: Insured
) -> None:
    headers = _biller(client, session, insured.other_facility_id)
    response = client.post("/api/claims", json=claim_body(insured, "V-5001"), headers=headers)
    assert response.status_code == 403


def test_a_specialist_visit_needs_a_referral_recorded_in_primary_care(
    client: TestClient, session: Session, insured: Insured
) -> None:
    hospital = next(f for f in facilities_of(session, level="tertiary") if f.contracted)
    headers = _biller(client, session, hospital.id)
    visit = {"service_code": "SO0001", "unit_price_minor": 2000}
    unreferred = client.post(
        "/api/claims", json=claim_body(insured, "V-6001", visit, facility_id=hospital.id),
        headers=headers,
    ).json()  # fmt: skip
    assert unreferred["lines"][0]["reasons"] == "R13"
    care.record_encounter(
        session, SYSTEM,
        EncounterCreate.model_validate({
            "patient_id": insured.patient.id, "facility_id": insured.facility_id, "class": "ambulatory",
            "status": "finished", "start": f"{SERVICE_DAY - timedelta(days=5)}T09:00:00Z",
            "end": f"{SERVICE_DAY - timedelta(days=5)}T09:20:00Z",
            "participants": [{"practitioner_id": doctor_at(session, insured.facility_id)}],
            "diagnoses": [{"code": "I10", "rank": 1}], "services": [{"service_code": "PC001"}],
            "referrals": [{"to_facility_id": hospital.id, "to_specialty": "therapy", "reason_code": "I10"}],
        }),
    )  # fmt: skip
    referred = client.post(
        "/api/claims", json=claim_body(insured, "V-6002", visit, facility_id=hospital.id),
        headers=headers,
    ).json()  # fmt: skip
    assert referred["lines"][0]["outcome"] == "accepted", referred["lines"]


def test_frequency_limits_and_duplicates_look_at_earlier_claims(
    client: TestClient, session: Session, insured: Insured
) -> None:
    headers = _biller(client, session, insured.facility_id)
    first = client.post("/api/claims", json=claim_body(insured, "V-7001"), headers=headers).json()
    assert first["lines"][0]["outcome"] == "accepted"
    second = client.post("/api/claims", json=claim_body(insured, "V-7002"), headers=headers).json()
    reasons = second["lines"][0]["reasons"].split(";")
    assert second["lines"][0]["outcome"] == "rejected"
    assert "R15" in reasons and "R09" in reasons  # the same visit again, and one a day at most
    next_day = claim_body(
        insured, "V-7003", {"service_date": (SERVICE_DAY + timedelta(days=1)).isoformat()}
    )
    assert (
        client.post("/api/claims", json=next_day, headers=headers).json()["lines"][0]["outcome"]
        == "accepted"
    )


def test_a_claim_file_is_imported_and_judged_in_one_batch(
    client: TestClient, session: Session, insured: Insured
) -> None:
    headers = _biller(client, session, insured.facility_id)
    rows = [
        "identifier,facility_id,patient_id,diagnoses,service_code,quantity,unit_price_minor,service_date",
        f"F-1,{insured.facility_id},{insured.patient.id},J06.9,PC001,1,1000,{SERVICE_DAY}",
        f"F-1,{insured.facility_id},{insured.patient.id},J06.9,PC014,1,300,{SERVICE_DAY}",
        f"F-2,{insured.facility_id},{insured.patient.id},J06.9,PC003,1,1500,{SERVICE_DAY}",
    ]
    text = "\n".join(rows) + "\n"
    imported = client.post(
        "/api/claims/import", content=text, headers=headers | {"Content-Type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"received": 2, "new": 2, "repeated": 0}
    claim = client.get(
        "/api/claims", params={"facility_id": insured.facility_id, "identifier": "F-1"},
        headers=headers,
    ).json()  # fmt: skip
    assert [line["outcome"] for line in claim["lines"]] == ["accepted", "adjusted"]
    assert claim["lines"][1]["reasons"] == "R07" and claim["paid_minor"] == 1250
    again = client.post(
        "/api/claims/import", content=text, headers=headers | {"Content-Type": "text/csv"}
    )
    assert again.json() == {"received": 2, "new": 0, "repeated": 2}
    broken = (
        text + f"F-3,{insured.facility_id},{insured.patient.id},,PC001,one,1000,{SERVICE_DAY}\n"
    )
    refused = client.post(
        "/api/claims/import",
        content=broken.replace("F-1", "F-9").replace("F-2", "F-8"),
        headers=headers | {"Content-Type": "text/csv"},
    )
    assert refused.status_code == 422 and "row 5" in refused.json()["fields"]
    missing = client.get(
        "/api/claims", params={"facility_id": insured.facility_id, "identifier": "F-9"},
        headers=headers,
    )  # fmt: skip
    assert missing.status_code == 404


def test_review_queue_decisions_are_audited_and_only_a_supervisor_reopens(
    client: TestClient, session: Session, insured: Insured
) -> None:
    hospital = next(f for f in facilities_of(session, level="tertiary") if f.contracted)
    biller = _biller(client, session, hospital.id)
    body = claim_body(
        insured, "V-8001", {"service_code": "IP0156", "unit_price_minor": 1_500_000},
        facility_id=hospital.id,
    )  # fmt: skip
    claim = client.post("/api/claims", json=body, headers=biller).json()
    assert claim["status"] == "pended" and claim["lines"][0]["reasons"] == "R18"
    assert claim["paid_minor"] == 0
    officer = login_as(client, session, Role.INSURANCE_OFFICER)
    queue = client.get(
        "/api/claims/queue", params={"facility_id": hospital.id, "reason": "R18", "sort": "amount"},
        headers=officer,
    ).json()  # fmt: skip
    assert claim["id"] in [c["id"] for c in queue["items"]]
    assert queue["counts"]["pended"] >= 1
    line_id = claim["lines"][0]["id"]
    too_much = client.post(
        f"/api/claims/{claim['id']}/review",
        json={"decision": "adjust", "note": "partial stay", "adjustments": {str(line_id): 1_500_001}},
        headers=officer,
    )  # fmt: skip
    assert too_much.status_code == 422
    decided = client.post(
        f"/api/claims/{claim['id']}/review",
        json={"decision": "adjust", "note": "partial stay", "adjustments": {str(line_id): 1_200_000}},
        headers=officer,
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "reviewed" and decided.json()["paid_minor"] == 1_200_000
    trail = audit_service.search(
        session, SYSTEM, AuditQuery(entity_type="Claim", entity_id=str(claim["id"]))
    )
    assert any('"decision":"adjust"' in (e.detail or "") for e in trail)
    twice = client.post(
        f"/api/claims/{claim['id']}/review", json={"decision": "approve", "note": "again"},
        headers=officer,
    )  # fmt: skip
    assert twice.status_code == 409
    refused = client.post(
        f"/api/claims/{claim['id']}/reopen", json={"note": "second look"}, headers=officer
    )
    assert refused.status_code == 403
    supervisor = login_as(client, session, Role.ADMIN)
    reopened = client.post(
        f"/api/claims/{claim['id']}/reopen", json={"note": "second look"}, headers=supervisor
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "pended"


def test_adjudicated_claims_keep_their_judgement_when_a_new_package_version_comes(
    client: TestClient, session: Session, insured: Insured
) -> None:
    headers = _biller(client, session, insured.facility_id)
    claim = client.post("/api/claims", json=claim_body(insured, "V-9001"), headers=headers).json()
    officer = login_as(client, session, Role.INSURANCE_OFFICER)
    version = {
        "name": "Tariffs 2027-06", "effective_from": "2027-06-01", "note": "GP visit dearer",
        "changes": [{"service_code": "PC001", "tariff_minor": 1200}, {"service_code": "PC002", "remove": True}],
    }  # fmt: skip
    created = client.post("/api/package/versions", json=version, headers=officer)
    assert created.status_code == 201, created.text
    items = client.get(
        f"/api/package/versions/{created.json()['id']}/items", headers=officer
    ).json()
    by_code = {i["service_code"]: i for i in items}
    assert by_code["PC001"]["tariff_minor"] == 1200 and "PC002" not in by_code
    assert client.get(f"/api/claims/{claim['id']}", headers=headers).json() == claim
    retro = client.post(
        "/api/package/versions", json=version | {"effective_from": "2020-01-01"}, headers=officer
    )
    assert retro.status_code == 422
    clinician = login_as(client, session, Role.CLINICIAN, facility_ids=[insured.facility_id])
    assert client.post("/api/package/versions", json=version, headers=clinician).status_code == 403

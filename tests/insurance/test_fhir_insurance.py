"""Insurance over FHIR: Claim/$submit answered with a ClaimResponse, Coverage and its
eligibility check, searches; everything valid R4."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from sqlalchemy.orm import Session

from saglam.core.security import Role
from tests.factories import login_as
from tests.insurance.conftest import SERVICE_DAY, Insured

SERVICES = "https://saglam.example/fhir/CodeSystem/service"
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def fhir_claim(insured: Insured, identifier: str, *items: tuple[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Claim",
        "identifier": [{"system": "https://saglam.example/fhir/sid/claim", "value": identifier}],
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
        "use": "claim",
        "patient": {"reference": f"Patient/{insured.patient.id}"},
        "created": SERVICE_DAY.isoformat(),
        "provider": {"reference": f"Organization/{insured.facility_id}"},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "compulsory"}}],
        "diagnosis": [
            {"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "J06.9"}]}}
        ],
        "item": [
            {
                "sequence": n,
                "diagnosisSequence": [1],
                "productOrService": {"coding": [{"system": SERVICES, "code": code}]},
                "servicedDate": SERVICE_DAY.isoformat(),
                "quantity": {"value": 1},
                "unitPrice": {"value": price, "currency": "AZN"},
            }
            for n, (code, price) in enumerate(items, start=1)
        ],
    }  # fmt: skip


def _amounts(item: dict[str, Any]) -> dict[str, float]:
    return {
        a["category"]["coding"][0]["code"]: a["amount"]["value"]
        for a in item["adjudication"]
        if "amount" in a
    }


def test_claim_submit_answers_with_a_valid_claim_response(
    client: TestClient, session: Session, insured: Insured
) -> None:
    headers = login_as(client, session, Role.NETWORK_MANAGER, facility_ids=[insured.facility_id])
    claim = fhir_claim(insured, "FH-1", ("PC001", 12.5), ("XX999", 3))
    response = client.post("/fhir/Claim/$submit", json=claim, headers=headers | FHIR_JSON)
    assert response.status_code == 201, response.text
    body = response.json()
    ClaimResponse.model_validate(body)
    assert body["outcome"] == "complete" and body["request"]["reference"] == f"Claim/{body['id']}"
    over_tariff, unknown = body["item"]
    assert _amounts(over_tariff) == {
        "submitted": 12.5,
        "eligible": 10.0,
        "copay": 0.0,
        "benefit": 10.0,
    }
    assert [a["reason"]["coding"][0]["code"] for a in unknown["adjudication"] if "reason" in a] == [
        "R06"
    ]
    totals = {t["category"]["coding"][0]["code"]: t["amount"]["value"] for t in body["total"]}
    assert totals["benefit"] == 10.0 and totals["submitted"] == 15.5
    again = client.post("/fhir/Claim/$submit", json=claim, headers=headers | FHIR_JSON)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    read = client.get(f"/fhir/ClaimResponse/{body['id']}", headers=headers).json()
    assert read["outcome"] == "complete"
    found = client.get(
        "/fhir/ClaimResponse", params={"request": f"Claim/{body['id']}"}, headers=headers
    ).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [body["id"]]
    as_claim = client.get(f"/fhir/Claim/{body['id']}", headers=headers).json()
    assert as_claim["item"][0]["unitPrice"] == {"value": 12.5, "currency": "AZN"}


def test_a_claim_in_parameters_works_and_bad_money_is_an_operation_outcome(
    client: TestClient, session: Session, insured: Insured
) -> None:
    headers = login_as(client, session, Role.NETWORK_MANAGER, facility_ids=[insured.facility_id])
    wrapped = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": fhir_claim(insured, "FH-2", ("PC001", 10))}]}  # fmt: skip
    assert (
        client.post("/fhir/Claim/$submit", json=wrapped, headers=headers | FHIR_JSON).status_code
        == 201
    )
    for bad in (12.345, -1):
        response = client.post(
            "/fhir/Claim/$submit", json=fhir_claim(insured, "FH-3", ("PC001", bad)),
            headers=headers | FHIR_JSON,
        )  # fmt: skip
        assert response.status_code in (400, 422), bad
        assert response.json()["resourceType"] == "OperationOutcome"
    dollars = fhir_claim(insured, "FH-4", ("PC001", 10))
    dollars["item"][0]["unitPrice"]["currency"] = "USD"
    assert (
        client.post("/fhir/Claim/$submit", json=dollars, headers=headers | FHIR_JSON).status_code
        == 422
    )
    not_a_claim = {"resourceType": "Claim", "status": "nonsense"}
    assert (
        client.post(
            "/fhir/Claim/$submit", json=not_a_claim, headers=headers | FHIR_JSON
        ).status_code
        == 400
    )
    missing = client.get("/fhir/Claim", params={"identifier": "FH-3"}, headers=headers).json()
    assert missing["total"] == 0 if "total" in missing else not missing.get("entry")


def test_coverage_and_the_eligibility_check(
    client: TestClient, session: Session, insured: Insured
) -> None:
    headers = login_as(client, session, Role.REGISTRATION_CLERK, facility_ids=[insured.facility_id])
    bundle = client.get(
        "/fhir/Coverage", params={"beneficiary": f"Patient/{insured.patient.id}"}, headers=headers
    ).json()
    assert bundle["entry"], bundle
    coverage = bundle["entry"][0]["resource"]
    Coverage.model_validate(coverage)
    assert coverage["beneficiary"]["reference"] == f"Patient/{insured.patient.id}"
    request = {
        "resourceType": "CoverageEligibilityRequest", "status": "active", "purpose": ["validation"],
        "patient": {"reference": f"Patient/{insured.patient.id}"}, "created": SERVICE_DAY.isoformat(),
        "servicedDate": SERVICE_DAY.isoformat(), "insurer": {"reference": "Organization/insurer"},
    }  # fmt: skip
    answer = client.post(
        "/fhir/CoverageEligibilityRequest/$submit", json=request, headers=headers | FHIR_JSON
    )
    assert answer.status_code == 200, answer.text
    CoverageEligibilityResponse.model_validate(answer.json())
    assert answer.json()["insurance"][0]["inforce"] is True
    long_ago = request | {"servicedDate": "1990-01-01"}
    old = client.post(
        "/fhir/CoverageEligibilityRequest/$submit", json=long_ago, headers=headers | FHIR_JSON
    )
    assert old.json()["insurance"][0]["inforce"] is False


def test_the_capability_statement_lists_insurance(client: TestClient) -> None:
    statement = client.get("/fhir/metadata").json()
    types = {r["type"] for r in statement["rest"][0]["resource"]}
    assert {"Coverage", "Claim", "ClaimResponse"} <= types
    assert "submit" in {o["name"] for o in statement["rest"][0]["operation"]}

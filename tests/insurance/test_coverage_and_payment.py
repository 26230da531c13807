"""Coverage, contributions and automatic cover; payment runs, closing, corrections carried into
the next month, remittance statements; outlier signals."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.core.security import Role
from saglam.insurance.signals import robust_z
from saglam.patients import service as patients
from tests.factories import SYSTEM, facilities_of, login_as, new_patient
from tests.insurance.conftest import SERVICE_DAY, Insured, claim_body


def test_enrolment_eligibility_and_the_contributions_ledger(
    client: TestClient, session: Session
) -> None:
    person = patients.register(session, SYSTEM, new_patient(session, fin="7QW3RT5"))
    officer = login_as(client, session, Role.INSURANCE_OFFICER)
    start = date(2026, 3, 1)
    enrol = {
        "patient_id": person.id, "category": "employee", "payer": "employer",
        "employer": "Bakı Metropoliteni", "start": start.isoformat(), "monthly_wage_minor": 1_000_000,
    }  # fmt: skip
    created = client.post("/api/coverage", json=enrol, headers=officer)
    assert created.status_code == 201, created.text
    overlap = client.post("/api/coverage", json=enrol | {"start": "2026-06-01"}, headers=officer)
    assert overlap.status_code == 409
    wrong_payer = client.post(
        "/api/coverage", json=enrol | {"payer": "state", "start": "2020-01-01", "end": "2020-12-31"},
        headers=officer,
    )  # fmt: skip
    assert wrong_payer.status_code == 422
    before = client.get(
        f"/api/patients/{person.id}/eligibility", params={"on": "2026-02-27"}, headers=officer
    ).json()
    assert before["covered"] is False and "gap" in before["reason"]
    during = client.get(
        f"/api/patients/{person.id}/eligibility", params={"on": "2026-04-10"}, headers=officer
    ).json()
    assert during["covered"] and during["category"] == "employee" and during["payer"] == "employer"
    billed = client.post(
        f"/api/coverage/{created.json()['id']}/contributions", json={"month": "2026-04"},
        headers=officer,
    ).json()  # fmt: skip
    # 2 % of the wage up to 8,000 AZN and 0.5 % above it, for the employee and for the employer
    assert {c["kind"]: c["due_minor"] for c in billed} == {"employee": 17_000, "employer": 17_000}
    ledger = client.get(f"/api/patients/{person.id}/contributions", headers=officer).json()
    assert ledger["due_minor"] == 34_000 and ledger["arrears_minor"] == 34_000
    ended = client.post(
        f"/api/coverage/{created.json()['id']}/end", json={"end": "2026-05-31"}, headers=officer
    )
    assert ended.status_code == 200
    lapsed = client.get(
        f"/api/patients/{person.id}/eligibility", params={"on": "2026-06-02"}, headers=officer
    ).json()
    assert lapsed["covered"] is False


def test_self_employed_and_state_paid_contributions(client: TestClient, session: Session) -> None:
    officer = login_as(client, session, Role.INSURANCE_OFFICER)
    dues = {}
    for fin, category, payer in (
        ("7QW3RT6", "self_employed", "person"),
        ("7QW3RT7", "unemployed", "state"),
    ):
        person = patients.register(
            session, SYSTEM, new_patient(session, fin=fin, insurance_category=category)
        )
        cover = client.post(
            "/api/coverage",
            json={"patient_id": person.id, "category": category, "payer": payer, "start": "2026-01-01"},
            headers=officer,
        ).json()  # fmt: skip
        billed = client.post(
            f"/api/coverage/{cover['id']}/contributions", json={"month": "2026-02"}, headers=officer
        ).json()
        dues[category] = billed[0]["due_minor"]
    # 4 % of the 400 AZN minimum wage; a twelfth of 122.94 AZN from the state budget
    assert dues == {"self_employed": 1_600, "unemployed": 1_025}


def test_state_paid_groups_are_covered_automatically(client: TestClient, session: Session) -> None:
    child = patients.register(
        session, SYSTEM,
        new_patient(session, fin="7QW3RT8", birth_date=date.today() - timedelta(days=20), insurance_category="child"),
    )  # fmt: skip
    officer = login_as(client, session, Role.INSURANCE_OFFICER)
    assert not client.get(f"/api/patients/{child.id}/eligibility", headers=officer).json()[
        "covered"
    ]
    enrolled = client.post("/api/coverage/auto-enrol", json={}, headers=officer).json()
    assert enrolled["enrolled"] >= 1
    cover = client.get(f"/api/patients/{child.id}/coverage", headers=officer).json()
    assert [(c["category"], c["payer"], c["start"]) for c in cover] == [
        ("child", "state", child.birth_date.isoformat())  # a newborn is covered from birth
    ]
    assert client.post("/api/coverage/auto-enrol", json={}, headers=officer).json() == {
        "enrolled": 0
    }


def _statement(
    client: TestClient, headers: dict[str, str], period: str, facility: int
) -> list[dict[str, str]]:
    response = client.get(f"/api/payments/{period}/remittance/{facility}.csv", headers=headers)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def test_payment_run_close_and_corrections_in_the_next_month(
    client: TestClient, session: Session, insured: Insured
) -> None:
    period = SERVICE_DAY.strftime("%Y-%m")
    following = (SERVICE_DAY.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    biller = login_as(client, session, Role.NETWORK_MANAGER, facility_ids=[insured.facility_id])
    for n, code, price in ((1, "PC001", 1000), (2, "PC014", 250)):
        body = claim_body(insured, f"P-{n}", {"service_code": code, "unit_price_minor": price})
        assert client.post("/api/claims", json=body, headers=biller).status_code == 201
    hospital = next(f for f in facilities_of(session, level="tertiary") if f.contracted)
    hospital_biller = login_as(client, session, Role.NETWORK_MANAGER, facility_ids=[hospital.id])
    stay = claim_body(
        insured, "P-3", {"service_code": "IP0156", "unit_price_minor": 1_500_000}, facility_id=hospital.id
    )  # fmt: skip
    pended = client.post("/api/claims", json=stay, headers=hospital_biller).json()
    assert pended["status"] == "pended"

    officer = login_as(client, session, Role.INSURANCE_OFFICER)
    run = client.post(f"/api/payments/{period}/run", headers=officer)
    assert run.status_code == 200, run.text
    mine = next(p for p in run.json()["payments"] if p["facility_id"] == insured.facility_id)
    assert mine["fee_for_service_minor"] == 1250 and mine["lines"] == 2
    assert mine["capitation_minor"] > 0 and mine["enrolled"] > 0
    assert 0.6 * 195 <= mine["capitation_minor"] / mine["enrolled"] <= 1.6 * 195
    assert mine["total_minor"] == (
        mine["fee_for_service_minor"] + mine["capitation_minor"] + mine["per_case_minor"] + mine["corrections_minor"]
    )  # fmt: skip
    assert run.json()["total_minor"] == sum(p["total_minor"] for p in run.json()["payments"])
    lines = _statement(client, officer, period, insured.facility_id)
    assert {(r["service"], r["paid_qepik"], r["outcome"]) for r in lines} >= {
        ("PC001", "1000", "accepted"),
        ("PC014", "250", "accepted"),
    }
    pdf = client.get(
        f"/api/payments/{period}/remittance/{insured.facility_id}.pdf", headers=officer
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert not any(
        p["facility_id"] == hospital.id and p["fee_for_service_minor"]
        for p in run.json()["payments"]
    )

    earlier_open = client.post(f"/api/payments/{period}/close", headers=officer)
    assert earlier_open.status_code == 409  # the test country's last month is still open
    for month in sorted({"2026-05", period}):
        assert client.post(f"/api/payments/{month}/close", headers=officer).status_code == 200
    assert client.post(f"/api/payments/{period}/run", headers=officer).status_code == 409

    line_id = pended["lines"][0]["id"]
    decided = client.post(
        f"/api/claims/{pended['id']}/review",
        json={"decision": "approve", "note": "stay confirmed", "adjustments": {}},
        headers=officer,
    )  # fmt: skip
    assert decided.status_code == 200 and decided.json()["paid_minor"] == 1_500_000, line_id
    closed = client.get(f"/api/payments/{period}", headers=officer).json()
    assert closed["status"] == "closed"
    assert closed["total_minor"] == run.json()["total_minor"]  # a closed month never changes
    nxt = client.post(f"/api/payments/{following}/run", headers=officer).json()
    carried = next(p for p in nxt["payments"] if p["facility_id"] == hospital.id)
    assert carried["corrections_minor"] == 1_500_000
    rows = _statement(client, officer, following, hospital.id)
    assert [
        (r["claim"], r["claim_period"], r["paid_qepik"])
        for r in rows
        if r["outcome"] == "correction"
    ] == [(str(pended["id"]), period, "1500000")]


def test_a_facility_sees_only_its_own_statement(
    client: TestClient, session: Session, insured: Insured
) -> None:
    other = login_as(
        client, session, Role.NETWORK_MANAGER, facility_ids=[insured.other_facility_id]
    )
    refused = client.get(
        f"/api/payments/2026-04/remittance/{insured.facility_id}.csv", headers=other
    )
    assert refused.status_code == 403
    own = client.get(
        f"/api/payments/2026-04/remittance/{insured.other_facility_id}.csv", headers=other
    )
    assert own.status_code == 200


def test_bad_periods_are_refused(client: TestClient, session: Session) -> None:
    officer = login_as(client, session, Role.INSURANCE_OFFICER)
    assert client.post("/api/payments/2026-13/run", headers=officer).status_code == 422
    assert client.get("/api/payments/1999-01", headers=officer).status_code == 404
    assert (
        client.post(
            "/api/claims/adjudicate", params={"period": "26-1"}, headers=officer
        ).status_code
        == 422
    )


def test_robust_z_scores_flag_only_the_far_peer() -> None:
    peers = [10.0, 11.0, 9.5, 10.5, 10.2, 30.0]
    z_far, median = robust_z(30.0, peers)
    z_near, _ = robust_z(10.5, peers)
    assert median == 10.35 and z_far > 3.5 and abs(z_near) < 1
    assert robust_z(5.0, [5.0, 5.0, 5.0]) == (0.0, 5.0)


def test_signals_list_outliers_with_the_numbers_behind_them(
    client: TestClient, session: Session
) -> None:
    officer = login_as(client, session, Role.INSURANCE_OFFICER)
    response = client.get("/api/signals", params={"period": "2026-04"}, headers=officer)
    assert response.status_code == 200
    for signal in response.json():
        assert signal["subject"] in ("facility", "practitioner")
        assert abs(signal["robust_z"]) > 3.5 and signal["peers"] >= 5
        assert signal["value"] != signal["peer_median"]
    clinician = login_as(client, session, Role.REGISTRATION_CLERK)
    assert (
        client.get("/api/signals", params={"period": "2026-04"}, headers=clinician).status_code
        == 403
    )

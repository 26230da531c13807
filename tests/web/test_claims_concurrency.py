"""Against a live server: claims posted at the same moment are judged together (in one batch)
and each caller still gets its own answer; the same claim twice at once is one claim."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import httpx

from saglam.core.security import Role
from saglam.insurance import service as insurance
from saglam.patients import service as patients
from saglam.patients.schemas import PatientQuery
from tests.factories import PASSWORD, SYSTEM
from tests.web.conftest import Site


def test_concurrent_submissions_each_get_their_own_result(site: Site) -> None:
    day = date.today() - timedelta(days=1)
    with site.session() as session:
        found = patients.search(
            session, SYSTEM, PatientQuery(facility_id=site.facility_id, limit=50)
        )
        patient = next(
            m.patient for m in found.items
            if m.patient.death_date is None and insurance.eligibility(session, SYSTEM, m.patient.id, day).covered
        )  # fmt: skip
    token = httpx.post(
        f"{site.base}/auth/token",
        data={
            "grant_type": "password",
            "username": site.users[Role.NETWORK_MANAGER],
            "password": PASSWORD,
        },
    ).json()["access_token"]
    codes = ["PC001", "PC014", "PC015", "PC016", "PC017", "PC018", "PC020", "XX999"]
    bodies: list[dict[str, Any]] = [
        {
            "identifier": f"LIVE-{n}", "facility_id": site.facility_id, "patient_id": patient.id, "diagnoses": ["J06.9"],
            "lines": [{"service_code": code, "quantity": 1, "unit_price_minor": 1000, "service_date": day.isoformat()}],
        }
        for n, code in enumerate(codes)
    ]  # fmt: skip
    bodies.append(bodies[0])  # the same claim twice, at the same time

    def post(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = httpx.post(
            f"{site.base}/api/claims",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        results = list(pool.map(post, bodies))
    assert sorted(code for code, _ in results) == [200] + [201] * 8, results
    by_identifier = {
        body["identifier"]: result for body, (_, result) in zip(bodies, results, strict=True)
    }
    assert by_identifier["LIVE-7"]["lines"][0]["reasons"] == "R06"
    assert by_identifier["LIVE-1"]["lines"][0]["reasons"] == "R07"
    assert results[0][1]["id"] == results[-1][1]["id"]

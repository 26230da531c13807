"""An insured patient at a contracted primary-care facility, and claim bodies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from saglam.facilities import service as facilities
from saglam.insurance import service as insurance
from saglam.patients import service as patients
from saglam.patients.schemas import PatientQuery, PatientRead
from tests.factories import SYSTEM, facilities_of

SERVICE_DAY = date.today() - timedelta(days=2)


@dataclass(frozen=True)
class Insured:
    patient: PatientRead
    facility_id: int  # the patient's own primary-care facility (contracted)
    other_facility_id: int  # another contracted primary-care facility


def _contracted(session: Session, facility_id: int) -> bool:
    info = facilities.contract_info(session, SYSTEM, [facility_id])
    return bool(info and info[0][2] and (info[0][4] is None or info[0][4] >= date.today()))


@pytest.fixture
def insured(session: Session) -> Insured:
    primary = [f for f in facilities_of(session, level="primary") if _contracted(session, f.id)]
    for facility in primary:
        page = patients.search(session, SYSTEM, PatientQuery(facility_id=facility.id, limit=100))
        for match in page.items:
            p = match.patient
            if (
                p.sex.value == "male"
                and p.death_date is None
                and p.birth_date is not None
                and 25 <= (date.today() - p.birth_date).days // 365 <= 60
                and p.registered_facility_id == facility.id
                and insurance.eligibility(session, SYSTEM, p.id, SERVICE_DAY).covered
            ):
                other = next(f.id for f in primary if f.id != facility.id)
                return Insured(p, facility.id, other)
    raise AssertionError("the test country has no insured adult at a contracted facility")


def claim_body(
    insured: Insured,
    identifier: str,
    *lines: dict[str, Any],
    facility_id: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "identifier": identifier,
        "facility_id": facility_id or insured.facility_id,
        "patient_id": insured.patient.id,
        "diagnoses": ["J06.9"],
        "lines": [
            {"service_code": "PC001", "quantity": 1, "unit_price_minor": 1000, "service_date": SERVICE_DAY.isoformat()}
            | line
            for line in (lines or ({},))
        ],
    }  # fmt: skip
    body.update(extra)
    return body

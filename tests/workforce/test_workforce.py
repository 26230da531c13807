from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from saglam.core.errors import Conflict, Forbidden, Invalid
from saglam.core.security import Principal, Role
from saglam.workforce import service as workforce
from saglam.workforce.enums import EmploymentRole
from saglam.workforce.schemas import EmploymentCreate, PractitionerCreate, PractitionerQuery
from tests.factories import SYSTEM, facilities_of


def _doctor(**overrides: object) -> PractitionerCreate:
    values: dict[str, object] = {
        "surname": "Quliyeva",
        "given_name": "Aygün",
        "patronymic": "Rafiq qızı",
        "sex": "female",
        "birth_date": date(1980, 2, 2),
        "profession_code": "physician",
        "specialty_code": "cardiology",
        "licence_number": "AZ-MD-9000001",
        "licence_valid_until": date(2029, 1, 1),
    }
    values.update(overrides)
    return PractitionerCreate.model_validate(values)


def test_register_and_employ_a_doctor(session: Session) -> None:
    doctor = workforce.create_practitioner(session, SYSTEM, _doctor())
    facility = facilities_of(session, type_code="national_centre")[0]
    job = workforce.add_employment(
        session,
        SYSTEM,
        doctor.id,
        EmploymentCreate(
            facility_id=facility.id, role=EmploymentRole.PHYSICIAN, start_on=date(2015, 9, 1)
        ),
    )
    assert job.facility_id == facility.id
    assert doctor.id in [p.id for _, p in workforce.staff(session, SYSTEM, facility.id)]
    found, _ = workforce.search_practitioners(
        session, SYSTEM, PractitionerQuery(name="quliyeva ayg")
    )
    assert doctor.id in [p.id for p in found]
    with pytest.raises(Conflict):
        workforce.add_employment(
            session,
            SYSTEM,
            doctor.id,
            EmploymentCreate(
                facility_id=facility.id, role=EmploymentRole.PHYSICIAN, start_on=date(2020, 1, 1)
            ),
        )


def test_foreign_professional_carries_nationality_and_mission(session: Session) -> None:
    nurse = workforce.create_practitioner(
        session, SYSTEM,
        _doctor(surname="García", given_name="Yanet", licence_number="CU-HR-0001", nationality="CU", profession_code="nurse", specialty_code=None, mission_code="HENRY-REEVE-1"),
    )  # fmt: skip
    assert nurse.nationality == "CU" and nurse.mission_code == "HENRY-REEVE-1"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"specialty_code": "wizardry"}, Invalid),
        ({"profession_code": "astrologer"}, Invalid),
        ({"specialty_code": None}, Invalid),
        ({"birth_date": date(2999, 1, 1)}, Invalid),
    ],
)
def test_bad_practitioner_input_is_refused(
    session: Session, overrides: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        workforce.create_practitioner(session, SYSTEM, _doctor(**overrides))


def test_duplicate_licence_is_a_conflict(session: Session) -> None:
    workforce.create_practitioner(session, SYSTEM, _doctor())
    with pytest.raises(Conflict):
        workforce.create_practitioner(session, SYSTEM, _doctor(given_name="Leyla"))


def test_employment_writes_are_scoped_to_the_territory(session: Session) -> None:
    doctor = workforce.create_practitioner(session, SYSTEM, _doctor())
    baku = facilities_of(session, district_code="AZ-BA")[0]
    manager = Principal.user(
        80,
        "nm-lankaran",
        Role.NETWORK_MANAGER,
        territory_codes=frozenset({"AZ-ER-LANKARAN-ASTARA"}),
    )
    with pytest.raises(Forbidden):
        workforce.add_employment(
            session,
            manager,
            doctor.id,
            EmploymentCreate(
                facility_id=baku.id, role=EmploymentRole.PHYSICIAN, start_on=date(2020, 1, 1)
            ),
        )


def test_ministry_analyst_cannot_read_individual_practitioners(session: Session) -> None:
    analyst = Principal.user(81, "analyst", Role.MINISTRY_ANALYST)
    with pytest.raises(Forbidden):
        workforce.search_practitioners(session, analyst, PractitionerQuery())

"""Typed factories that go through the services, as a user would."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.auth import service as auth
from saglam.auth.schemas import ClientCreate, ClientCredentials, UserCreate, UserRead
from saglam.core.security import Principal, Role
from saglam.facilities import service as facility_service
from saglam.facilities.schemas import FacilityQuery, FacilityRead
from saglam.patients import service as patient_service
from saglam.patients.schemas import PatientCreate, PatientQuery, PatientRead

SYSTEM = Principal.system("tests")
PASSWORD = "correct horse battery"


def make_user(
    session: Session,
    username: str,
    role: Role = Role.ADMIN,
    *,
    facility_ids: list[int] | None = None,
    territory_codes: list[str] | None = None,
) -> UserRead:
    user = auth.create_user(
        session,
        SYSTEM,
        UserCreate(
            username=username,
            password=PASSWORD,
            role=role,
            facility_ids=facility_ids or [],
            territory_codes=territory_codes or [],
        ),
    )
    session.commit()
    return user


def make_client(session: Session, name: str, scopes: str) -> ClientCredentials:
    _, credentials = auth.create_client(session, SYSTEM, ClientCreate(name=name, scopes=scopes))
    session.commit()
    return credentials


def token_for(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post(
        "/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login_as(
    client: TestClient, session: Session, role: Role, **scope: list[int] | list[str]
) -> dict[str, str]:
    """Create a user with ``role`` and return the headers of their bearer token."""
    suffix = "-".join(str(v) for values in scope.values() for v in values)
    username = f"u-{role.value}-{suffix}"[:80]
    make_user(session, username, role, **scope)  # type: ignore[arg-type]
    return bearer(token_for(client, username))


def facilities_of(session: Session, **filters: object) -> list[FacilityRead]:
    items, _ = facility_service.search_facilities(
        session, SYSTEM, FacilityQuery(limit=500, **filters)
    )  # type: ignore[arg-type]
    return items


def two_facilities(session: Session) -> tuple[FacilityRead, FacilityRead]:
    """Two primary-care facilities in different districts, each with registered patients."""
    found: dict[str, FacilityRead] = {}
    for facility in facilities_of(session, level="primary", category="outpatient"):
        page = patient_service.search(
            session, SYSTEM, PatientQuery(facility_id=facility.id, limit=1)
        )
        if page.items and facility.district_code not in found:
            found[facility.district_code] = facility
        if len(found) == 2:
            break
    a, b = list(found.values())[:2]
    return a, b


def patient_at(session: Session, facility_id: int) -> PatientRead:
    page = patient_service.search(session, SYSTEM, PatientQuery(facility_id=facility_id, limit=1))
    return page.items[0].patient


def new_patient(session: Session, **overrides: object) -> PatientCreate:
    values: dict[str, object] = {
        "fin": "7AB2CD9",
        "surname": "Əliyev",
        "given_name": "Rəşad",
        "patronymic": "Kamran oğlu",
        "sex": "male",
        "birth_date": date(1984, 3, 12),
        "district_code": "AZ-QBA",
        "address": "Quba, Heydər Əliyev pr. 12",
        "phone": "+994501234567",
        "insurance_category": "employee",
    }
    values.update(overrides)
    return PatientCreate.model_validate(values)


def doctor_at(session: Session, facility_id: int) -> int:
    from saglam.workforce import service as workforce

    staff = workforce.staff(session, SYSTEM, facility_id)
    return next(p.id for e, p in staff if e.role.value == "physician")


def a_patient(session: Session, sex: str = "male", min_age: int = 20) -> PatientRead:
    """A living patient of the test country registered at a facility with doctors."""
    for facility in facilities_of(session, level="primary", category="outpatient"):
        page = patient_service.search(
            session, SYSTEM, PatientQuery(facility_id=facility.id, limit=200)
        )
        for match in page.items:
            p = match.patient
            old_enough = (
                p.birth_date is not None and (date.today() - p.birth_date).days > min_age * 366
            )
            if p.sex.value == sex and p.death_date is None and old_enough:
                try:
                    doctor_at(session, facility.id)
                except StopIteration:
                    break
                return p
    raise LookupError("no patient fits")

"""Typed factories that go through the services, as a user would."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.auth import service as auth
from saglam.auth.schemas import ClientCreate, ClientCredentials, UserCreate, UserRead
from saglam.core.security import Principal, Role

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
    username = f"u-{role.value}-{len(scope)}"
    make_user(session, username, role, **scope)  # type: ignore[arg-type]
    return bearer(token_for(client, username))

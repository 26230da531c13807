from __future__ import annotations

import base64

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.schemas import AuditQuery
from saglam.core.security import Role
from tests.factories import PASSWORD, SYSTEM, bearer, make_client, make_user


def _password(client: TestClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    return response.status_code, response.json()


def test_password_grant_issues_a_short_lived_bearer_token(
    client: TestClient, session: Session
) -> None:
    make_user(session, "aygun", Role.CLINICIAN)
    status, body = _password(client, "aygun", PASSWORD)
    assert status == 200
    assert body["token_type"] == "bearer"
    assert 0 < int(str(body["expires_in"])) <= 3600


def test_wrong_password_and_unknown_user_answer_the_same_401(
    client: TestClient, session: Session
) -> None:
    make_user(session, "aygun", Role.CLINICIAN)
    wrong_status, wrong = _password(client, "aygun", "not the password")
    unknown_status, unknown = _password(client, "nobody-here", "not the password")
    assert wrong_status == unknown_status == 401
    assert wrong["detail"] == unknown["detail"]
    assert wrong["code"] == unknown["code"]


def test_repeated_failures_are_rate_limited_per_user(app: FastAPI, session: Session) -> None:
    make_user(session, "aygun", Role.CLINICIAN)
    for octet in range(3):
        with TestClient(app, client=(f"10.0.0.{octet}", 5000)) as attacker:
            assert _password(attacker, "aygun", "wrong")[0] == 401
    with TestClient(app, client=("10.9.9.9", 5000)) as owner:
        status, body = _password(owner, "aygun", PASSWORD)
    assert status == 429
    assert body["code"] == "too-many-attempts"


def test_repeated_failures_are_rate_limited_per_address(
    client: TestClient, session: Session
) -> None:
    make_user(session, "aygun", Role.CLINICIAN)
    for name in ("a1", "a2", "a3"):
        assert _password(client, name, "wrong")[0] == 401
    assert _password(client, "aygun", PASSWORD)[0] == 429


def test_failed_logins_are_audited(client: TestClient, session: Session) -> None:
    _password(client, "ghost", "wrong")
    rows = audit.search(session, SYSTEM, AuditQuery(actor_name="ghost"))
    assert rows and rows[0].outcome == "denied" and rows[0].action == "login"


def test_client_credentials_grant_carries_scopes(client: TestClient, session: Session) -> None:
    creds = make_client(session, "lab-system", "system/Observation.write system/Patient.read")
    response = client.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        },
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "system/Observation.write system/Patient.read"


def test_client_credentials_over_http_basic_and_narrowed_scope(
    client: TestClient, session: Session
) -> None:
    creds = make_client(session, "lab-system", "system/Observation.write system/Patient.read")
    basic = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
    response = client.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "scope": "system/Patient.read"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "system/Patient.read"


def test_client_cannot_ask_for_scopes_it_was_not_granted(
    client: TestClient, session: Session
) -> None:
    creds = make_client(session, "lab-system", "system/Observation.read")
    response = client.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "scope": "system/*.write",
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid-scope"


def test_bad_client_secret_is_401(client: TestClient, session: Session) -> None:
    creds = make_client(session, "lab-system", "system/Observation.read")
    response = client.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": "nope",
        },
    )
    assert response.status_code == 401


def test_unknown_grant_type_is_a_clear_error(client: TestClient) -> None:
    response = client.post("/auth/token", data={"grant_type": "implicit"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "unsupported-grant-type"


def test_disabled_user_token_stops_working(client: TestClient, session: Session) -> None:
    from saglam.auth import service as auth

    make_user(session, "boss", Role.ADMIN)
    _, body = _password(client, "boss", PASSWORD)
    headers = bearer(str(body["access_token"]))
    assert client.get("/api/users", headers=headers).status_code == 200
    auth.set_user_active(session, SYSTEM, "boss", False)
    session.commit()
    auth.forget_cached_accounts()
    assert client.get("/api/users", headers=headers).status_code == 401
    assert _password(client, "boss", PASSWORD)[0] == 401


def test_tampered_token_is_401(client: TestClient, session: Session) -> None:
    make_user(session, "boss", Role.ADMIN)
    _, body = _password(client, "boss", PASSWORD)
    token = str(body["access_token"])
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert client.get("/api/users", headers=bearer(forged)).status_code == 401

"""Every route authenticates; every refusal is audited."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.routing import Mount

from saglam.audit import service as audit
from saglam.audit.schemas import AuditQuery
from saglam.core.security import Role
from tests.factories import SYSTEM, login_as


def _routes(app: FastAPI, prefix: str) -> list[tuple[str, str]]:
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == prefix)
    sub = mount.app
    assert isinstance(sub, FastAPI)
    found = []
    for route in sub.routes:
        if isinstance(route, APIRoute):
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            for method in route.methods - {"HEAD"}:
                found.append((method, prefix + path))
    return found


def test_every_api_and_fhir_route_answers_401_without_a_token(
    app: FastAPI, client: TestClient
) -> None:
    routes = _routes(app, "/api") + [
        (m, p) for m, p in _routes(app, "/fhir") if p != "/fhir/metadata"
    ]
    assert len(routes) >= 5
    for method, path in routes:
        response = client.request(method, path)
        assert response.status_code == 401, (method, path, response.status_code)
        assert "Bearer" in response.headers.get("www-authenticate", "")


def test_401_is_problem_json_on_api_and_operation_outcome_on_fhir(client: TestClient) -> None:
    api = client.get("/api/users")
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["status"] == 401
    fhir = client.get("/fhir/Patient/1")
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    assert fhir.json()["resourceType"] == "OperationOutcome"


def test_unauthenticated_requests_are_audited(client: TestClient, session: Session) -> None:
    client.get("/api/users")
    rows = audit.search(session, SYSTEM, AuditQuery(actor_name="anonymous"))
    assert rows and rows[0].outcome == "denied" and rows[0].entity_id == "/api/users"


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.MINISTRY_ANALYST, Role.REGISTRATION_CLERK])
def test_a_role_without_the_right_gets_403_and_it_is_audited(
    client: TestClient, session: Session, role: Role
) -> None:
    headers = login_as(client, session, role)
    response = client.get("/api/users", headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert client.get("/api/audit", headers=headers).status_code == 403
    rows = audit.search(session, SYSTEM, AuditQuery(outcome="denied"))
    assert {(r.entity_type, r.role) for r in rows} >= {
        ("User", role.value),
        ("AuditEvent", role.value),
    }


def test_client_scope_without_the_resource_gets_403(client: TestClient, session: Session) -> None:
    from tests.factories import make_client

    creds = make_client(session, "reader", "system/Observation.read")
    token = client.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        },
    ).json()["access_token"]
    assert client.get("/api/users", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_admin_can_list_users_and_search_the_audit_trail(
    client: TestClient, session: Session
) -> None:
    headers = login_as(client, session, Role.ADMIN)
    assert client.get("/api/users", headers=headers).status_code == 200
    response = client.get("/api/audit", params={"limit": 5}, headers=headers)
    assert response.status_code == 200
    assert client.post("/api/audit/verify", headers=headers).json()["ok"] is True


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    response = client.get("/health")
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    echoed = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"


def test_health_checks_the_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_bad_input_is_problem_json_with_fields(client: TestClient, session: Session) -> None:
    headers = login_as(client, session, Role.ADMIN)
    response = client.post("/api/users", json={"username": "x", "role": "wizard"}, headers=headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid-input"
    assert {"username", "role", "password"} <= set(body["fields"])
    assert "Traceback" not in response.text


def test_oversized_body_is_refused_with_413(client: TestClient, app: FastAPI) -> None:
    big = b"x" * (app.state.ctx.settings.max_body_bytes + 1)
    response = client.post("/api/users", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_health_is_503_when_the_database_is_unreachable(settings: object) -> None:
    from saglam.bootstrap import create_app
    from saglam.core.config import Settings, parse_database_url
    from saglam.core.db import Database, make_engine

    assert isinstance(settings, Settings)
    dead = Database(make_engine(parse_database_url("postgresql://nobody@127.0.0.1:1/none")))
    with TestClient(create_app(settings, dead)) as c:
        response = c.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"

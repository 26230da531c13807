from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.core.security import Role
from tests.factories import PASSWORD, make_user


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _login(client: TestClient, username: str, password: str = PASSWORD) -> object:
    form = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": _csrf(form.text),
            "next": "/",
        },
        follow_redirects=False,
    )


def test_anonymous_visitors_are_sent_to_login(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_login_sets_an_httponly_samesite_cookie(client: TestClient, session: Session) -> None:
    make_user(session, "rauf", Role.CLINICIAN)
    response = _login(client, "rauf")
    assert response.status_code == 303  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "saglam_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = client.get("/")  # each role starts on its own first screen
    assert home.status_code == 200 and home.url.path == "/patients"
    assert "rauf" in home.text and "Clinician" in home.text


def test_login_without_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    make_user(session, "rauf", Role.CLINICIAN)
    client.get("/login")
    response = client.post(
        "/login", data={"username": "rauf", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


def test_wrong_password_shows_a_message_on_the_page(client: TestClient, session: Session) -> None:
    make_user(session, "rauf", Role.CLINICIAN)
    response = _login(client, "rauf", "wrong")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "invalid user name or password" in response.text  # type: ignore[attr-defined]


def test_logout_needs_the_csrf_token_and_ends_the_session(
    client: TestClient, session: Session
) -> None:
    make_user(session, "rauf", Role.CLINICIAN)
    _login(client, "rauf")
    home = client.get("/")
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": _csrf(home.text)})
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/patients", follow_redirects=False).status_code == 303

"""The admin screens: accounts, integration clients, the audit trail, the language preference."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from saglam.audit import service as audit_service
from saglam.audit.enums import AuditAction
from saglam.auth import service as auth
from saglam.core.security import Role
from saglam.web.i18n import ZONE
from tests.factories import SYSTEM, a_patient, bearer, make_user, token_for
from tests.web.test_session import _csrf, _login


def _admin(client: TestClient, session: Session, name: str = "aysel") -> str:
    """Log in as a new administrator; returns the page's CSRF token."""
    make_user(session, name, Role.ADMIN)
    assert _login(client, name).status_code == 303  # type: ignore[attr-defined]
    return _csrf(client.get("/admin/users").text)


def _usernames(session: Session) -> list[str]:
    return [u.username for u in auth.list_users(session, SYSTEM)]


def _new_user_form(csrf: str, **overrides: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf,
        "username": "nigar",
        "full_name": "Nigar Həsənova",
        "role": "registration_clerk",
        "facility_ids": "",
        "territory_codes": "",
        "language": "en",
        "password": "a long initial secret",
        "password_again": "a long initial secret",
    }
    form.update(overrides)
    return form


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def test_admin_sees_every_account_with_role_and_status(
    client: TestClient, session: Session
) -> None:
    make_user(session, "rauf", Role.CLINICIAN)
    _admin(client, session)
    page = client.get("/admin/users")
    assert page.status_code == 200
    row = next(r for r in _rows(page.text) if ">rauf<" in r)
    assert "Clinician" in row and "Active" in row and "Disable" in row


def test_admin_creates_a_user_who_can_then_log_in(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    csrf = _admin(client, session)
    facility = a_patient(session).registered_facility_id
    assert facility is not None
    response = client.post(
        "/admin/users",
        data=_new_user_form(csrf, facility_ids=f"{facility}"),
        follow_redirects=False,
    )
    assert response.status_code == 303
    listing = client.get(response.headers["location"])
    assert "User created" in listing.text
    row = next(r for r in _rows(listing.text) if ">nigar<" in r)
    assert "Registration clerk" in row and f"#{facility}" in row
    with TestClient(app) as newcomer:
        login = _login(newcomer, "nigar", "a long initial secret")
        assert login.status_code == 303  # type: ignore[attr-defined]
        assert "Nigar Həsənova" in newcomer.get("/account").text


def test_a_taken_username_is_shown_next_to_the_field_and_nothing_is_created(
    client: TestClient, session: Session
) -> None:
    make_user(session, "rauf", Role.CLINICIAN)
    csrf = _admin(client, session)
    before = _usernames(session)
    response = client.post("/admin/users", data=_new_user_form(csrf, username="rauf"))
    assert response.status_code == 409
    assert 'id="e-username"' in response.text and "already taken" in response.text
    assert "Nothing was saved" in response.text
    assert 'value="rauf"' in response.text  # what was typed stays in the form
    assert "a long initial secret" not in response.text  # passwords are never echoed
    assert _usernames(session) == before


def test_differing_passwords_and_bad_fields_are_refused_field_by_field(
    client: TestClient, session: Session
) -> None:
    csrf = _admin(client, session)
    before = _usernames(session)
    response = client.post(
        "/admin/users",
        data=_new_user_form(
            csrf,
            username="no spaces allowed",
            role="",
            facility_ids="12, twelve",
            password_again="something else",
        ),
    )
    assert response.status_code == 422
    for field in ("username", "role", "facility_ids", "password_again"):
        assert f'id="e-{field}"' in response.text, field
    assert "The two passwords differ." in response.text
    assert _usernames(session) == before


def test_a_form_without_the_csrf_token_creates_nothing(
    client: TestClient, session: Session
) -> None:
    _admin(client, session)
    before = _usernames(session)
    response = client.post("/admin/users", data=_new_user_form("forged"))
    assert response.status_code == 403
    assert _usernames(session) == before


def test_disabling_a_user_ends_their_session_and_stops_their_login(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    make_user(session, "rauf", Role.CLINICIAN)
    with TestClient(app) as rauf:
        assert _login(rauf, "rauf").status_code == 303  # type: ignore[attr-defined]
        csrf = _admin(client, session)
        response = client.post(
            "/admin/users/rauf/active",
            data={"csrf_token": csrf, "active": "false"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        listing = client.get(response.headers["location"])
        row = next(r for r in _rows(listing.text) if ">rauf<" in r)
        assert "Disabled" in row and "Enable" in row
        assert rauf.get("/account", follow_redirects=False).status_code == 303
        rauf.cookies.clear()
        assert _login(rauf, "rauf").status_code == 401  # type: ignore[attr-defined]
        client.post("/admin/users/rauf/active", data={"csrf_token": csrf, "active": "true"})
        assert _login(rauf, "rauf").status_code == 303  # type: ignore[attr-defined]


def test_a_new_client_secret_is_shown_once_and_works(client: TestClient, session: Session) -> None:
    _admin(client, session)
    csrf = _csrf(client.get("/admin/clients").text)
    response = client.post(
        "/admin/clients",
        data={
            "csrf_token": csrf,
            "name": "lab-system",
            "scopes": "system/Patient.read  system/Claim.write",
            "facility_ids": "",
        },
    )
    assert response.status_code == 201
    assert "will not be shown again" in response.text
    assert response.headers["cache-control"] == "no-store"
    client_id = re.search(r'id="client-id"[^>]*value="([^"]+)"', response.text)
    secret = re.search(r'id="client-secret"[^>]*value="([^"]+)"', response.text)
    assert client_id and secret
    listing = client.get("/admin/clients")
    assert client_id.group(1) in listing.text and "system/Claim.write" in listing.text
    assert secret.group(1) not in listing.text
    token = client.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "scope": "system/Patient.read"},
        auth=(client_id.group(1), secret.group(1)),
    )
    assert token.status_code == 200, token.text


def test_a_bad_scope_is_shown_next_to_the_field(client: TestClient, session: Session) -> None:
    _admin(client, session)
    csrf = _csrf(client.get("/admin/clients").text)
    before = len(auth.list_clients(session, SYSTEM))
    response = client.post(
        "/admin/clients",
        data={"csrf_token": csrf, "name": "x", "scopes": "everything please", "facility_ids": ""},
    )
    assert response.status_code == 422
    assert 'id="e-scopes"' in response.text and "invalid scope" in response.text
    assert len(auth.list_clients(session, SYSTEM)) == before


def test_disabling_a_client_refuses_its_tokens(client: TestClient, session: Session) -> None:
    _admin(client, session)
    csrf = _csrf(client.get("/admin/clients").text)
    created = client.post(
        "/admin/clients",
        data={"csrf_token": csrf, "name": "pharmacy", "scopes": "system/Patient.read"},
    )
    client_id = re.search(r'id="client-id"[^>]*value="([^"]+)"', created.text)
    secret = re.search(r'id="client-secret"[^>]*value="([^"]+)"', created.text)
    assert client_id and secret
    response = client.post(
        f"/admin/clients/{client_id.group(1)}/active", data={"csrf_token": csrf, "active": "false"}
    )
    assert response.status_code == 200 and "Client disabled" in response.text
    token = client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id.group(1), secret.group(1)),
    )
    assert token.status_code == 401


def test_the_audit_trail_shows_who_read_a_patient_and_when(
    client: TestClient, session: Session
) -> None:
    patient = a_patient(session)
    assert patient.registered_facility_id is not None
    make_user(session, "leyla", Role.CLINICIAN, facility_ids=[patient.registered_facility_id])
    read_at = datetime.now(ZONE)
    read = client.get(f"/api/patients/{patient.id}", headers=bearer(token_for(client, "leyla")))
    assert read.status_code == 200
    _admin(client, session)
    page = client.get("/admin/audit", params={"patient_id": str(patient.id)})
    assert page.status_code == 200
    row = next(r for r in _rows(page.text) if ">leyla<" in r)
    assert "Clinician" in row and "Read" in row and "Success" in row
    assert f'Patient <span class="muted">{patient.id}</span>' in row
    shown = re.search(r'<time datetime="([^"]+)"', row)
    assert shown
    assert abs(datetime.fromisoformat(shown.group(1)) - read_at) < timedelta(minutes=5)
    # The time range is typed in Baku time: a window starting after the read finds nothing.
    later = (read_at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    earlier = (read_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    params = {"patient_id": str(patient.id), "actor_name": "leyla"}
    assert ">leyla<" not in client.get("/admin/audit", params={**params, "since": later}).text
    assert ">leyla<" in client.get("/admin/audit", params={**params, "since": earlier}).text


def test_the_audit_trail_pages_back_through_older_records(
    client: TestClient, session: Session
) -> None:
    _admin(client, session)
    for n in range(60):  # more than a page of records, whatever the country's own history
        audit_service.record(session, SYSTEM, AuditAction.READ, "Organization", n + 1)
    session.commit()  # records are chained and written at commit
    first = client.get("/admin/audit")
    seqs = [int(s) for s in re.findall(r'</time> <span class="muted">#(\d+)</span>', first.text)]
    assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)
    older = re.search(r'<a href="(/admin/audit\?[^"]+)" rel="next">', first.text)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&"))
    more = [int(s) for s in re.findall(r'</time> <span class="muted">#(\d+)</span>', second.text)]
    assert more and max(more) < min(seqs)
    assert "Newest records" in second.text


def test_unreadable_audit_filters_are_shown_next_to_the_fields(
    client: TestClient, session: Session
) -> None:
    _admin(client, session)
    page = client.get("/admin/audit", params={"patient_id": "abc", "since": "yesterday"})
    assert page.status_code == 422
    assert 'id="e-patient_id"' in page.text and 'id="e-since"' in page.text


def test_verification_reports_the_chain_intact(client: TestClient, session: Session) -> None:
    csrf = _admin(client, session)
    page = client.post("/admin/audit/verify", data={"csrf_token": csrf})
    assert page.status_code == 200
    assert "The chain is intact." in page.text
    checked = re.search(r"Records checked: ([^<]+)<", page.text)
    assert checked and int(re.sub(r"\D", "", checked.group(1))) > 0
    piece = client.post("/admin/audit/verify", headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert piece.status_code == 200
    assert "The chain is intact." in piece.text and "<html" not in piece.text


def test_a_clinician_is_refused_the_admin_screens_and_the_refusal_is_audited(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    make_user(session, "rauf", Role.CLINICIAN)
    with TestClient(app) as rauf:
        _login(rauf, "rauf")
        for path in ("/admin/users", "/admin/clients", "/admin/audit"):
            assert rauf.get(path).status_code == 403, path
    _admin(client, session)
    page = client.get("/admin/audit", params={"actor_name": "rauf", "outcome": "denied"})
    rows = _rows(page.text)
    assert any("User" in r and "Denied" in r for r in rows)
    assert any("AuditEvent" in r and "Denied" in r for r in rows)


def test_anyone_logged_in_sets_their_own_language(client: TestClient, session: Session) -> None:
    make_user(session, "rauf", Role.CLINICIAN)
    _login(client, "rauf")
    page = client.get("/language/az", params={"next": "/account"})  # the header's switch
    assert page.status_code == 200 and '<html lang="az">' in page.text
    refused = client.post(
        "/account/language", data={"csrf_token": _csrf(page.text), "language": "fr"}
    )
    assert refused.status_code == 422 and 'id="e-language"' in refused.text
    saved = client.post(
        "/account/language",
        data={"csrf_token": _csrf(page.text), "language": "ru"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert '<html lang="ru">' in client.get("/account").text
    assert [u.language for u in auth.list_users(session, SYSTEM) if u.username == "rauf"] == ["ru"]

"""Web screens: admin — user accounts, integration clients, the audit trail, and each person's
own language preference. The auth and audit services decide who may do what; these routes only
parse forms, call them and render."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction, Outcome
from saglam.audit.schemas import AuditQuery, AuditRead, VerifyResult
from saglam.auth import service as auth
from saglam.auth.schemas import ClientCreate, UserCreate
from saglam.core.db import rollback
from saglam.core.errors import HTTP_STATUS, Conflict, Invalid
from saglam.core.security import Role
from saglam.country import service as country
from saglam.facilities import service as facilities
from saglam.http.deps import SessionDep
from saglam.http.routing import UnitOfWorkRoute
from saglam.web import i18n
from saglam.web.i18n import N_
from saglam.web.problems import problems
from saglam.web.render import fragment, page
from saglam.web.session import ROLE_LABELS, FormUserDep, UserDep, WebUser

router = APIRouter(route_class=UnitOfWorkRoute)

AUDIT_PAGE_SIZE = 50
LANGUAGE_CHOICES = ("az", "en", "ru")
_SEPARATORS = re.compile(r"[\s,;]+")

# English source texts, translated in the templates.
USER_FIELD_MESSAGES = {
    "username": N_("Use 3 to 80 letters, digits or . _ @ - (no spaces)."),
    "password": N_("The password must be at least 8 characters long."),
    "password_again": N_("The two passwords differ."),
    "role": N_("Choose a role."),
    "full_name": N_("The full name is too long (at most 200 characters)."),
    "facility_ids": N_("Facility ids are whole numbers separated by commas."),
    "territory_codes": N_("Territory codes are separated by commas."),
    "language": N_("Choose Azerbaijani, English or Russian."),
}
CLIENT_FIELD_MESSAGES = {
    "name": N_("Give the client a name (at most 120 characters)."),
    "scopes": N_("Enter at least one scope, e.g. system/Patient.read."),
    "facility_ids": N_("Facility ids are whole numbers separated by commas."),
}
AUDIT_FIELD_MESSAGES = {
    "patient_id": N_("A patient id is a whole number."),
    "since": N_("Enter a date and time."),
    "until": N_("Enter a date and time."),
    "outcome": N_("Choose an outcome."),
    "before_seq": N_("Not a record number."),
}
TAKEN = N_("This user name is already taken.")
ACTION_LABELS = {
    AuditAction.READ: N_("Read"),
    AuditAction.SEARCH: N_("Search"),
    AuditAction.CREATE: N_("Create"),
    AuditAction.UPDATE: N_("Update"),
    AuditAction.DELETE: N_("Delete"),
    AuditAction.MERGE: N_("Merge"),
    AuditAction.UNMERGE: N_("Unmerge"),
    AuditAction.LOGIN: N_("Log in"),
    AuditAction.LOGOUT: N_("Log out"),
    AuditAction.EXPORT: N_("Export"),
    AuditAction.EXECUTE: N_("Execute"),
}
OUTCOME_LABELS = {
    Outcome.SUCCESS: N_("Success"),
    Outcome.DENIED: N_("Denied"),
    Outcome.FAILURE: N_("Failure"),
}
# Badge classes of saglam.css; the label text carries the meaning, colour only repeats it.
OUTCOME_BADGES = {
    Outcome.SUCCESS: "accepted",
    Outcome.DENIED: "rejected",
    Outcome.FAILURE: "pended",
}
ENTITY_TYPES = (
    "Patient",
    "Encounter",
    "Claim",
    "Coverage",
    "User",
    "Client",
    "Session",
    "AuditEvent",
    "Endpoint",
    "Facility",
    "Practitioner",
)


# --- form parsing ---------------------------------------------------------------------------


def _parts(text: str) -> list[str]:
    return [part for part in _SEPARATORS.split(text.strip()) if part]


def _ids(text: str) -> list[int] | None:
    """Comma-separated whole numbers, or None when one of them is not a number."""
    parts = _parts(text)
    if not all(part.isascii() and part.isdigit() for part in parts):
        return None
    return [int(part) for part in parts]


def _field_errors(exc: ValidationError, messages: dict[str, str]) -> dict[str, str]:
    """One message per form field, in the screen's words (the problem's own words as a fallback)."""
    found: dict[str, str] = {}
    for path, message in problems(exc).items():
        name = path.split(".")[0]
        found.setdefault(name, messages.get(name, message))
    return found


def _redirect(path: str, **params: str) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=303)


def _facility_names(session: Session, ids: set[int]) -> dict[int, str]:
    return {facility_id: facilities.name_of(session, facility_id) for facility_id in sorted(ids)}


# --- users ----------------------------------------------------------------------------------


def _users_page(
    request: Request,
    session: Session,
    web: WebUser,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    notice: str | None = None,
    notice_name: str = "",
) -> Response:
    users = auth.list_users(session, web.principal)
    territories = sorted({code for u in users for code in u.territory_codes})
    return page(
        request,
        "admin/users.html",
        status,
        users=users,
        facility_names=_facility_names(session, {i for u in users for i in u.facility_ids}),
        territory_names={code: country.location_name(session, code) for code in territories},
        roles=[(role.value, ROLE_LABELS[role]) for role in Role],
        role_labels={role.value: label for role, label in ROLE_LABELS.items()},
        languages=i18n.LANGUAGES,
        form=form or {"language": "az"},
        errors=errors or {},
        message=message,
        notice=notice,
        notice_name=notice_name,
    )


# What a redirect after a change reports; the name follows the translated text.
_USER_NOTICES = {
    "created": N_("User created; they can log in now:"),
    "disabled": N_("User disabled; their sessions have ended:"),
    "enabled": N_("User enabled:"),
}


@router.get("/admin/users")
def users(
    request: Request, session: SessionDep, web: UserDep, done: str = "", name: str = ""
) -> Response:
    notice = _USER_NOTICES.get(done)
    return _users_page(request, session, web, notice=notice, notice_name=name if notice else "")


@router.post("/admin/users")
def create_user(
    request: Request,
    session: SessionDep,
    web: FormUserDep,
    username: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    facility_ids: Annotated[str, Form()] = "",
    territory_codes: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "az",
    password: Annotated[str, Form()] = "",
    password_again: Annotated[str, Form()] = "",
) -> Response:
    # Passwords are never echoed back into the form.
    typed = {
        "username": username.strip(),
        "full_name": full_name.strip(),
        "role": role,
        "facility_ids": facility_ids,
        "territory_codes": territory_codes,
        "language": language,
    }
    errors: dict[str, str] = {}
    ids = _ids(facility_ids)
    if ids is None:
        errors["facility_ids"] = USER_FIELD_MESSAGES["facility_ids"]
    data: UserCreate | None = None
    try:
        data = UserCreate.model_validate(
            {
                **typed,
                "facility_ids": ids or [],
                "territory_codes": _parts(territory_codes),
                "password": password,
            }
        )
    except ValidationError as exc:
        errors = {**_field_errors(exc, USER_FIELD_MESSAGES), **errors}
    if password != password_again:
        errors["password_again"] = USER_FIELD_MESSAGES["password_again"]
    if errors or data is None:
        rollback(session)
        return _users_page(request, session, web, status=422, form=typed, errors=errors)
    try:
        created = auth.create_user(session, web.principal, data)
    except (Invalid, Conflict) as exc:
        rollback(session)
        fields = dict(exc.fields)
        if isinstance(exc, Conflict) and "username" in fields:
            fields["username"] = TAKEN
        return _users_page(
            request,
            session,
            web,
            status=HTTP_STATUS[exc.kind],
            form=typed,
            errors=fields,
            message=exc.detail,
        )
    return _redirect("/admin/users", done="created", name=created.username)


@router.post("/admin/users/{username}/active")
def set_user_active(
    session: SessionDep, web: FormUserDep, username: str, active: Annotated[bool, Form()]
) -> Response:
    changed = auth.set_user_active(session, web.principal, username, active)
    return _redirect(
        "/admin/users", done="enabled" if changed.active else "disabled", name=changed.username
    )


# --- API clients ----------------------------------------------------------------------------


def _clients_page(
    request: Request,
    session: Session,
    web: WebUser,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    notice: str | None = None,
    notice_name: str = "",
) -> Response:
    clients = auth.list_clients(session, web.principal)
    return page(
        request,
        "admin/clients.html",
        status,
        clients=clients,
        facility_names=_facility_names(session, {i for c in clients for i in c.facility_ids}),
        form=form or {},
        errors=errors or {},
        message=message,
        notice=notice,
        notice_name=notice_name,
    )


_CLIENT_NOTICES = {"disabled": N_("Client disabled:"), "enabled": N_("Client enabled:")}


@router.get("/admin/clients")
def clients(
    request: Request, session: SessionDep, web: UserDep, done: str = "", name: str = ""
) -> Response:
    notice = _CLIENT_NOTICES.get(done)
    return _clients_page(request, session, web, notice=notice, notice_name=name if notice else "")


@router.post("/admin/clients")
def create_client(
    request: Request,
    session: SessionDep,
    web: FormUserDep,
    name: Annotated[str, Form()] = "",
    scopes: Annotated[str, Form()] = "",
    facility_ids: Annotated[str, Form()] = "",
) -> Response:
    typed = {"name": name.strip(), "scopes": " ".join(scopes.split()), "facility_ids": facility_ids}
    errors: dict[str, str] = {}
    ids = _ids(facility_ids)
    if ids is None:
        errors["facility_ids"] = CLIENT_FIELD_MESSAGES["facility_ids"]
    data: ClientCreate | None = None
    try:
        data = ClientCreate.model_validate({**typed, "facility_ids": ids or []})
    except ValidationError as exc:
        errors = {**_field_errors(exc, CLIENT_FIELD_MESSAGES), **errors}
    if errors or data is None:
        rollback(session)
        return _clients_page(request, session, web, status=422, form=typed, errors=errors)
    try:
        client, credentials = auth.create_client(session, web.principal, data)
    except (Invalid, Conflict) as exc:
        rollback(session)
        return _clients_page(
            request,
            session,
            web,
            status=HTTP_STATUS[exc.kind],
            form=typed,
            errors=dict(exc.fields),
            message=exc.detail,
        )
    response = page(
        request, "admin/client_created.html", 201, client=client, credentials=credentials
    )
    # The secret is on this page only: no browser or proxy may keep a copy of it.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/clients/{client_id}/active")
def set_client_active(
    session: SessionDep, web: FormUserDep, client_id: str, active: Annotated[bool, Form()]
) -> Response:
    changed = auth.set_client_active(session, web.principal, client_id, active)
    return _redirect(
        "/admin/clients", done="enabled" if changed.active else "disabled", name=changed.name
    )


# --- audit trail ----------------------------------------------------------------------------

_AUDIT_FILTERS = (
    "actor_name",
    "patient_id",
    "entity_type",
    "entity_id",
    "outcome",
    "since",
    "until",
)


def _local_time(text: str) -> datetime:
    """A time typed on screen (Asia/Baku) as the UTC instant the trail stores."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=i18n.ZONE)
    return moment


def _audit_query(
    typed: dict[str, str], before_seq: str
) -> tuple[AuditQuery | None, dict[str, str]]:
    """The search the form asks for, or the fields that could not be read."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"limit": AUDIT_PAGE_SIZE + 1}
    for name in ("actor_name", "entity_type", "entity_id"):
        if typed[name]:
            values[name] = typed[name]
    if typed["outcome"]:
        if typed["outcome"] in {o.value for o in Outcome}:
            values["outcome"] = typed["outcome"]
        else:
            errors["outcome"] = AUDIT_FIELD_MESSAGES["outcome"]
    for name, text in (("patient_id", typed["patient_id"]), ("before_seq", before_seq)):
        if text:
            if text.isascii() and text.isdigit():
                values[name] = int(text)
            else:
                errors[name] = AUDIT_FIELD_MESSAGES[name]
    for name in ("since", "until"):
        if typed[name]:
            try:
                values[name] = _local_time(typed[name])
            except ValueError:
                errors[name] = AUDIT_FIELD_MESSAGES[name]
    return (None, errors) if errors else (AuditQuery.model_validate(values), errors)


def _audit_page(
    request: Request,
    session: Session,
    web: WebUser,
    typed: dict[str, str],
    before_seq: str = "",
    *,
    verified: VerifyResult | None = None,
) -> Response:
    query, errors = _audit_query(typed, before_seq)
    rows: list[AuditRead] = []
    older = ""
    if query is None:
        # Nothing is searched, but the page is still only for those who may search the trail.
        audit.require(session, web.principal, "AuditEvent", "read", action=AuditAction.SEARCH)
    else:
        rows = audit.search(session, web.principal, query)
        if len(rows) > AUDIT_PAGE_SIZE:
            rows = rows[:AUDIT_PAGE_SIZE]
            older = urlencode({**{k: v for k, v in typed.items() if v}, "before_seq": rows[-1].seq})
    return page(
        request,
        "admin/audit.html",
        422 if errors else 200,
        rows=rows,
        form=typed,
        errors=errors,
        paged=bool(before_seq),
        newest=urlencode({k: v for k, v in typed.items() if v}),
        older=older,
        verified=verified,
        entity_types=ENTITY_TYPES,
        outcomes=OUTCOME_LABELS,
        outcome_badges=OUTCOME_BADGES,
        action_labels=ACTION_LABELS,
        role_labels={role.value: label for role, label in ROLE_LABELS.items()},
    )


@router.get("/admin/audit")
def audit_trail(
    request: Request,
    session: SessionDep,
    web: UserDep,
    actor_name: str = "",
    patient_id: str = "",
    entity_type: str = "",
    entity_id: str = "",
    outcome: str = "",
    since: str = "",
    until: str = "",
    before_seq: str = "",
) -> Response:
    typed = {
        "actor_name": actor_name.strip(),
        "patient_id": patient_id.strip(),
        "entity_type": entity_type.strip(),
        "entity_id": entity_id.strip(),
        "outcome": outcome,
        "since": since,
        "until": until,
    }
    return _audit_page(request, session, web, typed, before_seq.strip())


@router.post("/admin/audit/verify")
def verify_trail(request: Request, session: SessionDep, web: FormUserDep) -> Response:
    result = audit.verify(session, web.principal)
    if request.headers.get("hx-request"):
        return fragment(request, "admin/_verify_result.html", verified=result)
    return _audit_page(request, session, web, dict.fromkeys(_AUDIT_FILTERS, ""), verified=result)


# --- the logged-in person's own account -----------------------------------------------------


def _account_page(
    request: Request,
    web: WebUser,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    saved: bool = False,
) -> Response:
    return page(
        request,
        "admin/account.html",
        status,
        account=web.user,
        choices=[(code, i18n.LANGUAGES[code]) for code in LANGUAGE_CHOICES],
        errors=errors or {},
        saved=saved,
    )


@router.get("/account")
def account(request: Request, web: UserDep, saved: str = "") -> Response:
    return _account_page(request, web, saved=saved == "1")


@router.post("/account/language")
def account_language(
    request: Request,
    session: SessionDep,
    web: FormUserDep,
    language: Annotated[str, Form()] = "",
) -> Response:
    try:
        auth.set_language(session, web.principal, language)
    except Invalid as exc:
        rollback(session)
        return _account_page(request, web, status=422, errors=dict(exc.fields))
    response = _redirect("/account", saved="1")
    # The header's language links set a per-browser cookie that outranks the saved preference;
    # dropping it lets the choice made here show at once.
    response.delete_cookie(i18n.COOKIE, path="/")
    return response

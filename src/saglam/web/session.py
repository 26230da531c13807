"""Browser sessions: an HttpOnly, SameSite cookie, and a CSRF token checked on every form."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from saglam.auth import service as auth
from saglam.auth.schemas import UserRead
from saglam.core.errors import Forbidden, Unauthenticated
from saglam.core.message import Message
from saglam.core.security import Principal, Role
from saglam.country import service as country
from saglam.facilities import service as facilities
from saglam.http.deps import SessionDep, client_address, context, request_id
from saglam.web.i18n import N_

SESSION_COOKIE = "saglam_session"
PRELOGIN_COOKIE = "saglam_prelogin"


ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.MINISTRY_ANALYST: N_("Ministry analyst"),
    Role.INSURANCE_OFFICER: N_("Insurance officer"),
    Role.NETWORK_MANAGER: N_("Network manager"),
    Role.REGISTRATION_CLERK: N_("Registration clerk"),
    Role.CLINICIAN: N_("Clinician"),
    Role.PROGRAM_OFFICER: N_("Program officer"),
    Role.COOPERATION_COORDINATOR: N_("Cooperation coordinator"),
}


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    csrf_token: str
    user: UserRead
    scope_label: str = ""  # the user's facilities or territories by name

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.user.role]


def set_session_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=context(request).settings.secure_cookies,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def optional_user(request: Request, session: SessionDep) -> WebUser | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = auth.resolve_web_session(session, token)
    if found is None:
        return None
    principal, csrf, user = found
    web = WebUser(
        principal.at(client_address(request), request_id(request)),
        csrf,
        user,
        _scope_label(session, user),
    )
    request.scope.setdefault("state", {})["web"] = web
    return web


def _scope_label(session: Session, user: UserRead) -> str:
    """The names of the user's facilities (or territories), for the header."""
    names = [facilities.name_of(session, facility_id) for facility_id in user.facility_ids[:3]] or [
        country.location_name(session, code) for code in user.territory_codes[:3]
    ]
    more = len(user.facility_ids or user.territory_codes) - len(names)
    return ", ".join(n for n in names if n) + (f" +{more}" if more > 0 else "")


def current_user(user: Annotated[WebUser | None, Depends(optional_user)]) -> WebUser:
    if user is None:
        raise Unauthenticated("login-required", Message("please log in"))
    return user


def check_csrf(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected, given):
        raise Forbidden(
            "csrf",
            Message("the form has expired or did not come from this site; reload and try again"),
        )


def verified_user(
    request: Request,
    user: Annotated[WebUser, Depends(current_user)],
    csrf_token: Annotated[str | None, Form()] = None,
) -> WebUser:
    """The logged-in user, for form posts: the form's CSRF token (or htmx's X-CSRF-Token
    header) must match the session's."""
    check_csrf(user.csrf_token, csrf_token or request.headers.get("x-csrf-token"))
    return user


def prelogin_token(request: Request) -> str:
    """A double-submit CSRF token for the login form (there is no session yet)."""
    return request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(24)


UserDep = Annotated[WebUser, Depends(current_user)]
FormUserDep = Annotated[WebUser, Depends(verified_user)]
OptionalUserDep = Annotated[WebUser | None, Depends(optional_user)]

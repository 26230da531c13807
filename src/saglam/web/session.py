"""Browser sessions: an HttpOnly, SameSite cookie, and a CSRF token checked on every form."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request
from starlette.responses import Response

from saglam.auth import service as auth
from saglam.auth.schemas import UserRead
from saglam.core.errors import Forbidden, Unauthenticated
from saglam.core.security import Principal
from saglam.http.deps import SessionDep, client_address, context, request_id

SESSION_COOKIE = "saglam_session"
PRELOGIN_COOKIE = "saglam_prelogin"


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    csrf_token: str
    user: UserRead


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
    web = WebUser(principal.at(client_address(request), request_id(request)), csrf, user)
    request.scope.setdefault("state", {})["web"] = web
    return web


def current_user(user: Annotated[WebUser | None, Depends(optional_user)]) -> WebUser:
    if user is None:
        raise Unauthenticated("login-required", "please log in")
    return user


def check_csrf(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected, given):
        raise Forbidden(
            "csrf", "the form has expired or did not come from this site; reload and try again"
        )


def verified_user(
    user: Annotated[WebUser, Depends(current_user)],
    csrf_token: Annotated[str | None, Form()] = None,
) -> WebUser:
    """The logged-in user, for form posts: the form's CSRF token must match the session's."""
    check_csrf(user.csrf_token, csrf_token)
    return user


def prelogin_token(request: Request) -> str:
    """A double-submit CSRF token for the login form (there is no session yet)."""
    return request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(24)


UserDep = Annotated[WebUser, Depends(current_user)]
FormUserDep = Annotated[WebUser, Depends(verified_user)]
OptionalUserDep = Annotated[WebUser | None, Depends(optional_user)]

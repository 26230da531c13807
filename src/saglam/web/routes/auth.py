"""Log in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from saglam.auth import service as auth
from saglam.core.db import rollback
from saglam.core.errors import RateLimited, Unauthenticated
from saglam.http.deps import SessionDep, client_address, context, request_id
from saglam.http.routing import UnitOfWorkRoute
from saglam.web.render import page
from saglam.web.session import (
    PRELOGIN_COOKIE,
    FormUserDep,
    OptionalUserDep,
    check_csrf,
    clear_session_cookie,
    prelogin_token,
    set_session_cookie,
)

router = APIRouter(route_class=UnitOfWorkRoute)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def _login_page(
    request: Request, next_url: str, error: str | None = None, status: int = 200
) -> Response:
    token = prelogin_token(request)
    response = page(
        request, "auth/login.html", status, csrf_token=token, next_url=next_url, error=error
    )
    response.set_cookie(PRELOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.get("/login")
def login_form(request: Request, user: OptionalUserDep, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, _safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request.cookies.get(PRELOGIN_COOKIE, ""), csrf_token)
    ctx = context(request)
    try:
        principal = auth.login_password(
            session,
            username,
            password,
            address=client_address(request),
            request_id=request_id(request),
            policy=ctx.login_policy,
        )
    except (Unauthenticated, RateLimited) as exc:
        rollback(session)
        return _login_page(
            request, _safe_next(next), exc.detail, 401 if isinstance(exc, Unauthenticated) else 429
        )
    opened = auth.open_web_session(session, principal, ttl_seconds=ctx.settings.session_ttl_seconds)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, response, opened.token, ctx.settings.session_ttl_seconds)
    response.delete_cookie(PRELOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, user: FormUserDep) -> Response:
    token = request.cookies.get("saglam_session", "")
    auth.close_web_session(session, user.principal, token)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response

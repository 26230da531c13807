"""The start page (each role's own first screen) and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from saglam.http.routing import UnitOfWorkRoute
from saglam.web import i18n
from saglam.web.nav import start_page
from saglam.web.render import page
from saglam.web.session import UserDep

router = APIRouter(route_class=UnitOfWorkRoute)
YEAR = 365 * 24 * 3600


@router.get("/")
def home(request: Request, user: UserDep) -> Response:
    target = start_page(user.user.role)
    if target != "/":
        return RedirectResponse(target, status_code=303)
    return page(request, "home/index.html")


@router.get("/language/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    """Remember the chosen language in a cookie and go back to the page."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if code in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, code, max_age=YEAR, httponly=True, samesite="lax")
    return response

"""The landing page after login: what this role can do."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from saglam.web.render import page
from saglam.web.session import UserDep

router = APIRouter()


@router.get("/")
def home(request: Request, user: UserDep) -> Response:
    return page(request, "home/index.html")

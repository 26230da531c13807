"""The web application, mounted at ``/``."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from saglam.core.errors import HTTP_STATUS, DomainError, ErrorKind
from saglam.http.context import AppContext
from saglam.web.render import page
from saglam.web.routes import admin, auth, care, dashboard, home, insurance, registries

log = logging.getLogger(__name__)
ROUTERS = [
    auth.router,
    home.router,
    dashboard.router,
    registries.router,
    care.router,
    insurance.router,
    admin.router,
]


def create_web(ctx: AppContext) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    app.mount(
        "/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"
    )
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
    return app


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if exc.kind is ErrorKind.UNAUTHENTICATED:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    status = HTTP_STATUS[exc.kind]
    return page(request, "error.html", status, status=status, message=exc.detail)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return page(
        request, "error.html", exc.status_code, status=exc.status_code, message=str(exc.detail)
    )


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return page(
        request,
        "error.html",
        500,
        status=500,
        message="An unexpected error occurred; it has been logged.",
    )

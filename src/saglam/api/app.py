"""The native API application, mounted at ``/api``."""

from __future__ import annotations

from fastapi import FastAPI

from saglam import __version__
from saglam.api import errors
from saglam.api.routes import admin, care, insurance, patients, registries
from saglam.http.context import AppContext
from saglam.http.responses import JSONResponse
from saglam.insurance.service import ClaimBatcher

ROUTERS = [admin.router, registries.router, care.router, insurance.router, patients.router]


def create_api(ctx: AppContext) -> FastAPI:
    app = FastAPI(
        title="Saglam native API",
        version=__version__,
        description="JSON REST API over Saglam's domains. Authenticate with a bearer token from "
        "`POST /auth/token`; errors are `application/problem+json`.",
        default_response_class=JSONResponse,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.state.claim_batcher = ClaimBatcher(ctx.database)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    return app

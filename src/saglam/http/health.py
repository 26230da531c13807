"""``GET /health``: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from saglam import __version__
from saglam.http.deps import context
from saglam.http.responses import JSONResponse
from saglam.http.routing import UnitOfWorkRoute

log = logging.getLogger(__name__)
router = APIRouter(route_class=UnitOfWorkRoute)


@router.get("/health", include_in_schema=False)
def health(request: Request) -> JSONResponse:
    database = context(request).database
    try:
        with database.engine.execution_options(saglam_read_only=True).connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("health check failed: %s", exc.__class__.__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "version": __version__, "database": database.dialect})

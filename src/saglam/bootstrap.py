"""Composition root: build the application from settings and a database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from saglam import __version__
from saglam.api import errors as api_errors
from saglam.api.app import create_api
from saglam.api.routes import token
from saglam.core.config import Settings, load_settings
from saglam.core.db import Database, make_engine
from saglam.fhir.app import create_fhir
from saglam.http import health
from saglam.http.context import AppContext
from saglam.http.middleware import BodyLimitMiddleware, RequestContextMiddleware
from saglam.http.responses import JSONResponse
from saglam.web.app import create_web


def create_database(settings: Settings) -> Database:
    """The server's database: a connection for each request thread and a few for the audit
    writer and the dashboard warmer (connections opened and closed per request cost more than
    the request); SQLite checkpoints its log in the background (see core.sqlite)."""
    return Database(
        make_engine(settings.url, pool_size=settings.threads + 4, background_checkpoint=True)
    )


def _request_threads(count: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Run requests' synchronous work on ``count`` threads. More threads than this only queue
    on the interpreter lock: with 40 (the default of the thread pool), reads on PostgreSQL
    served ~590 a second on two workers, with 16 ~705."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = count
        yield

    return lifespan


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """The whole service: ``/api``, ``/fhir``, ``/auth/token``, ``/health`` and the web UI."""
    settings = settings or load_settings()
    database = database or create_database(settings)
    ctx = AppContext.build(settings, database)
    app = FastAPI(
        lifespan=_request_threads(settings.threads),
        title="Saglam",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        default_response_class=JSONResponse,
    )
    app.state.ctx = ctx
    api_errors.install(app)
    app.include_router(health.router)
    app.include_router(token.router)
    app.mount("/api", create_api(ctx))
    app.mount("/fhir", create_fhir(ctx))
    app.mount("/", create_web(ctx))
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` (each worker builds its own engine)."""
    from saglam.analytics.warm import keep_warm
    from saglam.core.logging import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = create_app(settings)
    if settings.warm_dashboard:
        keep_warm(app.state.ctx.database)
    _settle_memory()
    return app


def _settle_memory() -> None:
    """Everything built at start (modules, code tables, the ICD-10 set) lives as long as the
    process: keep it out of the garbage collector's full passes, which otherwise walked all of it
    now and then in the middle of a request (pauses of tens of milliseconds)."""
    import gc

    gc.collect()
    gc.freeze()

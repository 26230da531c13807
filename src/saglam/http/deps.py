"""FastAPI dependencies shared by the HTTP transports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from saglam.audit import service as audit
from saglam.audit.enums import Outcome
from saglam.auth import service as auth
from saglam.core.db import UnitOfWork
from saglam.core.errors import Unauthenticated
from saglam.core.security import Principal, PrincipalKind
from saglam.http.context import AppContext


def context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def request_id(request: Request) -> str | None:
    rid: str | None = request.scope.get("state", {}).get("request_id")
    return rid


READ_METHODS = frozenset({"GET", "HEAD"})


#: The request's unit of work, for the thread that runs a sync endpoint (see ``routing``).
current_work: ContextVar[UnitOfWork | None] = ContextVar("current_work", default=None)


@asynccontextmanager
async def _unit_of_work(request: Request, *, read_only: bool) -> AsyncIterator[UnitOfWork]:
    """A unit of work for an async dependency. Opening one does no I/O (the session connects at
    its first statement), so it opens on the event loop. A sync endpoint ends it in its own
    thread (``routing.UnitOfWorkRoute``); otherwise the commit or rollback, and the durable
    audit write that follows it, run in the thread pool — or on the loop when there is nothing
    to write."""
    work = context(request).database.begin(read_only=read_only)
    try:
        yield work
    except BaseException:
        if not work.ended:
            await run_in_threadpool(work.abort)
        raise
    else:
        if work.idle:
            work.commit()
        elif not work.ended:
            await run_in_threadpool(work.commit)
    finally:
        work.close()


async def unit_of_work(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed before the response is sent (GET and HEAD run
    read-only: they change no data, and their audit records go through group commit)."""
    read_only = request.method in READ_METHODS
    async with _unit_of_work(request, read_only=read_only) as work:
        current_work.set(work)
        try:
            yield work.session
        finally:
            current_work.set(None)


SessionDep = Annotated[Session, Depends(unit_of_work, scope="function")]


async def bearer_principal(request: Request, session: SessionDep) -> Principal:
    """The principal of the ``Authorization: Bearer`` token; refusals are audited. Runs on the
    event loop: the token is checked in memory, and the account's status comes from the
    database only when the per-process cache of it has expired."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    address, rid = client_address(request), request_id(request)
    if scheme.lower() != "bearer" or not token.strip():
        _audit_unauthenticated(session, address, rid, request, "no bearer token")
        raise Unauthenticated("no-token", "a bearer token is required (POST /auth/token)")
    try:
        principal = context(request).tokens.decode(token.strip())
        if auth.status_known(principal):
            auth.ensure_active(session, principal)
        else:
            await run_in_threadpool(auth.ensure_active, session, principal)
    except Unauthenticated as exc:
        _audit_unauthenticated(session, address, rid, request, exc.code)
        raise
    return principal.at(address, rid)


def _audit_unauthenticated(
    session: Session, address: str | None, rid: str | None, request: Request, reason: str
) -> None:
    anonymous = Principal(
        PrincipalKind.USER, None, "anonymous", client_address=address, request_id=rid
    )
    audit.record(
        session,
        anonymous,
        request.method.lower(),
        "Endpoint",
        request.url.path[:80],
        outcome=Outcome.DENIED,
        detail={"reason": reason},
    )


PrincipalDep = Annotated[Principal, Depends(bearer_principal)]


async def read_only_principal(request: Request) -> Principal:
    """The bearer principal, resolved in a read-only unit of work of its own that ends at once:
    for routes that hand their writes to another writer (they must not hold the write lock)."""
    async with _unit_of_work(request, read_only=True) as work:
        return await bearer_principal(request, work.session)


ReadOnlyPrincipalDep = Annotated[Principal, Depends(read_only_principal)]

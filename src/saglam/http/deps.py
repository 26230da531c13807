"""FastAPI dependencies shared by the HTTP transports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import Outcome
from saglam.auth import service as auth
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


def unit_of_work(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent (GET and HEAD run
    read-only: they change no data, and their audit records go through group commit)."""
    read_only = request.method in READ_METHODS
    with context(request).database.unit_of_work(read_only=read_only) as session:
        yield session


SessionDep = Annotated[Session, Depends(unit_of_work, scope="function")]


def bearer_principal(request: Request, session: SessionDep) -> Principal:
    """The principal of the ``Authorization: Bearer`` token; refusals are audited."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    address, rid = client_address(request), request_id(request)
    if scheme.lower() != "bearer" or not token.strip():
        _audit_unauthenticated(session, address, rid, request, "no bearer token")
        raise Unauthenticated("no-token", "a bearer token is required (POST /auth/token)")
    try:
        principal = context(request).tokens.decode(token.strip())
        auth.ensure_active(session, principal)
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


def read_only_principal(request: Request) -> Principal:
    """The bearer principal, resolved in a read-only unit of work of its own that ends at once:
    for routes that hand their writes to another writer (they must not hold the write lock)."""
    with context(request).database.unit_of_work(read_only=True) as session:
        return bearer_principal(request, session)


ReadOnlyPrincipalDep = Annotated[Principal, Depends(read_only_principal)]

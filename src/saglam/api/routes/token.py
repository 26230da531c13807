"""``POST /auth/token``: OAuth2 password and client-credentials grants (form-encoded)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from saglam.auth import service as auth
from saglam.auth.schemas import Token
from saglam.core.errors import Invalid
from saglam.core.security import PrincipalKind
from saglam.http.deps import SessionDep, client_address, context, request_id
from saglam.http.routing import UnitOfWorkRoute

router = APIRouter(tags=["auth"], route_class=UnitOfWorkRoute)


@router.post("/auth/token", response_model=Token, summary="Obtain a short-lived bearer token")
def token(
    request: Request,
    session: SessionDep,
    grant_type: Annotated[str, Form()],
    username: Annotated[str | None, Form()] = None,
    password: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form()] = None,
) -> Token:
    """``grant_type=password`` for people, ``grant_type=client_credentials`` for systems."""
    ctx = context(request)
    address, rid = client_address(request), request_id(request)
    if grant_type == "password":
        if not username or password is None:
            raise Invalid("invalid-request", "username and password are required")
        principal = auth.login_password(
            session, username, password, address=address, request_id=rid, policy=ctx.login_policy
        )
    elif grant_type == "client_credentials":
        client_id, client_secret = _client_credentials(request, client_id, client_secret)
        principal = auth.login_client(
            session,
            client_id,
            client_secret,
            requested_scope=scope,
            address=address,
            request_id=rid,
            policy=ctx.login_policy,
        )
    else:
        raise Invalid("unsupported-grant-type", "grant_type must be password or client_credentials")
    scopes = principal.scopes if principal.kind is PrincipalKind.CLIENT else frozenset()
    return Token(
        access_token=ctx.tokens.issue(principal),
        expires_in=ctx.tokens.ttl_seconds,
        scope=" ".join(sorted(scopes))
        if scopes
        else (principal.role.value if principal.role else ""),
    )


def _client_credentials(
    request: Request, client_id: str | None, client_secret: str | None
) -> tuple[str, str]:
    """Credentials from the form or from HTTP Basic, as OAuth2 allows both."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic ") and not client_id:
        import base64
        import binascii
        from urllib.parse import unquote

        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Invalid("invalid-request", "malformed Basic credentials") from exc
        cid, _, secret = decoded.partition(":")
        return unquote(cid), unquote(secret)
    if not client_id or client_secret is None:
        raise Invalid("invalid-request", "client_id and client_secret are required")
    return client_id, client_secret

"""Auth use cases: accounts and clients, password and client-credential logins, web sessions."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction, Outcome
from saglam.auth import repository
from saglam.auth.models import ApiClient, User, WebSession
from saglam.auth.passwords import burn_verification, hash_password, verify_password
from saglam.auth.schemas import (
    ClientCreate,
    ClientCredentials,
    ClientRead,
    UserCreate,
    UserRead,
    WebSessionRead,
)
from saglam.core.db import add_after_rollback
from saglam.core.errors import Conflict, Invalid, NotFound, RateLimited, Unauthenticated
from saglam.core.message import Message
from saglam.core.security import Principal, PrincipalKind, Role, parse_scopes
from saglam.core.types import utcnow


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    max_failures: int = 5
    window_seconds: int = 300


BAD_CREDENTIALS = Message("invalid user name or password")


def _principal_of(user: User) -> Principal:
    return Principal.user(
        user.id,
        user.username,
        Role(user.role),
        frozenset(user.facility_ids or []),
        frozenset(user.territory_codes or []),
    )


def _client_principal(client: ApiClient) -> Principal:
    return Principal.client(
        client.id, client.name, frozenset(client.scopes.split()), frozenset(client.facility_ids)
    )


# --- accounts -------------------------------------------------------------------------------


def create_user(session: Session, actor: Principal, data: UserCreate) -> UserRead:
    """Create a person's account with a role and an optional facility/territory scope."""
    audit.require(session, actor, "User", "write", action=AuditAction.CREATE)
    if repository.user_by_name(session, data.username):
        raise Conflict(
            "user-exists",
            Message("user '%(username)s' already exists", username=data.username),
            fields={"username": Message("taken")},
        )
    user = User(
        username=data.username,
        full_name=data.full_name,
        password_hash=hash_password(data.password),
        role=data.role.value,
        facility_ids=sorted(set(data.facility_ids)),
        territory_codes=sorted(set(data.territory_codes)),
        language=data.language,
        active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, AuditAction.CREATE, "User", user.id, detail={"role": user.role})
    return UserRead.model_validate(user)


def list_users(session: Session, actor: Principal) -> list[UserRead]:
    audit.require(session, actor, "User", "read", action=AuditAction.SEARCH)
    return [UserRead.model_validate(u) for u in repository.users(session)]


def get_user(session: Session, actor: Principal, user_id: int) -> UserRead:
    if not (actor.kind is PrincipalKind.USER and actor.id == user_id):
        audit.require(session, actor, "User", "read", action=AuditAction.READ, entity_id=user_id)
    user = repository.user_by_id(session, user_id)
    if user is None:
        raise NotFound("user-not-found", Message("no user %(id)s", id=user_id))
    return UserRead.model_validate(user)


def set_user_active(session: Session, actor: Principal, username: str, active: bool) -> UserRead:
    """Disable (or re-enable) an account; a disabled user's sessions end at once."""
    audit.require(session, actor, "User", "write", action=AuditAction.UPDATE)
    user = repository.user_by_name(session, username)
    if user is None:
        raise NotFound("user-not-found", Message("no user '%(username)s'", username=username))
    user.active = active
    if not active:
        repository.delete_user_sessions(session, user.id)
    _ACTIVE_CACHE.pop((PrincipalKind.USER, user.id), None)
    audit.record(session, actor, AuditAction.UPDATE, "User", user.id, detail={"active": active})
    session.flush()
    return UserRead.model_validate(user)


def set_language(session: Session, actor: Principal, language: str) -> None:
    if language not in ("az", "en", "ru"):
        raise Invalid(
            "bad-language",
            Message("language must be az, en or ru"),
            fields={"language": Message("unknown")},
        )
    if actor.kind is PrincipalKind.USER and actor.id is not None:
        user = repository.user_by_id(session, actor.id)
        if user is not None:
            user.language = language


def create_client(
    session: Session, actor: Principal, data: ClientCreate
) -> tuple[ClientRead, ClientCredentials]:
    """Register an integration client with SMART scopes; the secret is shown only now."""
    audit.require(session, actor, "Client", "write", action=AuditAction.CREATE)
    try:
        scopes = parse_scopes(data.scopes)
    except ValueError as exc:
        problem: str = exc.args[0] if exc.args else str(exc)  # a Message, kept for the form
        raise Invalid("bad-scope", problem, fields={"scopes": problem}) from exc
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=uuid.uuid4().hex,
        name=data.name,
        secret_hash=hash_password(secret),
        scopes=" ".join(sorted(scopes)),
        facility_ids=sorted(set(data.facility_ids)),
        active=True,
        created_at=utcnow(),
    )
    session.add(client)
    session.flush()
    audit.record(
        session, actor, AuditAction.CREATE, "Client", client.id, detail={"scopes": client.scopes}
    )
    return ClientRead.model_validate(client), ClientCredentials(
        client_id=client.client_id, client_secret=secret
    )


def list_clients(session: Session, actor: Principal) -> list[ClientRead]:
    audit.require(session, actor, "Client", "read", action=AuditAction.SEARCH)
    return [ClientRead.model_validate(c) for c in repository.clients(session)]


def set_client_active(
    session: Session, actor: Principal, client_id: str, active: bool
) -> ClientRead:
    audit.require(session, actor, "Client", "write", action=AuditAction.UPDATE)
    client = repository.client_by_client_id(session, client_id)
    if client is None:
        raise NotFound(
            "client-not-found", Message("no client '%(client_id)s'", client_id=client_id)
        )
    client.active = active
    _ACTIVE_CACHE.pop((PrincipalKind.CLIENT, client.id), None)
    audit.record(session, actor, AuditAction.UPDATE, "Client", client.id, detail={"active": active})
    session.flush()
    return ClientRead.model_validate(client)


# --- logins ---------------------------------------------------------------------------------


def _anonymous(name: str, address: str | None, request_id: str | None) -> Principal:
    return Principal(
        PrincipalKind.USER, None, name[:200] or "?", client_address=address, request_id=request_id
    )


def _check_rate(session: Session, keys: list[str], policy: LoginPolicy, who: Principal) -> None:
    since = utcnow() - timedelta(seconds=policy.window_seconds)
    counts = repository.count_failures(session, keys, since)
    if any(count >= policy.max_failures for count in counts.values()):
        _remember_failure(session, keys, who, "rate-limited")
        raise RateLimited(
            "too-many-attempts",
            Message(
                "too many failed logins; try again in %(minutes)d minute(s)",
                minutes=policy.window_seconds // 60 or 1,
            ),
        )


def _remember_failure(session: Session, keys: list[str], who: Principal, reason: str) -> None:
    audit.record(
        session,
        who,
        AuditAction.LOGIN,
        "Session",
        outcome=Outcome.DENIED,
        detail={"reason": reason},
    )

    def persist(s: Session) -> None:
        repository.add_failures(s, keys, utcnow())

    add_after_rollback(session, "login-failure", persist)


def login_password(
    session: Session,
    username: str,
    password: str,
    *,
    address: str | None,
    request_id: str | None = None,
    policy: LoginPolicy = LoginPolicy(),
) -> Principal:
    """Check a person's credentials. Unknown users and wrong passwords take the same path."""
    keys = [f"user:{username.lower()}", f"addr:{address or '?'}"]
    who = _anonymous(username, address, request_id)
    _check_rate(session, keys, policy, who)
    user = repository.user_by_name(session, username)
    if user is None:
        burn_verification(password)
        ok = False
    else:
        ok = verify_password(password, user.password_hash) and user.active
    if not ok or user is None:
        _remember_failure(session, keys, who, "bad-credentials")
        raise Unauthenticated("invalid-grant", BAD_CREDENTIALS)
    repository.clear_failures(session, keys[0])
    user.last_login_at = utcnow()
    principal = _principal_of(user).at(address, request_id)
    audit.record(session, principal, AuditAction.LOGIN, "Session", user.id)
    return principal


def login_client(
    session: Session,
    client_id: str,
    secret: str,
    *,
    requested_scope: str | None,
    address: str | None,
    request_id: str | None = None,
    policy: LoginPolicy = LoginPolicy(),
) -> Principal:
    """Client-credentials grant: the token carries the requested subset of the client's scopes."""
    keys = [f"client:{client_id}", f"addr:{address or '?'}"]
    who = Principal(
        PrincipalKind.CLIENT,
        None,
        client_id[:200] or "?",
        client_address=address,
        request_id=request_id,
    )
    _check_rate(session, keys, policy, who)
    client = repository.client_by_client_id(session, client_id)
    if client is None:
        burn_verification(secret)
        ok = False
    else:
        ok = verify_password(secret, client.secret_hash) and client.active
    if not ok or client is None:
        _remember_failure(session, keys, who, "bad-credentials")
        raise Unauthenticated("invalid-client", Message("invalid client credentials"))
    granted = frozenset(client.scopes.split())
    if requested_scope:
        wanted = frozenset(requested_scope.split())
        if not wanted <= granted:
            raise Invalid(
                "invalid-scope",
                Message(
                    "scopes not granted to this client: %(scopes)s",
                    scopes=" ".join(sorted(wanted - granted)),
                ),
            )
        granted = wanted
    principal = Principal.client(client.id, client.name, granted, frozenset(client.facility_ids))
    principal = principal.at(address, request_id)
    audit.record(session, principal, AuditAction.LOGIN, "Session", client.id)
    return principal


_ACTIVE_CACHE: dict[tuple[PrincipalKind, int], tuple[bool, float]] = {}
_ACTIVE_TTL = 5.0


def status_known(principal: Principal) -> bool:
    """Whether ``ensure_active`` can answer without the database (its cache is fresh)."""
    if principal.id is None or principal.kind is PrincipalKind.SYSTEM:
        return True
    cached = _ACTIVE_CACHE.get((principal.kind, principal.id))
    return cached is not None and time.monotonic() - cached[1] <= _ACTIVE_TTL


def ensure_active(session: Session, principal: Principal) -> None:
    """Reject tokens of accounts disabled since the token was issued (checked every few seconds)."""
    if principal.id is None or principal.kind is PrincipalKind.SYSTEM:
        return
    key = (principal.kind, principal.id)
    now = time.monotonic()
    cached = _ACTIVE_CACHE.get(key)
    if cached is None or now - cached[1] > _ACTIVE_TTL:
        if principal.kind is PrincipalKind.USER:
            user = repository.user_by_id(session, principal.id)
            active = bool(user and user.active)
        else:
            client = repository.client_by_id(session, principal.id)
            active = bool(client and client.active)
        _ACTIVE_CACHE[key] = (active, now)
        cached = (active, now)
    if not cached[0]:
        raise Unauthenticated("account-disabled", Message("this account is disabled"))


# --- web sessions ---------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_web_session(session: Session, principal: Principal, *, ttl_seconds: int) -> WebSessionRead:
    """Start a browser session for a logged-in person; returns the cookie token and CSRF token."""
    if principal.kind is not PrincipalKind.USER or principal.id is None:
        raise Invalid("not-a-user", Message("only people have web sessions"))
    user = repository.user_by_id(session, principal.id)
    if user is None:
        raise NotFound("user-not-found", Message("no such user"))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(
        token_hash=_digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
        client_address=principal.client_address,
    )
    session.add(row)
    session.flush()
    return WebSessionRead(
        token=token,
        csrf_token=row.csrf_token,
        user=UserRead.model_validate(user),
        expires_at=row.expires_at,
    )


def resolve_web_session(session: Session, token: str) -> tuple[Principal, str, UserRead] | None:
    """The principal behind a session cookie, or None when it is unknown, expired or disabled."""
    row = repository.web_session(session, _digest(token))
    if row is None or row.expires_at <= utcnow():
        return None
    user = repository.user_by_id(session, row.user_id)
    if user is None or not user.active:
        return None
    return _principal_of(user), row.csrf_token, UserRead.model_validate(user)


def close_web_session(session: Session, principal: Principal, token: str) -> None:
    repository.delete_web_session(session, _digest(token))
    audit.record(session, principal, AuditAction.LOGOUT, "Session", principal.id)


def forget_cached_accounts() -> None:
    """Drop the per-process cache of account status (tests switch databases under one process)."""
    _ACTIVE_CACHE.clear()

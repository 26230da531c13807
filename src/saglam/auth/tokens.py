"""Short-lived signed bearer tokens (JWT, HS256)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from saglam.core.errors import Unauthenticated
from saglam.core.message import Message
from saglam.core.security import Principal, PrincipalKind, Role
from saglam.core.types import utcnow

ALGORITHM = "HS256"
AUDIENCE = "saglam"
NOT_VALID = Message("the access token is not valid")
MAX_REMEMBERED = 10_000
_VERIFIED: dict[tuple[str, str], tuple[Principal, float]] = {}


@dataclass(frozen=True, slots=True)
class TokenIssuer:
    key: str
    ttl_seconds: int

    def issue(self, principal: Principal) -> str:
        now = utcnow()
        claims: dict[str, Any] = {
            "sub": f"{principal.kind.value}:{principal.id}",
            "name": principal.name,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
            "aud": AUDIENCE,
            "jti": secrets.token_hex(8),
        }
        if principal.role is not None:
            claims["role"] = principal.role.value
        if principal.facility_ids:
            claims["fac"] = sorted(principal.facility_ids)
        if principal.territory_codes:
            claims["ter"] = sorted(principal.territory_codes)
        if principal.kind is PrincipalKind.CLIENT:
            claims["scope"] = " ".join(sorted(principal.scopes))
        return jwt.encode(claims, self.key, algorithm=ALGORITHM)

    def decode(self, token: str) -> Principal:
        """Verify signature and expiry and rebuild the principal; raise Unauthenticated.

        A token whose signature was verified once is remembered with its principal until it
        expires (a client sends the same token with every request); expiry is checked on
        every use."""
        known = _VERIFIED.get((self.key, token))
        if known is not None:
            principal, expires = known
            if time.time() < expires:
                return principal
            _VERIFIED.pop((self.key, token), None)
        principal, expires = self._verify(token)
        if len(_VERIFIED) >= MAX_REMEMBERED:
            _VERIFIED.clear()
        _VERIFIED[(self.key, token)] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(token, self.key, algorithms=[ALGORITHM], audience=AUDIENCE)
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token-expired", Message("the access token has expired")) from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("token-invalid", NOT_VALID) from exc
        kind_text, _, id_text = str(claims.get("sub", "")).partition(":")
        try:
            kind = PrincipalKind(kind_text)
            ident = int(id_text)
        except ValueError as exc:
            raise Unauthenticated("token-invalid", NOT_VALID) from exc
        facilities = frozenset(int(f) for f in claims.get("fac", []))
        expires = float(claims["exp"])
        if kind is PrincipalKind.USER:
            user = Principal.user(
                ident,
                str(claims["name"]),
                Role(claims["role"]),
                facilities,
                frozenset(str(t) for t in claims.get("ter", [])),
            )
            return user, expires
        if kind is PrincipalKind.CLIENT:
            scopes = frozenset(str(claims.get("scope", "")).split())
            return Principal.client(ident, str(claims["name"]), scopes, facilities), expires
        raise Unauthenticated("token-invalid", NOT_VALID)

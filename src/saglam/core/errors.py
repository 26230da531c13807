"""Domain errors with stable codes and kinds; each transport maps kinds once."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from saglam.core.message import Message


class ErrorKind(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not-found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    UNAUTHENTICATED = "unauthenticated"
    GONE = "gone"
    PRECONDITION_FAILED = "precondition-failed"
    RATE_LIMITED = "rate-limited"
    UNAVAILABLE = "unavailable"
    TOO_LARGE = "too-large"
    NOT_SUPPORTED = "not-supported"


class DomainError(Exception):
    """An expected failure with a stable ``code`` and a human ``detail``.

    ``fields`` maps offending input field names (dotted paths) to a message. The detail and the
    field messages are what people read: make them Messages, so the web UI can translate them.
    """

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        fields: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.fields = dict(fields or {})
        self.extra = dict(extra or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.detail!r})"


class Invalid(DomainError):
    kind = ErrorKind.INVALID


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND


class Conflict(DomainError):
    kind = ErrorKind.CONFLICT


class Forbidden(DomainError):
    kind = ErrorKind.FORBIDDEN


class Unauthenticated(DomainError):
    kind = ErrorKind.UNAUTHENTICATED


class Gone(DomainError):
    kind = ErrorKind.GONE


class PreconditionFailed(DomainError):
    kind = ErrorKind.PRECONDITION_FAILED


class RateLimited(DomainError):
    kind = ErrorKind.RATE_LIMITED


class Unavailable(DomainError):
    kind = ErrorKind.UNAVAILABLE


class TooLarge(DomainError):
    kind = ErrorKind.TOO_LARGE


class NotSupported(DomainError):
    kind = ErrorKind.NOT_SUPPORTED


class ConfigError(Exception):
    """Bad settings or an unreachable resource at start-up: one readable line for the operator."""


#: HTTP status per error kind, shared by every HTTP transport (native API, FHIR, web).
HTTP_STATUS: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.GONE: 410,
    ErrorKind.PRECONDITION_FAILED: 412,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.NOT_SUPPORTED: 400,
}


def integrity_conflict() -> Conflict:
    """What a unique or foreign-key violation the services did not foresee becomes."""
    return Conflict(
        "integrity",
        Message(
            "the change conflicts with data already stored (a duplicate or a missing reference)"
        ),
    )

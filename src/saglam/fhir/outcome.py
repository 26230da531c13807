"""OperationOutcome: the one place where errors become FHIR."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from saglam.core.errors import HTTP_STATUS, DomainError, ErrorKind, integrity_conflict
from saglam.http.responses import JSONResponse

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"

ISSUE_CODE: dict[ErrorKind, str] = {
    ErrorKind.INVALID: "invalid",
    ErrorKind.NOT_FOUND: "not-found",
    ErrorKind.CONFLICT: "conflict",
    ErrorKind.FORBIDDEN: "forbidden",
    ErrorKind.UNAUTHENTICATED: "login",
    ErrorKind.GONE: "deleted",
    ErrorKind.PRECONDITION_FAILED: "conflict",
    ErrorKind.RATE_LIMITED: "throttled",
    ErrorKind.UNAVAILABLE: "transient",
    ErrorKind.TOO_LARGE: "too-costly",
    ErrorKind.NOT_SUPPORTED: "not-supported",
}


def issue(
    severity: str, code: str, diagnostics: str, expression: str | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        entry["expression"] = [expression]
    return entry


def outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": issues}


def error_issues(exc: DomainError) -> list[dict[str, Any]]:
    code = ISSUE_CODE.get(exc.kind, "processing")
    if exc.fields:
        return [
            issue("error", code, f"{exc.detail}: {msg}" if msg else exc.detail, path)
            for path, msg in exc.fields.items()
        ]
    return [issue("error", code, exc.detail)]


def respond(status: int, issues: list[dict[str, Any]]) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="saglam"'} if status == 401 else None
    return JSONResponse(outcome(issues), status_code=status, media_type=FHIR_JSON, headers=headers)


async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = int(exc.extra.get("status", HTTP_STATUS[exc.kind]))
    issues = exc.extra.get("issues") or error_issues(exc)
    return respond(status, issues)


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues = [
        issue("error", "invalid", str(err.get("msg")), ".".join(str(p) for p in err.get("loc", ())))
        for err in exc.errors()
    ]
    return respond(400, issues)


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not-found", 405: "not-supported"}.get(exc.status_code, "processing")
    return respond(exc.status_code, [issue("error", code, str(exc.detail))])


async def on_integrity(request: Request, exc: Exception) -> JSONResponse:
    log.warning("integrity error: %s", exc)
    return respond(409, error_issues(integrity_conflict()))


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return respond(
        500, [issue("fatal", "exception", "an unexpected error occurred; it has been logged")]
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(IntegrityError, on_integrity)
    app.add_exception_handler(Exception, on_unexpected)

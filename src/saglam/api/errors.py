"""The one place where errors become ``application/problem+json``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from saglam.core.errors import HTTP_STATUS, DomainError, ErrorKind, integrity_conflict
from saglam.http.responses import JSONResponse

log = logging.getLogger(__name__)

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem(
    request: Request,
    status: int,
    code: str,
    detail: str,
    fields: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {
        "type": f"urn:saglam:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
        "request_id": request.scope.get("state", {}).get("request_id"),
    }
    if fields:
        body["fields"] = fields
    headers = {"WWW-Authenticate": 'Bearer realm="saglam"'} if status == 401 else None
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = HTTP_STATUS[exc.kind]
    if exc.kind is ErrorKind.RATE_LIMITED:
        response = problem(request, status, exc.code, exc.detail, exc.fields)
        response.headers["Retry-After"] = "60"
        return response
    return problem(request, status, exc.code, exc.detail, exc.fields)


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = [
            str(p)
            for p in err.get("loc", ())
            if p not in ("body", "query", "path", "header", "form")
        ]
        fields[".".join(loc) or "body"] = str(err.get("msg", "invalid"))
    return problem(request, 422, "invalid-input", "the request is not valid", fields)


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = TITLES.get(exc.status_code, "error").lower().replace(" ", "-")
    return problem(request, exc.status_code, code, str(exc.detail))


async def on_integrity(request: Request, exc: Exception) -> JSONResponse:
    log.warning("integrity error: %s", exc)
    conflict = integrity_conflict()
    return problem(request, 409, conflict.code, conflict.detail)


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem(
        request, 500, "internal-error", "an unexpected error occurred; it has been logged"
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(IntegrityError, on_integrity)
    app.add_exception_handler(Exception, on_unexpected)

"""Pure-ASGI middleware: request id on every response and log line, body size limit, access log."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saglam.core.logging import request_id_var

log = logging.getLogger("saglam.http")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MOUNT_ROOTS = ("/fhir", "/api")


class RequestContextMiddleware:
    """Assigns a request id (or accepts a sane ``X-Request-ID``), echoes it, logs the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for key, value in scope.get("headers", []):
            if key == b"x-request-id":
                given = value.decode("latin-1")
                break
        rid = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        if scope.get("path") in MOUNT_ROOTS:  # POST /fhir is the FHIR base (a transaction)
            scope["path"] = scope["path"] + "/"
            scope["raw_path"] = scope["path"].encode()
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status["code"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)


class BodyLimitMiddleware:
    """Refuse request bodies over the limit before the application reads them (413)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _too_large(scope, send, self.max_bytes)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _too_large(scope, send, self.max_bytes)


class BodyTooLarge(Exception):
    pass


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    import orjson

    fhir = str(scope.get("path", "")).startswith("/fhir")
    if fhir:
        body = orjson.dumps(
            {
                "resourceType": "OperationOutcome",
                "issue": [
                    {
                        "severity": "error",
                        "code": "too-costly",
                        "diagnostics": f"request body over {limit} bytes",
                    }
                ],
            }
        )
        ctype = b"application/fhir+json"
    else:
        body = orjson.dumps(
            {
                "type": "urn:saglam:problem:too-large",
                "title": "Payload Too Large",
                "status": 413,
                "code": "too-large",
                "detail": f"request body over {limit} bytes",
            }
        )
        ctype = b"application/problem+json"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})

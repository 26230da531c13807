"""Content negotiation and FHIR responses: ``_format``, ``_pretty``, ``_elements``, ``_summary``,
versioned ETags and Last-Modified."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response

from saglam.core.errors import Invalid, NotSupported
from saglam.fhir.registry import Stored

FHIR_JSON = "application/fhir+json"
JSON_TYPES = {"json", "application/json", "application/fhir+json", "application/json+fhir"}
XML_TYPES = {"xml", "application/xml", "application/fhir+xml", "text/xml"}
SUMMARY_KEEP = {
    "resourceType", "id", "meta", "identifier", "active", "name", "status", "type", "gender",
    "birthDate", "deceasedBoolean", "deceasedDateTime", "link", "code", "subject", "patient",
    "practitioner", "organization", "partOf", "managingOrganization", "period", "total", "entry",
}  # fmt: skip


def wants_pretty(request: Request) -> bool:
    return request.query_params.get("_pretty", "false") == "true"


def check_format(request: Request) -> None:
    """Refuse XML (406): Saglam speaks JSON only."""
    fmt = request.query_params.get("_format")
    if fmt is not None:
        if fmt in XML_TYPES:
            raise NotSupported(
                "not-acceptable", "only JSON is supported (_format=json)", extra={"status": 406}
            )
        if fmt not in JSON_TYPES:
            raise Invalid("bad-format", f"unknown _format {fmt!r}")
        return
    accept = request.headers.get("accept", "")
    if accept and all(any(x in part for x in ("xml",)) for part in accept.split(",")):
        raise NotSupported("not-acceptable", "only JSON is supported", extra={"status": 406})


def check_body_type(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype and ctype not in JSON_TYPES:
        raise NotSupported(
            "unsupported-media-type",
            f"content type {ctype} is not supported; send application/fhir+json",
            extra={"status": 415},
        )


def trim(
    resource: dict[str, Any], summary: str | None, elements: list[str] | None
) -> dict[str, Any]:
    """Apply ``_summary`` / ``_elements`` to one resource, marking it SUBSETTED."""
    if summary in (None, "false") and not elements:
        return resource
    if summary == "true":
        kept = {k: v for k, v in resource.items() if k in SUMMARY_KEEP}
    elif summary == "data":
        kept = {k: v for k, v in resource.items() if k != "text"}
    elif summary == "text":
        kept = {k: v for k, v in resource.items() if k in ("resourceType", "id", "meta", "text")}
    else:
        wanted = set(elements or ()) | {"resourceType", "id", "meta"}
        kept = {k: v for k, v in resource.items() if k in wanted}
    meta = dict(kept.get("meta", {}))
    meta["tag"] = [
        *meta.get("tag", []),
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
            "code": "SUBSETTED",
        },
    ]
    kept["meta"] = meta
    return kept


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def etag(version: int) -> str:
    return f'W/"{version}"'


def fhir_response(
    request: Request,
    body: dict[str, Any],
    status: int = 200,
    *,
    stored: Stored | None = None,
    location: str | None = None,
) -> Response:
    option = orjson.OPT_INDENT_2 if wants_pretty(request) else 0
    headers: dict[str, str] = {}
    if stored is not None:
        headers["ETag"] = etag(stored.version)
        headers["Last-Modified"] = http_date(stored.last_updated)
    if location:
        headers["Location"] = location
        headers["Content-Location"] = location
    return Response(
        orjson.dumps(body, option=option), status_code=status, media_type=FHIR_JSON, headers=headers
    )


def with_meta(stored: Stored) -> dict[str, Any]:
    """The stored resource with its id and meta (versionId, lastUpdated) filled in."""
    resource = dict(stored.resource)
    resource["id"] = stored.id
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = str(stored.version)
    meta["lastUpdated"] = stored.last_updated.isoformat().replace("+00:00", "Z")
    resource["meta"] = meta
    return resource

"""Structural validation of incoming resources with fhir.resources (R4B)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from saglam.core.errors import Invalid


class StructureInvalid(Invalid):
    """The body is not a valid FHIR resource of its type (400, not 422)."""

    def __init__(self, code: str, detail: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(code, detail, fields=fields, extra={"status": 400})


def validate(body: Any, expected: str | None = None) -> dict[str, Any]:
    """The resource as a dict, checked against the R4B model of its type; raises with one
    field entry (FHIRPath-like) per problem."""
    if not isinstance(body, dict):
        raise StructureInvalid("not-a-resource", "the body is not a JSON object")
    kind = body.get("resourceType")
    if not isinstance(kind, str):
        raise StructureInvalid("no-resource-type", "the resource has no resourceType")
    if expected is not None and kind != expected:
        raise StructureInvalid(
            "wrong-resource-type",
            f"expected a {expected}, got a {kind}",
            fields={"resourceType": kind},
        )
    try:
        model = get_fhir_model_class(kind)
    except KeyError:
        raise StructureInvalid(
            "unknown-resource-type", f"{kind} is not a FHIR resource type"
        ) from None
    try:
        model.model_validate(body)
    except ValidationError as exc:
        fields = {}
        for err in exc.errors()[:20]:
            path = ".".join(
                str(p) for p in err.get("loc", ()) if not str(p).startswith("function-")
            )
            fields[f"{kind}.{path}" if path else kind] = str(err.get("msg", "invalid"))
        raise StructureInvalid(
            "invalid-resource", f"the {kind} is not valid", fields=fields
        ) from None
    return body

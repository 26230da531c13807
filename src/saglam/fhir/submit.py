"""``Claim/$submit`` (→ ClaimResponse) and ``CoverageEligibilityRequest/$submit``
(→ CoverageEligibilityResponse)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from saglam.core.security import Principal
from saglam.fhir.mappers import insurance
from saglam.fhir.registry import REGISTRY
from saglam.fhir.validate import StructureInvalid, validate

REGISTRY.operations["submit"] = {
    "definition": "http://hl7.org/fhir/OperationDefinition/Claim-submit",
    "documentation": "POST /fhir/Claim/$submit with a Claim (or Parameters with a `resource`) — "
    "judged in real time, answered with its ClaimResponse; the same Claim identifier again "
    "returns the first answer. POST /fhir/CoverageEligibilityRequest/$submit answers with a "
    "CoverageEligibilityResponse.",
}


def _resource(body: Any, expected: str) -> dict[str, Any]:
    """The resource itself, or the ``resource`` parameter of a Parameters body."""
    if isinstance(body, dict) and body.get("resourceType") == "Parameters":
        found = next(
            (p.get("resource") for p in body.get("parameter", []) if p.get("name") == "resource"),
            None,
        )
        if found is None:
            raise StructureInvalid("no-resource", "the Parameters have no `resource` parameter")
        body = found
    return validate(body, expected)


def submit_claim(session: Session, actor: Principal, body: Any) -> tuple[dict[str, Any], bool]:
    return insurance.submit(session, actor, _resource(body, "Claim"))


def check_eligibility(session: Session, actor: Principal, body: Any) -> dict[str, Any]:
    return insurance.check_eligibility(
        session, actor, _resource(body, "CoverageEligibilityRequest")
    )

"""The acting principal, roles and SMART-style scopes.

Permissions are pairs ``(resource, action)``: ``resource`` is a FHIR-style type name (``Patient``,
``Claim``, ``AuditEvent``, ``Dashboard`` …) and ``action`` is ``read`` or ``write``. A role grants a
fixed set of pairs; an integration client's SMART scopes (``system/Patient.read``,
``system/*.write``, ``user/*.*``) grant the same kind of pairs, so every service checks one thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

from saglam.core.message import Message


class Role(StrEnum):
    ADMIN = "admin"
    MINISTRY_ANALYST = "ministry_analyst"
    INSURANCE_OFFICER = "insurance_officer"
    NETWORK_MANAGER = "network_manager"
    REGISTRATION_CLERK = "registration_clerk"
    CLINICIAN = "clinician"
    PROGRAM_OFFICER = "program_officer"
    COOPERATION_COORDINATOR = "cooperation_coordinator"


class PrincipalKind(StrEnum):
    USER = "user"
    CLIENT = "client"
    SYSTEM = "system"


class Action(StrEnum):
    READ = "read"
    WRITE = "write"


READ, WRITE = Action.READ, Action.WRITE

CARE_RESOURCES = (
    "Encounter",
    "Condition",
    "Procedure",
    "Observation",
    "ServiceRequest",
    "MedicationRequest",
)
REFERENCE_RESOURCES = ("Location", "Organization", "Device", "ValueSet", "CodeSystem")
WORKFORCE_RESOURCES = ("Practitioner", "PractitionerRole")
INSURANCE_RESOURCES = (
    "Coverage",
    "CoverageEligibilityRequest",
    "Claim",
    "ClaimResponse",
    "BenefitPackage",
    "Payment",
    "Contribution",
)
PROGRAM_RESOURCES = ("Registry", "Immunization", "BloodDonation", "Pregnancy", "LabTest")
COOPERATION_RESOURCES = ("Mission", "ResearchStudy", "Exchange", "Aid")


def _grant(resources: tuple[str, ...], *actions: Action) -> set[tuple[str, str]]:
    return {(r, a.value) for r in resources for a in actions}


ROLE_PERMISSIONS: dict[Role, frozenset[tuple[str, str]]] = {
    Role.ADMIN: frozenset({("*", "*")}),
    Role.MINISTRY_ANALYST: frozenset(
        _grant(("Dashboard", "Indicator", "Location", "Organization", "Device"), READ)
    ),
    Role.INSURANCE_OFFICER: frozenset(
        _grant(INSURANCE_RESOURCES, READ, WRITE)
        | _grant(("Patient", *CARE_RESOURCES, *WORKFORCE_RESOURCES), READ)
        | _grant(REFERENCE_RESOURCES, READ)
        | _grant(("Dashboard",), READ)
    ),
    Role.NETWORK_MANAGER: frozenset(
        _grant(("Organization", "Device", "Claim", *WORKFORCE_RESOURCES), READ, WRITE)
        | _grant(("Patient", "Encounter", "Dashboard", "Indicator", "Payment"), READ)
        | _grant(REFERENCE_RESOURCES, READ)
    ),
    Role.REGISTRATION_CLERK: frozenset(
        _grant(("Patient",), READ, WRITE)
        | _grant(("Coverage", "CoverageEligibilityRequest"), READ)
        | _grant((*REFERENCE_RESOURCES, *WORKFORCE_RESOURCES), READ)
    ),
    Role.CLINICIAN: frozenset(
        _grant(("Patient", *CARE_RESOURCES, "Immunization"), READ, WRITE)
        | _grant(("Coverage", "Claim"), READ)
        | _grant((*REFERENCE_RESOURCES, *WORKFORCE_RESOURCES), READ)
    ),
    Role.PROGRAM_OFFICER: frozenset(
        _grant(PROGRAM_RESOURCES, READ, WRITE)
        | _grant(("Patient", *CARE_RESOURCES, "Dashboard", "Indicator"), READ)
        | _grant(REFERENCE_RESOURCES, READ)
    ),
    Role.COOPERATION_COORDINATOR: frozenset(
        _grant(COOPERATION_RESOURCES, READ, WRITE)
        | _grant((*REFERENCE_RESOURCES, *WORKFORCE_RESOURCES), READ)
    ),
}

#: Roles whose data scope is the whole country (subject to their permissions).
NATIONAL_ROLES = frozenset(
    {Role.ADMIN, Role.MINISTRY_ANALYST, Role.INSURANCE_OFFICER, Role.PROGRAM_OFFICER}
)

_SCOPE = re.compile(r"^(system|user|patient)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)$")


def parse_scopes(text: str) -> frozenset[str]:
    """Validate a space-separated SMART scope string; raises ValueError naming a bad scope (its
    argument is a Message, which a form shows translated)."""
    scopes = frozenset(text.split())
    if not scopes:
        raise ValueError(Message("at least one scope is required"))
    for scope in scopes:
        if not _SCOPE.match(scope):
            raise ValueError(
                Message(
                    "invalid scope '%(scope)s' (expected e.g. system/Patient.read)", scope=scope
                )
            )
    return scopes


def scope_permissions(scopes: frozenset[str]) -> frozenset[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for scope in scopes:
        match = _SCOPE.match(scope)
        if match:
            pairs.add((match.group(2), match.group(3)))
    return frozenset(pairs)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting, with what rights, over which part of the country, from where."""

    kind: PrincipalKind
    id: int | None
    name: str
    role: Role | None = None
    facility_ids: frozenset[int] = frozenset()
    territory_codes: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    client_address: str | None = None
    request_id: str | None = None
    permissions: frozenset[tuple[str, str]] = field(default=frozenset(), compare=False)

    @classmethod
    def user(
        cls,
        id: int,
        name: str,
        role: Role,
        facility_ids: frozenset[int] = frozenset(),
        territory_codes: frozenset[str] = frozenset(),
    ) -> Principal:
        return cls(
            PrincipalKind.USER,
            id,
            name,
            role,
            facility_ids,
            territory_codes,
            permissions=ROLE_PERMISSIONS[role],
        )

    @classmethod
    def client(
        cls, id: int, name: str, scopes: frozenset[str], facility_ids: frozenset[int] = frozenset()
    ) -> Principal:
        return cls(
            PrincipalKind.CLIENT,
            id,
            name,
            None,
            facility_ids,
            scopes=scopes,
            permissions=scope_permissions(scopes),
        )

    @classmethod
    def system(cls, name: str = "system") -> Principal:
        """The process itself (CLI batch jobs, generators): every right, audited as such."""
        return cls(
            PrincipalKind.SYSTEM, None, name, Role.ADMIN, permissions=frozenset({("*", "*")})
        )

    def at(self, client_address: str | None, request_id: str | None) -> Principal:
        """The same principal, tagged with where a request came from."""
        return replace(self, client_address=client_address, request_id=request_id)

    @property
    def label(self) -> str:
        return self.role.value if self.role else self.kind.value

    def can(self, resource: str, action: str) -> bool:
        perms = self.permissions
        return bool(
            (resource, action) in perms
            or ("*", action) in perms
            or (resource, "*") in perms
            or ("*", "*") in perms
        )

    @property
    def is_national(self) -> bool:
        """True when the principal's data scope is not limited to facilities or territories."""
        if self.facility_ids or self.territory_codes:
            return False
        if self.kind is PrincipalKind.USER:
            return self.role in NATIONAL_ROLES
        return True

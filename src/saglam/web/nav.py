"""The navigation: which screens each role uses (the services still decide what each may see)."""

from __future__ import annotations

from dataclasses import dataclass

from saglam.core.security import Role
from saglam.web.i18n import N_

A = Role.ADMIN
ANALYST = Role.MINISTRY_ANALYST
OFFICER = Role.INSURANCE_OFFICER
NETWORK = Role.NETWORK_MANAGER
CLERK = Role.REGISTRATION_CLERK
CLINICIAN = Role.CLINICIAN


@dataclass(frozen=True)
class Item:
    path: str
    label: str  # English source text, translated in the template
    roles: frozenset[Role]


ITEMS = (
    Item("/dashboard", N_("Dashboard"), frozenset({A, ANALYST, OFFICER})),
    Item("/patients", N_("Patients"), frozenset({A, CLERK, CLINICIAN, OFFICER, NETWORK})),
    Item("/facilities", N_("Facilities"), frozenset({A, ANALYST, OFFICER, NETWORK})),
    Item("/claims", N_("Claims"), frozenset({A, OFFICER})),
    Item("/payments", N_("Payments"), frozenset({A, OFFICER, NETWORK})),
    Item("/signals", N_("Signals"), frozenset({A, OFFICER})),
    Item("/admin/users", N_("Users"), frozenset({A})),
    Item("/admin/clients", N_("API clients"), frozenset({A})),
    Item("/admin/audit", N_("Audit trail"), frozenset({A})),
)


def items_for(role: Role) -> list[Item]:
    return [item for item in ITEMS if role in item.roles]


def start_page(role: Role) -> str:
    """Where a role lands after logging in."""
    found = items_for(role)
    return found[0].path if found else "/"

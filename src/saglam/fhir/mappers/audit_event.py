"""AuditEvent ⇄ the audit trail (read and search; admins only, and itself audited)."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.schemas import AuditRead
from saglam.core.errors import NotFound
from saglam.core.query import Query
from saglam.core.security import Principal
from saglam.fhir.mappers.common import BASE, clean, stored
from saglam.fhir.params import date_param, reference_param, token_param
from saglam.fhir.registry import Handler, SearchParam, Stored, register

ACTIONS = {
    "create": "C",
    "read": "R",
    "search": "E",
    "update": "U",
    "delete": "D",
    "merge": "U",
    "unmerge": "U",
}
OUTCOMES = {"success": "0", "denied": "4", "failure": "8"}


def to_fhir(r: AuditRead) -> dict[str, Any]:
    what = [
        {
            "what": {"reference": f"{r.entity_type}/{r.entity_id}"}
            if r.entity_id and r.entity_type[:1].isupper()
            else None,
            "type": {"system": f"{BASE}/CodeSystem/entity-type", "code": r.entity_type},
        }
    ]
    if r.patient_id:
        what.append(
            {
                "what": {"reference": f"Patient/{r.patient_id}"},
                "role": {
                    "system": "http://terminology.hl7.org/CodeSystem/object-role",
                    "code": "1",
                    "display": "Patient",
                },
            }
        )
    return clean(
        {
            "resourceType": "AuditEvent",
            "type": {
                "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                "code": "rest",
                "display": "RESTful Operation",
            },
            "subtype": [{"system": f"{BASE}/CodeSystem/audit-action", "code": r.action}],
            "action": ACTIONS.get(r.action, "E"),
            "recorded": r.at.isoformat().replace("+00:00", "Z"),
            "outcome": OUTCOMES.get(r.outcome, "8"),
            "outcomeDesc": r.detail,
            "agent": [
                clean(
                    {
                        "type": {
                            "coding": [
                                {"system": f"{BASE}/CodeSystem/actor-kind", "code": r.actor_kind}
                            ]
                        },
                        "role": [
                            {"coding": [{"system": f"{BASE}/CodeSystem/role", "code": r.role}]}
                        ],
                        "who": {"display": r.actor_name},
                        "requestor": True,
                        "network": {"address": r.client_address, "type": "2"}
                        if r.client_address
                        else None,
                    }
                )
            ],
            "source": {"observer": {"display": "Saglam"}, "site": r.request_id},
            "entity": [clean(e) for e in what],
        }
    )


def _stored(r: AuditRead) -> Stored:
    return stored(r.id, to_fhir(r), 1, r.at)


class AuditEventHandler(Handler):
    type = "AuditEvent"
    interactions = frozenset({"read", "search-type"})
    documentation = "The tamper-evident audit trail (admins): who accessed or changed what, when, from where, with what outcome."
    params: ClassVar[dict[str, SearchParam]] = {
        "date": SearchParam(
            "date", "date", date_param("at", is_date=False), "When", "AuditEvent.recorded"
        ),
        "agent-name": SearchParam(
            "agent-name",
            "string",
            token_param("actor_name"),
            "Who (user or client name, exact)",
            "AuditEvent.agent.name",
        ),
        "patient": SearchParam(
            "patient",
            "reference",
            reference_param("patient_id", ["Patient"]),
            "The patient concerned",
            "AuditEvent.entity.what",
            ("Patient",),
            "patient_id",
        ),
        "outcome": SearchParam(
            "outcome",
            "token",
            token_param("outcome", transform=lambda c: {v: k for k, v in OUTCOMES.items()}[c]),
            "0 success, 4 denied, 8 failure",
            "AuditEvent.outcome",
        ),
        "entity-type": SearchParam(
            "entity-type",
            "token",
            token_param("entity_type"),
            "Type of what was accessed",
            "AuditEvent.entity.type",
        ),
    }
    sorts: ClassVar[dict[str, str]] = {"_id": "id", "date": "at"}

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        if not ident.isdigit():
            raise NotFound("not-found", f"AuditEvent/{ident} does not exist")
        return _stored(audit.get(session, actor, int(ident)))

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        return [_stored(r) for r in audit.find(session, actor, query)], None


register(AuditEventHandler())

"""The CapabilityStatement, generated from the registry (so it cannot claim what is not served)."""

from __future__ import annotations

from typing import Any

from saglam import __version__
from saglam.fhir import mappers as _mappers  # noqa: F401  (every resource type registered)
from saglam.fhir.registry import REGISTRY

COMMON_PARAMS = [
    {"name": "_id", "type": "token", "documentation": "Logical id"},
    {"name": "_lastUpdated", "type": "date", "documentation": "When the resource last changed"},
]
RESULT_PARAMS = "_count, _offset, _sort, _include, _revinclude, _summary (true, false, count, data, text), _elements, _total (none, accurate)"


def capability_statement(base: str) -> dict[str, Any]:
    resources = []
    for kind in sorted(REGISTRY.handlers):
        handler = REGISTRY.handlers[kind]
        params = [p for p in COMMON_PARAMS if p["name"] not in handler.params]
        params += [
            {"name": p.name, "type": p.type, "documentation": p.description}
            for p in handler.params.values()
        ]
        entry: dict[str, Any] = {
            "type": kind,
            "documentation": handler.documentation,
            "interaction": [{"code": code} for code in sorted(handler.interactions)],
            "versioning": "versioned-update" if "update" in handler.interactions else "versioned",
            "readHistory": "vread" in handler.interactions,
            "updateCreate": False,
            "conditionalCreate": handler.conditional and "create" in handler.interactions,
            "conditionalUpdate": handler.conditional and "update" in handler.interactions,
            "conditionalDelete": "not-supported",
            "searchParam": params,
            "searchInclude": [f"{kind}:{name}" for name in handler.includes],
            "searchRevInclude": sorted(
                f"{other.type}:{name}"
                for other in REGISTRY.handlers.values()
                for name, inc in other.includes.items()
                if inc.target == kind
            ),
        }
        if "delete" in handler.interactions:
            entry["conditionalDelete"] = "not-supported"
        resources.append(entry)
    operations = [
        {"name": name, "definition": op["definition"]}
        for name, op in sorted(REGISTRY.operations.items())
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-01-01",
        "publisher": "Saglam",
        "kind": "instance",
        "software": {"name": "Saglam", "version": __version__},
        "implementation": {"description": "Saglam national health information system", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": f"Result parameters on every search: {RESULT_PARAMS}. Unknown parameters follow Prefer: handling=strict|lenient (lenient by default).",
                "security": {
                    "cors": False,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "Bearer tokens from POST /auth/token (password or client_credentials); SMART-style scopes such as system/Patient.read.",
                },
                "resource": resources,
                "interaction": [{"code": "batch"}, {"code": "transaction"}],
                "operation": operations,
            }
        ],
    }

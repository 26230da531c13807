"""Procedure ⇄ service lines."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from saglam.care import service as care
from saglam.care.schemas import (
    ServiceIn,
    ServiceLineRead,
)
from saglam.core.errors import Invalid
from saglam.core.security import Principal
from saglam.fhir.mappers.care.common import (
    SERVICES,
    CareHandler,
    _code,
    _coded,
    _encounter_of,
    _encounter_param,
    _patient_of,
    _patient_param,
    _ref,
    _ref_list,
    _subject_param,
    _validated,
    _warnings,
)
from saglam.fhir.mappers.common import BASE, clean, day, ref_id
from saglam.fhir.params import date_param, reference_param, token_param
from saglam.fhir.registry import Include, SearchParam, Stored, register


def procedure_fhir(s: ServiceLineRead) -> dict[str, Any]:
    return clean(
        {
            "resourceType": "Procedure",
            "extension": [
                {"url": f"{BASE}/StructureDefinition/quantity", "valueInteger": s.quantity}
            ],
            "status": "completed" if s.status == "completed" else s.status,
            "code": _code(SERVICES, s.service_code),
            "subject": _ref("Patient", s.patient_id),
            "encounter": _ref("Encounter", s.encounter_id),
            "performedDateTime": day(s.performed_on),
            "performer": [{"actor": _ref("Practitioner", s.performer_id)}]
            if s.performer_id
            else [],
        }
    )


class ProcedureHandler(CareHandler):
    type = "Procedure"

    def convert(self, dto: Any) -> dict[str, Any]:
        return procedure_fhir(dto)

    read_model = ServiceLineRead
    documentation = (
        "Services of the benefit package performed for a patient (codes of the service catalogue)."
    )
    params: ClassVar[dict[str, SearchParam]] = {
        "patient": _patient_param("Procedure.subject"),
        "subject": _subject_param("Procedure.subject"),
        "encounter": _encounter_param("Procedure.encounter"),
        "code": SearchParam(
            "code",
            "token",
            token_param("service_code", system=SERVICES),
            "Service code",
            "Procedure.code",
        ),
        "date": SearchParam(
            "date", "date", date_param("performed_on"), "When performed", "Procedure.performed"
        ),
        "performer": SearchParam(
            "performer",
            "reference",
            reference_param("performer_id", ["Practitioner"]),
            "Who performed it",
            "Procedure.performer.actor",
            ("Practitioner",),
            "performer_id",
        ),
    }
    includes: ClassVar[dict[str, Include]] = {
        "encounter": Include(
            "encounter",
            "Encounter",
            _ref_list(lambda r: r.get("encounter"), "Encounter"),
            "encounter_id",
        )
    }

    def create(
        self, session: Session, actor: Principal, resource: dict[str, Any]
    ) -> tuple[Stored, list[str]]:
        code = _coded(resource.get("code"), SERVICES)
        if code is None:
            raise Invalid(
                "no-service-code",
                f"a Procedure needs a code in {SERVICES}",
                fields={"Procedure.code": "service code required"},
            )
        performer = next(
            (ref_id(p.get("actor"), "Practitioner") for p in resource.get("performer", [])), None
        )
        values = {
            "service_code": code,
            "performed_on": (resource.get("performedDateTime") or "")[:10] or None,
            "performer_id": int(performer) if performer and performer.isdigit() else None,
        }
        row, warnings = care.add_service(
            session,
            actor,
            _patient_of(resource),
            _encounter_of(resource),
            _validated(ServiceIn, values, "Procedure"),
        )
        return self._created(
            row,
            warnings
            + _warnings(
                resource,
                {
                    "status",
                    "code",
                    "subject",
                    "encounter",
                    "performedDateTime",
                    "performer",
                    "extension",
                },
            ),
        )


register(ProcedureHandler())

"""MedicationRequest ⇄ prescriptions."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from saglam.care import service as care
from saglam.care.schemas import (
    PrescriptionIn,
    PrescriptionRead,
)
from saglam.core.errors import Invalid
from saglam.core.security import Principal
from saglam.fhir.mappers.care.common import (
    FORMULARY,
    CareHandler,
    _code,
    _coded,
    _encounter_of,
    _encounter_param,
    _patient_of,
    _patient_param,
    _ref,
    _subject_param,
    _validated,
    _warnings,
)
from saglam.fhir.mappers.common import BASE, clean, day
from saglam.fhir.params import date_param, reference_param, token_param
from saglam.fhir.registry import SearchParam, Stored, register


def medication_request_fhir(p: PrescriptionRead) -> dict[str, Any]:
    return clean(
        {
            "resourceType": "MedicationRequest",
            "extension": [
                {"url": f"{BASE}/StructureDefinition/free-program", "valueCode": p.free_program}
            ]
            if p.free_program
            else [],
            "status": p.status.value,
            "intent": "order",
            "medicationCodeableConcept": _code(FORMULARY, p.medication_code),
            "subject": _ref("Patient", p.patient_id),
            "encounter": _ref("Encounter", p.encounter_id),
            "authoredOn": day(p.authored_on),
            "requester": _ref("Practitioner", p.prescriber_id),
            "dosageInstruction": [{"text": p.dosage}] if p.dosage else [],
            "dispenseRequest": {"quantity": {"value": p.quantity}},
        }
    )


class MedicationRequestHandler(CareHandler):
    type = "MedicationRequest"

    def convert(self, dto: Any) -> dict[str, Any]:
        return medication_request_fhir(dto)

    read_model = PrescriptionRead
    documentation = "Prescriptions from the essential-medicines formulary; programme medicines (e.g. insulin) marked free when the patient qualifies."
    params: ClassVar[dict[str, SearchParam]] = {
        "patient": _patient_param("MedicationRequest.subject"),
        "subject": _subject_param("MedicationRequest.subject"),
        "encounter": _encounter_param("MedicationRequest.encounter"),
        "code": SearchParam(
            "code",
            "token",
            token_param("medication_code", system=FORMULARY),
            "Formulary code",
            "MedicationRequest.medication",
        ),
        "status": SearchParam(
            "status", "token", token_param("status"), "Status", "MedicationRequest.status"
        ),
        "authoredon": SearchParam(
            "authoredon", "date", date_param("authored_on"), "When", "MedicationRequest.authoredOn"
        ),
        "requester": SearchParam(
            "requester",
            "reference",
            reference_param("prescriber_id", ["Practitioner"]),
            "Prescriber",
            "MedicationRequest.requester",
            ("Practitioner",),
            "prescriber_id",
        ),
    }

    def create(
        self, session: Session, actor: Principal, resource: dict[str, Any]
    ) -> tuple[Stored, list[str]]:
        code = _coded(resource.get("medicationCodeableConcept"), FORMULARY)
        if code is None:
            raise Invalid(
                "no-medicine",
                f"a MedicationRequest needs a medication in {FORMULARY}",
                fields={"MedicationRequest.medicationCodeableConcept": "formulary code required"},
            )
        quantity = ((resource.get("dispenseRequest") or {}).get("quantity") or {}).get("value") or 1
        values = {
            "medication_code": code,
            "dosage": " ".join(d.get("text", "") for d in resource.get("dosageInstruction", []))[
                :300
            ],
            "quantity": int(quantity),
        }
        row, warnings = care.add_prescription(
            session,
            actor,
            _patient_of(resource),
            _encounter_of(resource),
            _validated(PrescriptionIn, values, "MedicationRequest"),
        )
        return self._created(
            row,
            warnings
            + _warnings(
                resource,
                {
                    "status",
                    "intent",
                    "medicationCodeableConcept",
                    "subject",
                    "encounter",
                    "authoredOn",
                    "requester",
                    "dosageInstruction",
                    "dispenseRequest",
                    "extension",
                },
            ),
        )


register(MedicationRequestHandler())

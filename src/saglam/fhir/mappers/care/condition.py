"""Condition ⇄ diagnoses (ICD-10)."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from saglam.care import service as care
from saglam.care.rules import icd10_title
from saglam.care.schemas import (
    DiagnosisIn,
    DiagnosisRead,
)
from saglam.core.errors import Invalid
from saglam.core.security import Principal
from saglam.fhir.mappers.care.common import (
    ICD10,
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
from saglam.fhir.mappers.common import BASE, clean, day
from saglam.fhir.params import date_param, token_param
from saglam.fhir.registry import Include, SearchParam, Stored, register


def condition_fhir(d: DiagnosisRead) -> dict[str, Any]:
    return clean(
        {
            "resourceType": "Condition",
            "extension": [
                {"url": f"{BASE}/StructureDefinition/diagnosis-rank", "valuePositiveInt": d.rank}
            ],
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": d.clinical_status.value,
                    }
                ]
            },
            "verificationStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": d.verification_status.value,
                    }
                ]
            },
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                            "code": "encounter-diagnosis",
                        }
                    ]
                }
            ],
            "code": _code(ICD10, d.code, icd10_title(d.code)),
            "subject": _ref("Patient", d.patient_id),
            "encounter": _ref("Encounter", d.encounter_id),
            "onsetDateTime": day(d.onset),
            "recordedDate": day(d.recorded_on),
        }
    )


class ConditionHandler(CareHandler):
    type = "Condition"

    def convert(self, dto: Any) -> dict[str, Any]:
        return condition_fhir(dto)

    read_model = DiagnosisRead
    documentation = "Diagnoses in WHO ICD-10 (2019), validated against the real code set."
    params: ClassVar[dict[str, SearchParam]] = {
        "patient": _patient_param("Condition.subject"),
        "subject": _subject_param("Condition.subject"),
        "encounter": _encounter_param("Condition.encounter"),
        "code": SearchParam(
            "code", "token", token_param("code", system=ICD10), "ICD-10 code", "Condition.code"
        ),
        "clinical-status": SearchParam(
            "clinical-status",
            "token",
            token_param("clinical_status"),
            "active, recurrence, remission, resolved",
            "Condition.clinicalStatus",
        ),
        "verification-status": SearchParam(
            "verification-status",
            "token",
            token_param("verification_status"),
            "confirmed, provisional, …",
            "Condition.verificationStatus",
        ),
        "onset-date": SearchParam(
            "onset-date", "date", date_param("onset"), "Onset", "Condition.onset"
        ),
        "recorded-date": SearchParam(
            "recorded-date",
            "date",
            date_param("recorded_on"),
            "When recorded",
            "Condition.recordedDate",
        ),
    }
    includes: ClassVar[dict[str, Include]] = {
        "encounter": Include(
            "encounter",
            "Encounter",
            _ref_list(lambda r: r.get("encounter"), "Encounter"),
            "encounter_id",
        ),
        "patient": Include(
            "patient", "Patient", _ref_list(lambda r: r.get("subject"), "Patient"), "patient_id"
        ),
    }

    def create(
        self, session: Session, actor: Principal, resource: dict[str, Any]
    ) -> tuple[Stored, list[str]]:
        code = _coded(resource.get("code"), ICD10)
        if code is None:
            raise Invalid(
                "no-icd10",
                f"a Condition needs a code in {ICD10}",
                fields={"Condition.code": "ICD-10 required"},
            )
        values = {
            "code": code,
            "clinical_status": _coded(
                resource.get("clinicalStatus"),
                "http://terminology.hl7.org/CodeSystem/condition-clinical",
            )
            or "active",
            "verification_status": _coded(
                resource.get("verificationStatus"),
                "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            )
            or "confirmed",
            "onset": (resource.get("onsetDateTime") or "")[:10] or None,
        }
        row, warnings = care.add_diagnosis(
            session,
            actor,
            _patient_of(resource),
            _encounter_of(resource),
            _validated(DiagnosisIn, values, "Condition"),
        )
        return self._created(
            row,
            warnings
            + _warnings(
                resource,
                {
                    "clinicalStatus",
                    "verificationStatus",
                    "category",
                    "code",
                    "subject",
                    "encounter",
                    "onsetDateTime",
                    "recordedDate",
                    "extension",
                },
            ),
        )


register(ConditionHandler())

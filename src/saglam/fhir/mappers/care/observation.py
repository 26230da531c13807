"""Observation ⇄ results and vital signs."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from saglam.care import service as care
from saglam.care.schemas import (
    ObservationIn,
    ObservationRead,
)
from saglam.core.errors import Invalid
from saglam.core.security import Principal
from saglam.fhir.mappers.care.common import (
    LOINC,
    CareHandler,
    _code,
    _coded,
    _encounter_of,
    _encounter_param,
    _parse_time,
    _patient_of,
    _patient_param,
    _ref,
    _ref_list,
    _subject_param,
    _validated,
    _warnings,
    _when,
)
from saglam.fhir.mappers.common import clean
from saglam.fhir.params import date_param, token_param
from saglam.fhir.registry import Include, SearchParam, Stored, register


def observation_fhir(o: ObservationRead) -> dict[str, Any]:
    value: dict[str, Any] = {}
    if o.value is not None:
        value["valueQuantity"] = clean(
            {
                "value": o.value,
                "unit": o.unit,
                "system": "http://unitsofmeasure.org" if o.unit else None,
                "code": o.unit or None,
            }
        )
    elif o.value_text:
        value["valueString"] = o.value_text
    ranges = [
        clean(
            {
                "low": {"value": o.low, "unit": o.unit} if o.low is not None else None,
                "high": {"value": o.high, "unit": o.unit} if o.high is not None else None,
            }
        )
    ]
    return clean(
        {
            "resourceType": "Observation",
            "status": o.status,
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": o.category.value,
                        }
                    ]
                }
            ],
            "code": _code(LOINC, o.loinc),
            "subject": _ref("Patient", o.patient_id),
            "encounter": _ref("Encounter", o.encounter_id),
            "effectiveDateTime": _when(o.effective_at),
            **value,
            "interpretation": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                            "code": o.interpretation.value,
                        }
                    ]
                }
            ]
            if o.interpretation
            else [],
            "referenceRange": [r for r in ranges if r],
        }
    )


class ObservationHandler(CareHandler):
    type = "Observation"

    def convert(self, dto: Any) -> dict[str, Any]:
        return observation_fhir(dto)

    read_model = ObservationRead
    documentation = "Vital signs and laboratory results (LOINC), with units, reference ranges and computed flags."
    params: ClassVar[dict[str, SearchParam]] = {
        "patient": _patient_param("Observation.subject"),
        "subject": _subject_param("Observation.subject"),
        "encounter": _encounter_param("Observation.encounter"),
        "code": SearchParam(
            "code", "token", token_param("loinc", system=LOINC), "LOINC code", "Observation.code"
        ),
        "category": SearchParam(
            "category",
            "token",
            token_param("category"),
            "vital-signs or laboratory",
            "Observation.category",
        ),
        "date": SearchParam(
            "date",
            "date",
            date_param("effective_at", is_date=False),
            "When",
            "Observation.effective",
        ),
        "status": SearchParam(
            "status", "token", token_param("status"), "Status", "Observation.status"
        ),
    }
    sorts: ClassVar[dict[str, str]] = {
        "_id": "id",
        "_lastUpdated": "updated_at",
        "date": "effective_at",
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
        code = _coded(resource.get("code"), LOINC)
        if code is None:
            raise Invalid(
                "no-loinc",
                f"an Observation needs a code in {LOINC}",
                fields={"Observation.code": "LOINC required"},
            )
        quantity = resource.get("valueQuantity") or {}
        values = {
            "loinc": code,
            "value": quantity.get("value"),
            "unit": quantity.get("unit") or quantity.get("code"),
            "value_text": resource.get("valueString")
            or (resource.get("valueCodeableConcept") or {}).get("text"),
            "effective_at": _parse_time(resource.get("effectiveDateTime")),
        }
        row, warnings = care.add_observation(
            session,
            actor,
            _patient_of(resource),
            _encounter_of(resource),
            _validated(ObservationIn, values, "Observation"),
        )
        return self._created(
            row,
            warnings
            + _warnings(
                resource,
                {
                    "status",
                    "category",
                    "code",
                    "subject",
                    "encounter",
                    "effectiveDateTime",
                    "valueQuantity",
                    "valueString",
                    "valueCodeableConcept",
                    "interpretation",
                    "referenceRange",
                },
            ),
        )


register(ObservationHandler())

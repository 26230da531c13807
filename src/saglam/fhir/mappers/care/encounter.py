"""Encounter ⇄ encounters."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from saglam.care import service as care
from saglam.care.rules import icd10_title
from saglam.care.schemas import (
    EncounterCreate,
    EncounterRead,
)
from saglam.core.security import Principal
from saglam.fhir.mappers.care.common import (
    ACT_CODE,
    CLASS_CODES,
    ICD10,
    ROLE_CODES,
    CareHandler,
    _code,
    _coded,
    _parse_time,
    _patient_of,
    _patient_param,
    _practitioner,
    _ref,
    _ref_list,
    _subject_param,
    _validated,
    _warnings,
    _when,
)
from saglam.fhir.mappers.common import clean, ref_id
from saglam.fhir.params import date_param, reference_param, token_param
from saglam.fhir.registry import Include, SearchParam, Stored, register


def encounter_fhir(e: EncounterRead) -> dict[str, Any]:
    return clean(
        {
            "resourceType": "Encounter",
            "status": e.status.value,
            "class": {
                "system": ACT_CODE,
                "code": CLASS_CODES[e.klass.value],
                "display": e.klass.value,
            },
            "subject": _ref("Patient", e.patient_id),
            "serviceProvider": _ref("Organization", e.facility_id),
            "participant": [
                {
                    "type": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                    "code": ROLE_CODES[p.role.value],
                                }
                            ]
                        }
                    ],
                    "individual": _ref("Practitioner", p.practitioner_id),
                }
                for p in e.participants
            ],
            "period": clean({"start": _when(e.start), "end": _when(e.end)}),
            "reasonCode": [
                c
                for c in [
                    _code(
                        ICD10, e.reason_code, icd10_title(e.reason_code) if e.reason_code else None
                    )
                ]
                if c
            ],
            "hospitalization": clean(
                {
                    "admitSource": {"text": e.admission_source} if e.admission_source else None,
                    "dischargeDisposition": {"text": e.discharge_disposition}
                    if e.discharge_disposition
                    else None,
                }
            ),
            "basedOn": [_ref("ServiceRequest", e.referral_id)] if e.referral_id else [],
        }
    )


class EncounterHandler(CareHandler):
    type = "Encounter"

    def convert(self, dto: Any) -> dict[str, Any]:
        return encounter_fhir(dto)

    read_model = EncounterRead
    documentation = "Visits and stays (ambulatory, inpatient, emergency, home, virtual) with their participants."
    params: ClassVar[dict[str, SearchParam]] = {
        "patient": _patient_param("Encounter.subject"),
        "subject": _subject_param("Encounter.subject"),
        "date": SearchParam(
            "date",
            "date",
            date_param("start", is_date=False),
            "Start of the encounter",
            "Encounter.period",
        ),
        "status": SearchParam(
            "status",
            "token",
            token_param("status"),
            "planned, in-progress, finished, cancelled",
            "Encounter.status",
        ),
        "class": SearchParam(
            "class",
            "token",
            token_param(
                "class", transform=lambda c: {v: k for k, v in CLASS_CODES.items()}.get(c, c)
            ),
            "AMB, IMP, EMER, HH, VR",
            "Encounter.class",
        ),
        "service-provider": SearchParam(
            "service-provider",
            "reference",
            reference_param("facility_id", ["Organization"]),
            "The facility",
            "Encounter.serviceProvider",
            ("Organization",),
            "facility_id",
        ),
        "participant": SearchParam(
            "participant",
            "reference",
            _practitioner,
            "A practitioner taking part",
            "Encounter.participant.individual",
            ("Practitioner",),
        ),
        "practitioner": SearchParam(
            "practitioner",
            "reference",
            _practitioner,
            "A practitioner taking part",
            "Encounter.participant.individual",
            ("Practitioner",),
        ),
        "reason-code": SearchParam(
            "reason-code",
            "token",
            token_param("reason_code", system=ICD10),
            "Reason (ICD-10)",
            "Encounter.reasonCode",
        ),
    }
    sorts: ClassVar[dict[str, str]] = {"_id": "id", "_lastUpdated": "updated_at", "date": "start"}
    includes: ClassVar[dict[str, Include]] = {
        "patient": Include(
            "patient", "Patient", _ref_list(lambda r: r.get("subject"), "Patient"), "patient_id"
        ),
        "subject": Include(
            "subject", "Patient", _ref_list(lambda r: r.get("subject"), "Patient"), "patient_id"
        ),
        "service-provider": Include(
            "service-provider",
            "Organization",
            _ref_list(lambda r: r.get("serviceProvider"), "Organization"),
            "facility_id",
        ),
    }

    def create(
        self, session: Session, actor: Principal, resource: dict[str, Any]
    ) -> tuple[Stored, list[str]]:
        provider = ref_id(resource.get("serviceProvider"), "Organization")
        klass = {v: k for k, v in CLASS_CODES.items()}.get(
            (resource.get("class") or {}).get("code", "")
        )
        period = resource.get("period") or {}
        participants = [
            {"practitioner_id": int(i), "role": "attender"}
            for i in (
                ref_id(p.get("individual"), "Practitioner") for p in resource.get("participant", [])
            )
            if i and i.isdigit()
        ]
        reasons = [c for r in resource.get("reasonCode", []) if (c := _coded(r, ICD10))]
        values = {
            "patient_id": _patient_of(resource),
            "facility_id": int(provider) if provider and provider.isdigit() else None,
            "class": klass,
            "status": resource.get("status"),
            "start": _parse_time(period.get("start")),
            "end": _parse_time(period.get("end")),
            "reason_code": reasons[0] if reasons else None,
            "participants": participants,
        }
        data = _validated(EncounterCreate, values, "Encounter")
        record = care.record_encounter(session, actor, data)
        warnings = record.warnings + _warnings(
            resource,
            {
                "status",
                "class",
                "subject",
                "serviceProvider",
                "participant",
                "period",
                "reasonCode",
            },
        )
        return self._stored(record.encounter), warnings


register(EncounterHandler())

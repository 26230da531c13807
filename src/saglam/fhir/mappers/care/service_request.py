"""ServiceRequest ⇄ referrals."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from saglam.care import service as care
from saglam.care.schemas import (
    ReferralIn,
    ReferralRead,
)
from saglam.core.errors import Invalid
from saglam.core.security import Principal
from saglam.fhir.mappers.care.common import (
    ICD10,
    SERVICES,
    SPECIALTY,
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


def service_request_fhir(r: ReferralRead) -> dict[str, Any]:
    return clean(
        {
            "resourceType": "ServiceRequest",
            "status": r.status.value,
            "intent": "order",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://snomed.info/sct",
                            "code": "3457005",
                            "display": "Patient referral",
                        }
                    ]
                }
            ],
            "code": _code(SERVICES, r.service_code),
            "subject": _ref("Patient", r.patient_id),
            "encounter": _ref("Encounter", r.encounter_id),
            "authoredOn": day(r.authored_on),
            "requester": _ref("Practitioner", r.from_practitioner_id)
            or _ref("Organization", r.from_facility_id),
            "performer": [_ref("Organization", r.to_facility_id)] if r.to_facility_id else [],
            "performerType": _code(SPECIALTY, r.to_specialty),
            "reasonCode": [c for c in [_code(ICD10, r.reason_code)] if c],
            "note": [{"text": r.note}] if r.note else [],
            "extension": [
                {
                    "url": f"{BASE}/StructureDefinition/referring-facility",
                    "valueReference": {"reference": f"Organization/{r.from_facility_id}"},
                }
            ],
        }
    )


class ServiceRequestHandler(CareHandler):
    type = "ServiceRequest"

    def convert(self, dto: Any) -> dict[str, Any]:
        return service_request_fhir(dto)

    read_model = ReferralRead
    documentation = (
        "Referrals to a facility or a specialty; the receiving facility can then see the patient."
    )
    params: ClassVar[dict[str, SearchParam]] = {
        "patient": _patient_param("ServiceRequest.subject"),
        "subject": _subject_param("ServiceRequest.subject"),
        "encounter": _encounter_param("ServiceRequest.encounter"),
        "status": SearchParam(
            "status",
            "token",
            token_param("status"),
            "active, completed, revoked",
            "ServiceRequest.status",
        ),
        "performer": SearchParam(
            "performer",
            "reference",
            reference_param("to_facility_id", ["Organization"]),
            "The receiving facility",
            "ServiceRequest.performer",
            ("Organization",),
            "to_facility_id",
        ),
        "authored": SearchParam(
            "authored", "date", date_param("authored_on"), "When", "ServiceRequest.authoredOn"
        ),
        "code": SearchParam(
            "code",
            "token",
            token_param("service_code", system=SERVICES),
            "Requested service",
            "ServiceRequest.code",
        ),
        "performer-type": SearchParam(
            "performer-type",
            "token",
            token_param("to_specialty", system=SPECIALTY),
            "Specialty referred to",
            "ServiceRequest.performerType",
        ),
    }
    includes: ClassVar[dict[str, Include]] = {
        "performer": Include(
            "performer",
            "Organization",
            _ref_list(lambda r: r.get("performer"), "Organization"),
            "to_facility_id",
        )
    }

    def create(
        self, session: Session, actor: Principal, resource: dict[str, Any]
    ) -> tuple[Stored, list[str]]:
        origin = next(
            (
                e.get("valueReference")
                for e in resource.get("extension", [])
                if e.get("url") == f"{BASE}/StructureDefinition/referring-facility"
            ),
            None,
        )
        origin = origin or resource.get("requester")
        facility = ref_id(origin, "Organization")
        if not facility or not facility.isdigit():
            raise Invalid(
                "no-origin",
                "a referral needs the referring facility (requester Organization)",
                fields={"ServiceRequest.requester": "Organization required"},
            )
        target = next((ref_id(p, "Organization") for p in resource.get("performer", [])), None)
        reasons = [c for r in resource.get("reasonCode", []) if (c := _coded(r, ICD10))]
        values = {
            "to_facility_id": int(target) if target and target.isdigit() else None,
            "to_specialty": _coded(resource.get("performerType"), SPECIALTY),
            "service_code": _coded(resource.get("code"), SERVICES),
            "reason_code": reasons[0] if reasons else None,
            "note": " ".join(n.get("text", "") for n in resource.get("note", []))[:500],
        }
        row, warnings = care.add_referral(
            session,
            actor,
            _patient_of(resource),
            int(facility),
            _encounter_of(resource),
            _validated(ReferralIn, values, "ServiceRequest"),
        )
        return self._created(
            row,
            warnings
            + _warnings(
                resource,
                {
                    "status",
                    "intent",
                    "category",
                    "code",
                    "subject",
                    "encounter",
                    "authoredOn",
                    "requester",
                    "performer",
                    "performerType",
                    "reasonCode",
                    "note",
                    "extension",
                },
            ),
        )


register(ServiceRequestHandler())

"""Encounter, Condition, Procedure, Observation, ServiceRequest, MedicationRequest ⇄ care records."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from saglam.care import service as care
from saglam.care.rules import icd10_title
from saglam.care.schemas import (
    DiagnosisIn,
    DiagnosisRead,
    EncounterCreate,
    EncounterRead,
    ObservationIn,
    ObservationRead,
    PrescriptionIn,
    PrescriptionRead,
    ReferralIn,
    ReferralRead,
    ServiceIn,
    ServiceLineRead,
)
from saglam.core.errors import Invalid, NotFound
from saglam.core.query import Criterion, Query
from saglam.core.security import Principal
from saglam.fhir.mappers.common import BASE, clean, day, ref_id, stored
from saglam.fhir.params import date_param, reference_param, token_param
from saglam.fhir.registry import Handler, Include, SearchParam, Stored, Value, register

ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
SERVICES = f"{BASE}/CodeSystem/service"
FORMULARY = f"{BASE}/CodeSystem/formulary"
SPECIALTY = f"{BASE}/CodeSystem/specialty"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLASS_CODES = {
    "ambulatory": "AMB",
    "inpatient": "IMP",
    "emergency": "EMER",
    "home": "HH",
    "virtual": "VR",
}
ROLE_CODES = {
    "attender": "ATND",
    "admitter": "ADM",
    "discharger": "DIS",
    "consultant": "CON",
    "primary-performer": "PPRF",
}


def _when(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _code(system: str, code: str | None, display: str | None = None) -> dict[str, Any] | None:
    if not code:
        return None
    return {"coding": [clean({"system": system, "code": code, "display": display})]}


def _ref(kind: str, ident: int | None) -> dict[str, str] | None:
    return {"reference": f"{kind}/{ident}"} if ident else None


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


def _coded(concept: Any, system: str) -> str | None:
    for c in (concept or {}).get("coding", []):
        if c.get("system") == system and c.get("code"):
            return str(c["code"])
    return None


def _patient_of(resource: dict[str, Any]) -> int:
    ident = ref_id(resource.get("subject"), "Patient")
    if not ident or not ident.isdigit():
        raise Invalid(
            "missing-subject",
            "the resource needs a subject Patient/<id>",
            fields={f"{resource['resourceType']}.subject": "required"},
        )
    return int(ident)


def _encounter_of(resource: dict[str, Any]) -> int | None:
    ident = ref_id(resource.get("encounter"), "Encounter")
    return int(ident) if ident and ident.isdigit() else None


def _validated(model: type[BaseModel], values: dict[str, Any], kind: str) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        fields = {
            f"{kind}.{'.'.join(str(p) for p in e['loc'])}": str(e["msg"]) for e in exc.errors()
        }
        raise Invalid("invalid-resource", f"the {kind} is not valid", fields=fields) from None


def _parse_time(text: Any) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _warnings(resource: dict[str, Any], known: set[str]) -> list[str]:
    return [
        f"{resource['resourceType']}.{k} is not stored"
        for k in resource
        if k not in known | {"resourceType", "id", "meta", "text"}
    ]


def _practitioner(session: Session, actor: Principal, values: Sequence[Value]) -> Criterion:
    from saglam.fhir.params import reference_ids

    ids = [int(i) for i in reference_ids(values, ["Practitioner"]) if i.isdigit()]
    return Criterion("id", "in_select", care.encounters_with(ids))


def _patient_param(expression: str) -> SearchParam:
    return SearchParam(
        "patient",
        "reference",
        reference_param("patient_id", ["Patient"]),
        "The patient",
        expression,
        ("Patient",),
        "patient_id",
    )


def _subject_param(expression: str) -> SearchParam:
    return SearchParam(
        "subject",
        "reference",
        reference_param("patient_id", ["Patient"]),
        "The patient",
        expression,
        ("Patient",),
        "patient_id",
    )


def _encounter_param(expression: str) -> SearchParam:
    return SearchParam(
        "encounter",
        "reference",
        reference_param("encounter_id", ["Encounter"]),
        "The encounter",
        expression,
        ("Encounter",),
        "encounter_id",
    )


def _ref_list(
    getter: Callable[[dict[str, Any]], Any], kind: str
) -> Callable[[dict[str, Any]], list[str]]:
    def refs(resource: dict[str, Any]) -> list[str]:
        value = getter(resource)
        values = value if isinstance(value, list) else [value]
        return [x for x in (ref_id(v, kind) for v in values if v) if x]

    return refs


class CareHandler(Handler):
    """One care record type: reads through the care queries, writes through the care service."""

    read_model: ClassVar[type[BaseModel]]

    def convert(self, dto: Any) -> dict[str, Any]:
        raise NotImplementedError

    interactions = frozenset({"read", "vread", "history-instance", "search-type", "create"})
    sorts: ClassVar[dict[str, str]] = {"_id": "id", "_lastUpdated": "updated_at"}

    def _stored(self, dto: Any) -> Stored:
        return stored(dto.id, self.convert(dto), dto.version, dto.updated_at)

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        if not ident.isdigit():
            raise NotFound("not-found", f"{self.type}/{ident} does not exist")
        return self._stored(care.read_one(session, actor, self.type, int(ident)))

    def versions(self, session: Session, actor: Principal, ident: str) -> list[Stored]:
        if not ident.isdigit():
            raise NotFound("not-found", f"{self.type}/{ident} does not exist")
        return [
            stored(
                v.entity_id,
                self.convert(self.read_model.model_validate(v.data)),
                v.version,
                v.recorded_at,
            )
            for v in care.versions(session, actor, self.type, int(ident))
        ]

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        found, total = care.find(session, actor, self.type, query, with_total=with_total)
        return [self._stored(d) for d in found], total

    def select_ids(self, session: Session, actor: Principal, query: Query) -> Select[Any]:
        return care.select_ids(session, actor, self.type, query)

    def read_many(self, session: Session, actor: Principal, ids: Sequence[str]) -> list[Stored]:
        return [
            self._stored(d)
            for d in care.read_many(session, actor, self.type, [int(i) for i in ids if i.isdigit()])
        ]

    def _created(self, row: Any, warnings: list[str]) -> tuple[Stored, list[str]]:
        return self._stored(
            self.read_model.model_validate(row) if not isinstance(row, BaseModel) else row
        ), warnings


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


for handler in (
    EncounterHandler(),
    ConditionHandler(),
    ProcedureHandler(),
    ObservationHandler(),
    ServiceRequestHandler(),
    MedicationRequestHandler(),
):
    register(handler)

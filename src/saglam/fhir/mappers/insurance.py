"""Coverage ⇄ enrolment periods; Claim ⇄ claims as submitted; ClaimResponse ⇄ their
adjudication (line outcomes, reasons and amounts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy.orm import Session

from saglam.core.errors import Invalid, NotFound
from saglam.core.query import AnyOf, Criterion, Query
from saglam.core.security import Principal
from saglam.fhir.mappers.common import BASE, clean, day, parse_day, ref_id, stored
from saglam.fhir.params import date_param, reference_param, token_param
from saglam.fhir.registry import Handler, Include, SearchParam, Stored, Value, register
from saglam.insurance import service as insurance
from saglam.insurance.enums import REASON_TEXT, ClaimStatus, Reason
from saglam.insurance.schemas import ClaimIn, ClaimRead, CoverageRead, Eligibility

ICD10 = "http://hl7.org/fhir/sid/icd-10"
SERVICES = f"{BASE}/CodeSystem/service"
CATEGORY = f"{BASE}/CodeSystem/insurance-category"
PAYER = f"{BASE}/StructureDefinition/premium-payer"
REASONS = f"{BASE}/CodeSystem/adjudication-reason"
OUTCOME = f"{BASE}/StructureDefinition/line-outcome"
CLAIM_IDENTIFIER = f"{BASE}/sid/claim"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
CURRENCY = "AZN"
INSURER = {"reference": "Organization/insurer"}


def money(minor: int) -> dict[str, Any]:
    return {"value": float(Decimal(minor) / 100), "currency": CURRENCY}


def minor_units(value: Any, where: str) -> int:
    """A FHIR Money as an exact number of qəpik; anything else is refused."""
    if not isinstance(value, dict) or "value" not in value:
        raise Invalid("bad-money", f"{where} needs a value", fields={where: "missing"})
    if value.get("currency", CURRENCY) != CURRENCY:
        raise Invalid(
            "bad-currency", f"{where} must be in {CURRENCY}", fields={where: "wrong currency"}
        )
    raw = value["value"]
    try:
        amount = Decimal(str(raw)) * 100
    except InvalidOperation:
        raise Invalid("bad-money", f"{where} is not a number", fields={where: str(raw)}) from None
    if isinstance(raw, bool) or amount != amount.to_integral_value() or amount < 0:
        raise Invalid(
            "bad-money",
            f"{where} must be a non-negative amount with at most two decimals",
            fields={where: str(raw)},
        )
    return int(amount)


# --- Coverage -------------------------------------------------------------------------------


def coverage_fhir(c: CoverageRead) -> dict[str, Any]:
    return clean(
        {
            "resourceType": "Coverage",
            "extension": [{"url": PAYER, "valueCode": c.payer.value}],
            "status": "active",
            "beneficiary": {"reference": f"Patient/{c.patient_id}"},
            "payor": [INSURER],
            "period": clean({"start": day(c.start), "end": day(c.end)}),
            "class": [
                {
                    "type": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                                "code": "group",
                            }
                        ]
                    },
                    "value": c.category,
                }
            ],
        }
    )


def _coverage_stored(c: CoverageRead) -> Stored:
    return stored(c.id, coverage_fhir(c), c.version, c.updated_at)


class CoverageHandler(Handler):
    type = "Coverage"
    interactions = frozenset({"read", "search-type"})
    documentation = (
        "Enrolment periods in the compulsory health insurance (category, premium payer, period)."
    )
    params: ClassVar[dict[str, SearchParam]] = {
        "beneficiary": SearchParam(
            "beneficiary", "reference", reference_param("patient_id", ["Patient"]),
            "The insured person", "Coverage.beneficiary", ("Patient",), "patient_id",
        ),
        "patient": SearchParam(
            "patient", "reference", reference_param("patient_id", ["Patient"]),
            "The insured person", "Coverage.beneficiary", ("Patient",), "patient_id",
        ),
        "class-value": SearchParam(
            "class-value", "token", token_param("category"), "Insurance category",
            "Coverage.class.value",
        ),
        "period": SearchParam("period", "date", date_param("start"), "Start of the period", "Coverage.period"),
    }  # fmt: skip
    includes: ClassVar[dict[str, Include]] = {
        "beneficiary": Include(
            "beneficiary",
            "Patient",
            lambda r: [x for x in [ref_id(r.get("beneficiary"), "Patient")] if x],
            "patient_id",
        ),
    }

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        if not ident.isdigit():
            raise NotFound("not-found", f"Coverage/{ident} does not exist")
        return _coverage_stored(insurance.get_coverage(session, actor, int(ident)))

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        found, total = insurance.find_coverage(session, actor, query, with_total=with_total)
        return [_coverage_stored(c) for c in found], total

    def read_many(self, session: Session, actor: Principal, ids: Sequence[str]) -> list[Stored]:
        wanted = [int(i) for i in ids if i.isdigit()]
        return [_coverage_stored(c) for c in insurance.read_coverage(session, actor, wanted)]


# --- Claim and ClaimResponse ----------------------------------------------------------------


def claim_fhir(c: ClaimRead) -> dict[str, Any]:
    diagnoses = [d for d in c.diagnoses.split(";") if d]
    return clean(
        {
            "resourceType": "Claim",
            "identifier": [{"system": CLAIM_IDENTIFIER, "value": c.identifier}],
            "status": "active",
            "type": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                        "code": "professional",
                    }
                ]
            },
            "use": "claim",
            "patient": {"reference": f"Patient/{c.patient_id}"},
            "created": day(c.submitted_on),
            "insurer": INSURER,
            "provider": {"reference": f"Organization/{c.facility_id}"},
            "priority": {"coding": [{"code": "normal"}]},
            "diagnosis": [
                {
                    "sequence": n,
                    "diagnosisCodeableConcept": {"coding": [{"system": ICD10, "code": code}]},
                }
                for n, code in enumerate(diagnoses, start=1)
            ],
            "insurance": [
                {
                    "sequence": 1,
                    "focal": True,
                    "coverage": {"display": "compulsory health insurance"},
                }
            ],
            "item": [
                clean(
                    {
                        "sequence": line.seq,
                        "diagnosisSequence": [
                            diagnoses.index(d) + 1
                            for d in line.diagnoses.split(";")
                            if d in diagnoses
                        ],
                        "productOrService": {
                            "coding": [{"system": SERVICES, "code": line.service_code}]
                        },
                        "servicedDate": day(line.service_date),
                        "quantity": {"value": line.quantity},
                        "unitPrice": money(line.unit_price_minor),
                        "net": money(line.quantity * line.unit_price_minor),
                        "encounter": [{"reference": f"Encounter/{c.encounter_id}"}]
                        if c.encounter_id
                        else [],
                    }
                )
                for line in c.lines
            ],
            "total": money(c.asked_minor),
        }
    )


def _amount(code: str, minor: int) -> dict[str, Any]:
    return {
        "category": {"coding": [{"system": ADJUDICATION, "code": code}]},
        "amount": money(minor),
    }


_OUTCOME = {
    ClaimStatus.RECEIVED: "queued",
    ClaimStatus.PENDED: "partial",
    ClaimStatus.ADJUDICATED: "complete",
    ClaimStatus.REVIEWED: "complete",
}


def claim_response_fhir(c: ClaimRead) -> dict[str, Any]:
    items = []
    for line in c.lines:
        reasons = [r for r in line.reasons.split(";") if r]
        items.append(
            {
                "extension": [{"url": OUTCOME, "valueCode": line.outcome.value}],
                "itemSequence": line.seq,
                "adjudication": [
                    _amount("submitted", line.quantity * line.unit_price_minor),
                    _amount("eligible", line.allowed_quantity * line.allowed_unit_minor),
                    _amount("copay", line.copay_minor),
                    _amount("benefit", line.paid_minor),
                    *[
                        {
                            "category": {"coding": [{"system": REASONS, "code": r}]},
                            "reason": {
                                "coding": [
                                    {
                                        "system": REASONS,
                                        "code": r,
                                        "display": REASON_TEXT[Reason(r)],
                                    }
                                ]
                            },
                        }
                        for r in reasons
                    ],
                ],
            }
        )
    return clean(
        {
            "resourceType": "ClaimResponse",
            "identifier": [{"system": CLAIM_IDENTIFIER, "value": c.identifier}],
            "status": "active",
            "type": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                        "code": "professional",
                    }
                ]
            },
            "use": "claim",
            "patient": {"reference": f"Patient/{c.patient_id}"},
            "created": c.updated_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "insurer": INSURER,
            "requestor": {"reference": f"Organization/{c.facility_id}"},
            "request": {"reference": f"Claim/{c.id}"},
            "outcome": _OUTCOME[c.status],
            "disposition": f"claim {c.status.value}",
            "item": items,
            "total": [
                _amount("submitted", c.asked_minor),
                _amount("eligible", c.allowed_minor),
                _amount("copay", c.copay_minor),
                _amount("benefit", c.paid_minor),
            ],
            "processNote": [{"number": 1, "type": "display", "text": c.review_note}]
            if c.review_note
            else [],
        }
    )


def claim_in(resource: dict[str, Any]) -> ClaimIn:
    """A FHIR Claim as a claim to submit; anything the adjudication needs and lacks is refused."""
    identifier = next(
        (i.get("value") for i in resource.get("identifier", []) if i.get("value")), None
    )
    if not identifier:
        raise Invalid("missing-identifier", "a Claim needs an identifier (the facility's own)", fields={"Claim.identifier": "required"})  # fmt: skip
    facility = ref_id(resource.get("provider"), "Organization")
    patient = ref_id(resource.get("patient"), "Patient")
    if not facility or not facility.isdigit():
        raise Invalid("missing-provider", "Claim.provider must be Organization/{facility id}", fields={"Claim.provider": "required"})  # fmt: skip
    if not patient or not patient.isdigit():
        raise Invalid("missing-patient", "Claim.patient must be Patient/{id}", fields={"Claim.patient": "required"})  # fmt: skip
    ordered = sorted(resource.get("diagnosis", []), key=lambda d: d.get("sequence", 0))
    sequence_at = {d.get("sequence"): n for n, d in enumerate(ordered, start=1)}
    diagnoses = [
        next(
            (
                c.get("code")
                for c in (d.get("diagnosisCodeableConcept") or {}).get("coding", [])
                if c.get("system") == ICD10
            ),
            "",
        )
        for d in ordered
    ]
    team = {
        t.get("sequence"): ref_id(t.get("provider"), "Practitioner")
        for t in resource.get("careTeam", [])
    }
    encounter = None
    lines = []
    for n, item in enumerate(resource.get("item", [])):
        where = f"Claim.item[{n}]"
        code = next(
            (
                c.get("code")
                for c in (item.get("productOrService") or {}).get("coding", [])
                if c.get("system") == SERVICES
            ),
            None,
        )
        doctors = [team.get(s) for s in item.get("careTeamSequence", [])]
        encounter = encounter or next(
            (ref_id(e, "Encounter") for e in item.get("encounter", [])), None
        )
        lines.append(
            {
                "service_code": code or "",
                "quantity": (item.get("quantity") or {}).get("value", 1),
                "unit_price_minor": minor_units(item.get("unitPrice"), f"{where}.unitPrice"),
                "service_date": _day(item.get("servicedDate"), f"{where}.servicedDate"),
                "practitioner_id": int(doctors[0]) if doctors and doctors[0] and doctors[0].isdigit() else None,
                "diagnosis_pointers": [sequence_at.get(s, 0) for s in item.get("diagnosisSequence", [])],
            }
        )  # fmt: skip
    try:
        return ClaimIn.model_validate(
            {
                "identifier": identifier,
                "facility_id": int(facility),
                "patient_id": int(patient),
                "encounter_id": int(encounter) if encounter and encounter.isdigit() else None,
                "diagnoses": diagnoses,
                "lines": lines,
            }
        )
    except ValidationError as exc:
        fields = {}
        for err in exc.errors()[:20]:
            path = ".".join(str(p) for p in err["loc"])
            path = path.replace("lines.", "item.").replace("service_code", "productOrService")
            fields[f"Claim.{path}"] = str(err["msg"])
        raise Invalid("invalid-claim", "the claim is not valid", fields=fields) from None


def _day(text: Any, where: str) -> Any:
    try:
        return parse_day(text)
    except ValueError:
        raise Invalid("bad-date", f"{where} is not a date", fields={where: str(text)}) from None


def _claim_stored(c: ClaimRead) -> Stored:
    return stored(c.id, claim_fhir(c), c.version, c.updated_at)


def _response_stored(c: ClaimRead) -> Stored:
    return stored(c.id, claim_response_fhir(c), c.version, c.updated_at)


def _outcome_param(session: Session, actor: Principal, values: Sequence[Value]) -> AnyOf:
    statuses = {
        outcome: [s.value for s, o in _OUTCOME.items() if o == outcome]
        for outcome in set(_OUTCOME.values())
    }
    return AnyOf(tuple(Criterion("status", "in", statuses.get(v.code or v.raw, [])) for v in values))  # fmt: skip


_CLAIM_PARAMS: dict[str, SearchParam] = {
    "patient": SearchParam(
        "patient", "reference", reference_param("patient_id", ["Patient"]), "The patient",
        "Claim.patient", ("Patient",), "patient_id",
    ),
    "identifier": SearchParam(
        "identifier", "token", token_param("identifier", system=CLAIM_IDENTIFIER),
        "The facility's claim identifier", "Claim.identifier",
    ),
    "created": SearchParam("created", "date", date_param("submitted_on"), "Submitted on", "Claim.created"),
}  # fmt: skip


class _ClaimView(Handler):
    """Claim and ClaimResponse are two views of one claim record: the same reads, searches and
    scoping, each converted its own way."""

    interactions = frozenset({"read", "search-type"})

    def view(self, claim: ClaimRead) -> Stored:
        raise NotImplementedError

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        if not ident.isdigit():
            raise NotFound("not-found", f"{self.type}/{ident} does not exist")
        return self.view(insurance.get_claim(session, actor, int(ident)))

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        found, total = insurance.find_claims(session, actor, query, with_total=with_total)
        return [self.view(c) for c in found], total

    def read_many(self, session: Session, actor: Principal, ids: Sequence[str]) -> list[Stored]:
        wanted = [int(i) for i in ids if i.isdigit()]
        return [self.view(c) for c in insurance.read_claims(session, actor, wanted)]


class ClaimHandler(_ClaimView):
    type = "Claim"
    documentation = "Claims as submitted by facilities; submit with POST Claim/$submit."
    params: ClassVar[dict[str, SearchParam]] = {
        **_CLAIM_PARAMS,
        "provider": SearchParam(
            "provider", "reference", reference_param("facility_id", ["Organization"]),
            "The submitting facility", "Claim.provider", ("Organization",), "facility_id",
        ),
    }  # fmt: skip

    def view(self, claim: ClaimRead) -> Stored:
        return _claim_stored(claim)


class ClaimResponseHandler(_ClaimView):
    type = "ClaimResponse"
    documentation = "The adjudication of each claim: every line's outcome, reasons and amounts."
    params: ClassVar[dict[str, SearchParam]] = {
        **_CLAIM_PARAMS,
        "request": SearchParam(
            "request", "reference", reference_param("id", ["Claim"]), "The claim",
            "ClaimResponse.request", ("Claim",), "id",
        ),
        "requestor": SearchParam(
            "requestor", "reference", reference_param("facility_id", ["Organization"]),
            "The submitting facility", "ClaimResponse.requestor", ("Organization",), "facility_id",
        ),
        "outcome": SearchParam(
            "outcome", "token", _outcome_param, "queued, partial (pended) or complete",
            "ClaimResponse.outcome",
        ),
    }  # fmt: skip

    def view(self, claim: ClaimRead) -> Stored:
        return _response_stored(claim)


def submit(
    session: Session, actor: Principal, resource: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """``Claim/$submit``: the ClaimResponse of the claim (the first one for a repeated claim)."""
    claim, created = insurance.submit(session, actor, claim_in(resource))
    return dict(_response_stored(claim).resource, id=str(claim.id)), created


def eligibility_response(request: dict[str, Any], answer: Eligibility) -> dict[str, Any]:
    return clean(
        {
            "resourceType": "CoverageEligibilityResponse",
            "status": "active",
            "purpose": ["validation"],
            "patient": {"reference": f"Patient/{answer.patient_id}"},
            "servicedDate": day(answer.on),
            "created": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "request": {"identifier": (request.get("identifier") or [{}])[0]} if request.get("identifier") else {"display": "CoverageEligibilityRequest"},
            "outcome": "complete",
            "insurer": INSURER,
            "insurance": [
                clean(
                    {
                        "coverage": {"reference": f"Coverage/{answer.coverage_id}"} if answer.coverage_id else {"display": "none"},
                        "inforce": answer.covered,
                        "item": [{"category": {"text": answer.category}}] if answer.category else [],
                    }
                )
            ],
            "disposition": answer.reason or ("covered" if answer.covered else "not covered"),
        }
    )  # fmt: skip


def check_eligibility(
    session: Session, actor: Principal, resource: dict[str, Any]
) -> dict[str, Any]:
    """``CoverageEligibilityRequest/$submit``: whether the patient is covered on the date."""
    patient = ref_id(resource.get("patient"), "Patient")
    if not patient or not patient.isdigit():
        raise Invalid("missing-patient", "CoverageEligibilityRequest.patient must be Patient/{id}", fields={"CoverageEligibilityRequest.patient": "required"})  # fmt: skip
    on = parse_day(resource.get("servicedDate")) or datetime.now(UTC).date()
    return eligibility_response(resource, insurance.eligibility(session, actor, int(patient), on))


register(CoverageHandler())
register(ClaimHandler())
register(ClaimResponseHandler())

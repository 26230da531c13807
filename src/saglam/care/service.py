"""Care use cases: record an encounter with everything done during it, change its status,
add a diagnosis, service, result, referral or prescription. Reading is in
:mod:`saglam.care.queries`, re-exported here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.care import repository, rules
from saglam.care.aggregates import encounters_by_month as encounters_by_month
from saglam.care.bulk import after_bulk_load as after_bulk_load
from saglam.care.bulk import bulk_load as bulk_load
from saglam.care.bulk import bulk_loading as bulk_loading
from saglam.care.catalogue import catalogue, formulary
from saglam.care.catalogue import diagnosis_problem as diagnosis_problem
from saglam.care.catalogue import diagnosis_title as diagnosis_title
from saglam.care.catalogue import find_diagnosis_codes as find_diagnosis_codes
from saglam.care.catalogue import find_services as find_services
from saglam.care.enums import (
    EncounterStatus,
    ObservationCategory,
    PrescriptionStatus,
    ReferralStatus,
)
from saglam.care.models import (
    Diagnosis,
    Encounter,
    Observation,
    Participant,
    Prescription,
    Referral,
    ServiceLine,
)
from saglam.care.queries import encounter_read, record_of
from saglam.care.queries import encounters_with as encounters_with
from saglam.care.queries import everything as everything
from saglam.care.queries import find as find
from saglam.care.queries import get_encounter as get_encounter
from saglam.care.queries import read_many as read_many
from saglam.care.queries import read_one as read_one
from saglam.care.queries import select_ids as select_ids
from saglam.care.queries import versions as versions
from saglam.care.schemas import (
    DiagnosisIn,
    EncounterCreate,
    EncounterRead,
    EncounterRecord,
    ObservationIn,
    PrescriptionIn,
    ReferralIn,
    ServiceIn,
    StatusChange,
)
from saglam.core.errors import Invalid, NotFound
from saglam.core.message import Message
from saglam.core.security import Principal
from saglam.core.types import today, utcnow
from saglam.country import service as country
from saglam.country.profile import Profile, profile_table
from saglam.facilities import service as facilities
from saglam.history import service as history
from saglam.patients import service as patients
from saglam.patients.enums import LinkReason
from saglam.patients.schemas import PatientRead
from saglam.workforce import service as workforce


@dataclass
class Check:
    """Problems (refuse) and warnings (keep) found while validating one recording."""

    problems: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def fail(self, where: str, message: Message) -> None:
        self.problems.setdefault(where, message)

    def raise_if_any(self) -> None:
        if self.problems:
            first = next(iter(self.problems.values()))
            raise Invalid("invalid-care-record", first, fields=self.problems)


def _after_death(death: date) -> Message:
    return Message("no care after the patient's death (%(date)s)", date=death.isoformat())


def _unknown_service(code: str) -> Message:
    return Message("unknown service '%(code)s'", code=code)


def _not_in_formulary(code: str) -> Message:
    return Message("'%(code)s' is not in the formulary", code=code)


def _require_facility(session: Session, actor: Principal, facility_id: int, action: str) -> None:
    scope = patients.facility_scope(session, actor)
    if scope is not None and facility_id not in scope:
        audit.refuse(
            session,
            actor,
            action,
            "Encounter",
            reason=Message("care recorded at a facility outside the actor's scope"),
        )


def _check_diagnosis(
    check: Check, where: str, d: DiagnosisIn, patient: PatientRead, on: date, profile: Profile
) -> None:
    problem = rules.icd10_problem(d.code)
    if problem:
        check.fail(f"{where}.code", problem)
        return
    age = rules.age_on(patient.birth_date, on)
    for severity, message in rules.sex_age_findings(
        d.code, patient.sex.value, age, profile_table(profile.name, "sex_age_rules")
    ):
        if severity == "reject":
            check.fail(f"{where}.code", message)
        else:
            check.warnings.append(message)
    if d.onset and d.onset > on:
        check.fail(f"{where}.onset", Message("onset is after the encounter"))


def _check_date(
    check: Check, where: str, moment: date, encounter: Encounter | None, patient: PatientRead
) -> None:
    if patient.death_date and moment > patient.death_date:
        check.fail(where, _after_death(patient.death_date))
    if moment > today():
        check.fail(where, Message("the date is in the future"))
    if encounter is not None and not rules.within(moment, encounter.start, encounter.end, today()):
        check.fail(where, Message("the date lies outside the encounter"))


def _practitioners_exist(
    session: Session, actor: Principal, ids: set[int], check: Check, where: str
) -> None:
    if not ids:
        return
    found = {p.id for p in workforce.read_practitioners(session, actor, sorted(ids))}
    for missing in sorted(ids - found):
        check.fail(where, Message("no practitioner %(id)s", id=missing))


def record_encounter(session: Session, actor: Principal, data: EncounterCreate) -> EncounterRecord:
    """Record an encounter and what was done in it, checked by every clinical rule first;
    nothing is saved when anything is wrong."""
    audit.require(
        session, actor, "Encounter", "write", action=AuditAction.CREATE, patient_id=data.patient_id
    )
    _require_facility(session, actor, data.facility_id, AuditAction.CREATE)
    patient = patients.get(session, actor, data.patient_id)
    profile = country.active_profile(session)
    facilities.district_of(session, data.facility_id)
    check = Check()
    if data.status is not EncounterStatus.PLANNED and data.start > utcnow():
        check.fail("start", Message("a started encounter cannot begin in the future"))
    if patient.death_date and data.start.date() > patient.death_date:
        check.fail("start", _after_death(patient.death_date))
    if data.reason_code and (problem := rules.icd10_problem(data.reason_code)):
        check.fail("reason_code", problem)
    _practitioners_exist(
        session,
        actor,
        {p.practitioner_id for p in data.participants}
        | {s.performer_id for s in data.services if s.performer_id},
        check,
        "participants",
    )
    day = data.start.date()
    for i, d in enumerate(data.diagnoses):
        _check_diagnosis(check, f"diagnoses.{i}", d, patient, day, profile)
    if data.diagnoses and not any(d.rank == 1 for d in data.diagnoses):
        check.fail("diagnoses", Message("one diagnosis must be primary (rank 1)"))
    probe = Encounter(start=data.start, end=data.end)
    services = catalogue(profile)
    for i, s in enumerate(data.services):
        if s.service_code not in services:
            check.fail(f"services.{i}.service_code", _unknown_service(s.service_code))
        _check_date(check, f"services.{i}.performed_on", s.performed_on or day, probe, patient)
    tests = profile_table(profile.name, "lab_tests")
    for i, o in enumerate(data.observations):
        _check_observation(check, f"observations.{i}", o, patient, tests, probe)
    for i, r in enumerate(data.referrals):
        _check_referral(session, check, f"referrals.{i}", r, profile, services)
    medicines = formulary(profile)
    for i, p in enumerate(data.prescriptions):
        if p.medication_code not in medicines:
            check.fail(f"prescriptions.{i}.medication_code", _not_in_formulary(p.medication_code))
    check.raise_if_any()
    now = utcnow()
    encounter = Encounter(
        patient_id=patient.id, facility_id=data.facility_id, klass=data.klass.value, status=data.status.value,
        start=data.start, end=data.end, reason_code=data.reason_code, reason_text=data.reason_text,
        admission_source=data.admission_source, discharge_disposition=data.discharge_disposition,
        referral_id=data.referral_id, version=1, updated_at=now,
    )  # fmt: skip
    session.add(encounter)
    session.flush()
    people = [
        Participant(encounter_id=encounter.id, practitioner_id=p.practitioner_id, role=p.role.value)
        for p in data.participants
    ]
    codes = [d.code for d in data.diagnoses]
    practitioner = data.participants[0].practitioner_id if data.participants else None
    children: dict[str, list[Any]] = {
        "Condition": [_diagnosis(patient.id, encounter.id, d, day, now) for d in data.diagnoses],
        "Procedure": [_service(patient.id, encounter.id, s, day, now) for s in data.services],
        "Observation": [
            _observation(patient, encounter.id, o, tests, data.start, now)
            for o in data.observations
        ],
        "ServiceRequest": [
            _referral(patient.id, encounter.id, data.facility_id, practitioner, r, day, now)
            for r in data.referrals
        ],
        "MedicationRequest": [
            _prescription(
                session, patient, encounter.id, practitioner, p, medicines[p.medication_code],
                codes, day, now, check,
            )
            for p in data.prescriptions
        ],
    }  # fmt: skip
    session.add_all(people)
    for rows in children.values():
        session.add_all(rows)
    session.flush()
    patients.link_facility(session, actor, patient.id, data.facility_id, LinkReason.SEEN, day)
    for r in data.referrals:
        if r.to_facility_id:
            patients.link_facility(
                session, actor, patient.id, r.to_facility_id, LinkReason.REFERRED, day
            )
    read = _snapshot(session, encounter, {encounter.id: people})
    audit.record(
        session, actor, AuditAction.CREATE, "Encounter", encounter.id, patient_id=patient.id
    )
    return record_of(session, encounter, check.warnings, read=read, children=children)


def _check_observation(
    check: Check,
    where: str,
    o: ObservationIn,
    patient: PatientRead,
    tests: Any,
    encounter: Encounter | None,
) -> None:
    age = rules.age_on(patient.birth_date, (o.effective_at or utcnow()).date())
    test = rules.reference_range(tests, o.loinc, patient.sex.value, age)
    if test is None:
        check.fail(
            f"{where}.loinc",
            Message("'%(code)s' is not in the laboratory and vital-signs table", code=o.loinc),
        )
        return
    if test.unit and o.unit and o.unit != test.unit:
        check.fail(
            f"{where}.unit",
            Message(
                "%(test)s is recorded in %(unit)s, not %(given)s",
                test=test.name_en,
                unit=test.unit,
                given=o.unit,
            ),
        )
    if test.unit and o.value is None:
        check.fail(f"{where}.value", Message("%(test)s needs a numeric value", test=test.name_en))
    if o.effective_at:
        _check_date(check, f"{where}.effective_at", o.effective_at.date(), encounter, patient)


def _check_referral(
    session: Session,
    check: Check,
    where: str,
    r: ReferralIn,
    profile: Profile,
    services: Mapping[str, Any],
) -> None:
    if r.to_facility_id is not None:
        try:
            facilities.district_of(session, r.to_facility_id)
        except Invalid:
            check.fail(
                f"{where}.to_facility_id", Message("no facility %(id)s", id=r.to_facility_id)
            )
    if r.to_specialty and r.to_specialty not in {s.code for s in profile.specialties}:
        check.fail(
            f"{where}.to_specialty",
            Message("unknown specialty '%(code)s'", code=r.to_specialty),
        )
    if r.service_code and r.service_code not in services:
        check.fail(f"{where}.service_code", _unknown_service(r.service_code))
    if r.reason_code and (problem := rules.icd10_problem(r.reason_code)):
        check.fail(f"{where}.reason_code", problem)


def _diagnosis(
    patient_id: int, encounter_id: int | None, d: DiagnosisIn, day: date, now: datetime
) -> Diagnosis:
    return Diagnosis(
        patient_id=patient_id, encounter_id=encounter_id, code=d.code, rank=d.rank,
        clinical_status=d.clinical_status.value, verification_status=d.verification_status.value,
        onset=d.onset, recorded_on=day, version=1, updated_at=now,
    )  # fmt: skip


def _service(
    patient_id: int, encounter_id: int, s: ServiceIn, day: date, now: datetime
) -> ServiceLine:
    return ServiceLine(
        patient_id=patient_id, encounter_id=encounter_id, service_code=s.service_code,
        performer_id=s.performer_id, performed_on=s.performed_on or day, quantity=s.quantity,
        status="completed", version=1, updated_at=now,
    )  # fmt: skip


def _observation(
    patient: PatientRead,
    encounter_id: int | None,
    o: ObservationIn,
    tests: Any,
    when: datetime,
    now: datetime,
) -> Observation:
    effective = o.effective_at or when
    test = rules.reference_range(
        tests, o.loinc, patient.sex.value, rules.age_on(patient.birth_date, effective.date())
    )
    assert test is not None
    flag = rules.interpret(o.value, test.low, test.high)
    return Observation(
        patient_id=patient.id, encounter_id=encounter_id, loinc=o.loinc, category=ObservationCategory(test.category).value,
        value=o.value, value_text=o.value_text, unit=test.unit or "", low=test.low, high=test.high,
        interpretation=flag.value if flag else None, effective_at=effective, status="final", version=1, updated_at=now,
    )  # fmt: skip


def _referral(
    patient_id: int,
    encounter_id: int | None,
    facility_id: int,
    practitioner: int | None,
    r: ReferralIn,
    day: date,
    now: datetime,
) -> Referral:
    return Referral(
        patient_id=patient_id, encounter_id=encounter_id, from_facility_id=facility_id, from_practitioner_id=practitioner,
        to_facility_id=r.to_facility_id, to_specialty=r.to_specialty, service_code=r.service_code, reason_code=r.reason_code,
        status=ReferralStatus.ACTIVE.value, authored_on=day, note=r.note, version=1, updated_at=now,
    )  # fmt: skip


def _prescription(
    session: Session, patient: PatientRead, encounter_id: int | None, prescriber: int | None, p: PrescriptionIn,
    medicine: Any, codes: list[str], day: date, now: datetime, check: Check,
) -> Prescription:  # fmt: skip
    """Medicines of a state programme are free when the patient has a qualifying diagnosis."""
    program = None
    if medicine.free_program:
        known = codes + repository.diagnosed(session, [patient.id])
        if any(rules.in_ranges(code, medicine.icd10_ranges) for code in known):
            program = medicine.free_program
        else:
            check.warnings.append(
                Message(
                    "%(medicine)s: free only under the %(programme)s programme, which needs a qualifying diagnosis",
                    medicine=medicine.inn,
                    programme=medicine.free_program,
                )
            )
    return Prescription(
        patient_id=patient.id, encounter_id=encounter_id, medication_code=p.medication_code, prescriber_id=prescriber,
        dosage=p.dosage, quantity=p.quantity, authored_on=day, status=PrescriptionStatus.ACTIVE.value,
        free_program=program, version=1, updated_at=now,
    )  # fmt: skip


def _snapshot(
    session: Session,
    encounter: Encounter,
    people: Mapping[int, Sequence[Participant]] | None = None,
) -> EncounterRead:
    """Keep this version of the encounter in its history; returns it as read."""
    read = encounter_read(session, [encounter], people)[0]
    data = read.model_dump(mode="json", by_alias=False)
    history.snapshot(
        session, "Encounter", encounter.id, encounter.version, data, encounter.updated_at
    )
    return read


def _load_encounter(session: Session, encounter_id: int) -> Encounter:
    row = repository.get(session, "Encounter", encounter_id)
    if row is None:
        raise NotFound("encounter-not-found", Message("no encounter %(id)s", id=encounter_id))
    assert isinstance(row, Encounter)
    return row


def change_status(
    session: Session, actor: Principal, encounter_id: int, change: StatusChange
) -> EncounterRecord:
    """Move an encounter along planned → in-progress → finished (or cancelled); others refused."""
    row = _load_encounter(session, encounter_id)
    audit.require(
        session,
        actor,
        "Encounter",
        "write",
        action=AuditAction.UPDATE,
        entity_id=encounter_id,
        patient_id=row.patient_id,
    )
    _require_facility(session, actor, row.facility_id, AuditAction.UPDATE)
    patients.get(session, actor, row.patient_id)
    current = EncounterStatus(row.status)
    if not rules.can_move(current, change.status):
        raise Invalid(
            "impossible-transition",
            Message(
                "an encounter cannot go from %(current)s to %(target)s",
                current=Message(current.value),
                target=Message(change.status.value),
            ),
            fields={
                "status": Message("not allowed from %(current)s", current=Message(current.value))
            },
        )
    at = change.at or utcnow()
    if change.status is EncounterStatus.IN_PROGRESS:
        row.start = at
    if change.status is EncounterStatus.FINISHED:
        if at < row.start:
            raise Invalid(
                "bad-end",
                Message("the encounter cannot end before it started"),
                fields={"at": Message("before start")},
            )
        row.end = at
    row.status = change.status.value
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    _snapshot(session, row)
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "Encounter",
        row.id,
        patient_id=row.patient_id,
        detail={"status": change.status.value},
    )
    return record_of(session, row, [])


def _encounter_for(
    session: Session, actor: Principal, patient_id: int, encounter_id: int | None
) -> Encounter | None:
    if encounter_id is None:
        return None
    encounter = _load_encounter(session, encounter_id)
    if encounter.patient_id != patient_id:
        raise Invalid(
            "wrong-encounter",
            Message("encounter %(id)s belongs to another patient", id=encounter_id),
            fields={"encounter_id": Message("another patient")},
        )
    _require_facility(session, actor, encounter.facility_id, AuditAction.CREATE)
    return encounter


def add_diagnosis(
    session: Session, actor: Principal, patient_id: int, encounter_id: int | None, d: DiagnosisIn
) -> tuple[Any, list[str]]:
    audit.require(
        session, actor, "Condition", "write", action=AuditAction.CREATE, patient_id=patient_id
    )
    patient = patients.get(session, actor, patient_id)
    encounter = _encounter_for(session, actor, patient_id, encounter_id)
    check = Check()
    day = encounter.start.date() if encounter else today()
    _check_diagnosis(check, "diagnosis", d, patient, day, country.active_profile(session))
    if patient.death_date and day > patient.death_date:
        check.fail("diagnosis", Message("no care after the patient's death"))
    check.raise_if_any()
    row = _diagnosis(patient_id, encounter_id, d, day, utcnow())
    session.add(row)
    session.flush()
    audit.record(session, actor, AuditAction.CREATE, "Condition", row.id, patient_id=patient_id)
    return row, check.warnings


def add_service(
    session: Session, actor: Principal, patient_id: int, encounter_id: int | None, s: ServiceIn
) -> tuple[Any, list[str]]:
    audit.require(
        session, actor, "Procedure", "write", action=AuditAction.CREATE, patient_id=patient_id
    )
    patient = patients.get(session, actor, patient_id)
    encounter = _encounter_for(session, actor, patient_id, encounter_id)
    check = Check()
    if s.service_code not in catalogue(country.active_profile(session)):
        check.fail("service_code", _unknown_service(s.service_code))
    day = s.performed_on or (encounter.start.date() if encounter else today())
    _check_date(check, "performed_on", day, encounter, patient)
    check.raise_if_any()
    row = ServiceLine(
        patient_id=patient_id,
        encounter_id=encounter_id,
        service_code=s.service_code,
        performer_id=s.performer_id,
        performed_on=day,
        quantity=s.quantity,
        status="completed",
        version=1,
        updated_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, AuditAction.CREATE, "Procedure", row.id, patient_id=patient_id)
    return row, check.warnings


def add_observation(
    session: Session, actor: Principal, patient_id: int, encounter_id: int | None, o: ObservationIn
) -> tuple[Any, list[str]]:
    audit.require(
        session, actor, "Observation", "write", action=AuditAction.CREATE, patient_id=patient_id
    )
    patient = patients.get(session, actor, patient_id)
    encounter = _encounter_for(session, actor, patient_id, encounter_id)
    check = Check()
    tests = profile_table(country.active_profile(session).name, "lab_tests")
    _check_observation(check, "observation", o, patient, tests, encounter)
    check.raise_if_any()
    when = o.effective_at or (encounter.start if encounter else utcnow())
    row = _observation(patient, encounter_id, o, tests, when, utcnow())
    session.add(row)
    session.flush()
    audit.record(session, actor, AuditAction.CREATE, "Observation", row.id, patient_id=patient_id)
    return row, check.warnings


def add_referral(
    session: Session,
    actor: Principal,
    patient_id: int,
    facility_id: int,
    encounter_id: int | None,
    r: ReferralIn,
) -> tuple[Any, list[str]]:
    """Refer a patient; the receiving facility can then see the patient."""
    audit.require(
        session, actor, "ServiceRequest", "write", action=AuditAction.CREATE, patient_id=patient_id
    )
    _require_facility(session, actor, facility_id, AuditAction.CREATE)
    patients.get(session, actor, patient_id)
    _encounter_for(session, actor, patient_id, encounter_id)
    profile = country.active_profile(session)
    check = Check()
    _check_referral(session, check, "referral", r, profile, catalogue(profile))
    check.raise_if_any()
    row = _referral(patient_id, encounter_id, facility_id, None, r, today(), utcnow())
    session.add(row)
    session.flush()
    if r.to_facility_id:
        patients.link_facility(
            session, actor, patient_id, r.to_facility_id, LinkReason.REFERRED, today()
        )
    audit.record(
        session, actor, AuditAction.CREATE, "ServiceRequest", row.id, patient_id=patient_id
    )
    return row, check.warnings


def add_prescription(
    session: Session, actor: Principal, patient_id: int, encounter_id: int | None, p: PrescriptionIn
) -> tuple[Any, list[str]]:
    audit.require(
        session,
        actor,
        "MedicationRequest",
        "write",
        action=AuditAction.CREATE,
        patient_id=patient_id,
    )
    patient = patients.get(session, actor, patient_id)
    _encounter_for(session, actor, patient_id, encounter_id)
    medicines = formulary(country.active_profile(session))
    if p.medication_code not in medicines:
        raise Invalid(
            "unknown-medicine",
            _not_in_formulary(p.medication_code),
            fields={"medication_code": Message("unknown")},
        )
    check = Check()
    row = _prescription(
        session,
        patient,
        encounter_id,
        None,
        p,
        medicines[p.medication_code],
        [],
        today(),
        utcnow(),
        check,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, AuditAction.CREATE, "MedicationRequest", row.id, patient_id=patient_id
    )
    return row, check.warnings


def referral_facts(session: Session, actor: Principal, patient_ids: Sequence[int]) -> pl.DataFrame:
    """patient_id, to_facility_id, to_specialty, authored_on of referrals, for claim rules."""
    audit.require(session, actor, "ServiceRequest", "read", action=AuditAction.SEARCH)
    return repository.referral_facts(session, patient_ids)

"""Submitting claims: one, many (in one transaction, judged in one pass), or a file. The same
identifier again returns the first result instead of a second claim."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.care import service as care
from saglam.core.errors import Conflict, DomainError, Invalid
from saglam.core.message import Message
from saglam.core.security import Principal
from saglam.core.types import today, utcnow
from saglam.facilities import service as facilities
from saglam.insurance import repository
from saglam.insurance.claims import _judge_claims, _read, _scope
from saglam.insurance.enums import ClaimStatus, LineOutcome
from saglam.insurance.models import Claim, ClaimLine
from saglam.insurance.schemas import ClaimIn, ClaimRead

Outcome = tuple[ClaimRead, bool] | DomainError


def _same(existing: Claim, lines: list[ClaimLine], data: ClaimIn) -> bool:
    sent = [(x.service_code, x.quantity, x.unit_price_minor, x.service_date) for x in data.lines]
    stored = [(x.service_code, x.quantity, x.unit_price_minor, x.service_date) for x in lines]
    return existing.patient_id == data.patient_id and sent == stored


def _check(
    session: Session, actor: Principal, data: ClaimIn, known: Mapping[int, str | None]
) -> None:
    _scope(session, actor, data.facility_id, AuditAction.CREATE)
    facilities.district_of(session, data.facility_id, known)
    for i, code in enumerate(data.diagnoses):
        if problem := care.diagnosis_problem(code):
            raise Invalid("bad-diagnosis", problem, fields={f"diagnoses.{i}": problem})


def _new_claim(data: ClaimIn) -> tuple[Claim, list[ClaimLine]]:
    claim = Claim(
        identifier=data.identifier, facility_id=data.facility_id, patient_id=data.patient_id, encounter_id=data.encounter_id,
        submitted_on=today(), period=min(line.service_date for line in data.lines).strftime("%Y-%m"),
        status=ClaimStatus.RECEIVED.value, diagnoses=";".join(data.diagnoses), version=1, updated_at=utcnow(),
    )  # fmt: skip
    lines = []
    for seq, line in enumerate(data.lines, start=1):
        codes = [data.diagnoses[p - 1] for p in line.diagnosis_pointers] or data.diagnoses
        row = ClaimLine(
            seq=seq, patient_id=data.patient_id, facility_id=data.facility_id, service_code=line.service_code,
            quantity=line.quantity, unit_price_minor=line.unit_price_minor, service_date=line.service_date,
            practitioner_id=line.practitioner_id, diagnoses=";".join(codes), outcome=LineOutcome.PENDED.value, reasons="",
        )  # fmt: skip
        lines.append(row)
    return claim, lines


def submit_many(
    session: Session, items: Sequence[tuple[Principal, ClaimIn]], *, judge: bool = True
) -> list[Outcome]:
    """Store many claims in the caller's transaction and judge the new ones in one pass.

    Each item answers on its own: ``(claim, created)``, or the domain error that refused it (a
    facility outside the actor's scope, an identifier reused for a different claim, a bad
    diagnosis) — one refused claim does not stop the others.
    """
    outcomes: list[Outcome | None] = [None] * len(items)
    fresh: dict[tuple[int, str], tuple[int, Claim, list[ClaimLine]]] = {}
    # what every claim of the batch is checked against, read once for all of them
    known = facilities.districts_of(session, {data.facility_id for _, data in items})
    earlier = repository.claims_by_identifiers(
        session, [(data.facility_id, data.identifier) for _, data in items]
    )
    earlier_lines = repository.lines_of(session, [c.id for c in earlier.values()])
    for index, (actor, data) in enumerate(items):
        try:
            _check(session, actor, data, known)
            key = (data.facility_id, data.identifier)
            if key in fresh:  # the same claim twice in one batch: the first one stands
                _, claim, lines = fresh[key]
                if not _same(claim, lines, data):
                    raise _reused(data)
                continue
            existing = earlier.get(key)
            if existing is not None:
                stored = earlier_lines.get(existing.id, [])
                if not _same(existing, stored, data):
                    raise _reused(data)
                outcomes[index] = (_read(session, existing, stored), False)
                continue
            fresh[key] = (index, *_new_claim(data))
        except DomainError as exc:
            outcomes[index] = exc
    pairs = [(claim, lines) for _, claim, lines in fresh.values()]
    if judge and pairs:  # before they are written: each row is then written once
        _judge_claims(session, items[0][0], pairs)
    session.add_all([claim for claim, _ in pairs])
    session.flush()
    for claim, lines in pairs:
        for line in lines:
            line.claim_id = claim.id
        session.add_all(lines)
    session.flush()
    for index, claim, lines in fresh.values():
        actor, data = items[index]
        audit.record(
            session, actor, AuditAction.CREATE, "Claim", claim.id, patient_id=data.patient_id,
            detail={"identifier": data.identifier, "status": claim.status},
        )  # fmt: skip
        outcomes[index] = (_read(session, claim, lines), True)
    for index, (_, data) in enumerate(items):  # repeats of a claim new in this batch
        if outcomes[index] is None:
            first = outcomes[fresh[(data.facility_id, data.identifier)][0]]
            assert isinstance(first, tuple)
            outcomes[index] = (first[0], False)
    return [o for o in outcomes if o is not None]


def _reused(data: ClaimIn) -> Conflict:
    return Conflict(
        "identifier-reused",
        Message(
            "claim identifier %(identifier)s was used for a different claim",
            identifier=data.identifier,
        ),
    )


def submit(session: Session, actor: Principal, data: ClaimIn) -> tuple[ClaimRead, bool]:
    """Store and judge one claim (a batch of one); returns the claim and whether it was new."""
    [outcome] = submit_many(session, [(actor, data)])
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def import_claims(
    session: Session, actor: Principal, claims: Sequence[ClaimIn], *, judge: bool = True
) -> dict[str, int]:
    """Store many claims (idempotently) judged in one batch; any refused claim refuses the file."""
    outcomes = submit_many(session, [(actor, data) for data in claims], judge=judge)
    for outcome in outcomes:
        if isinstance(outcome, DomainError):
            raise outcome
    new = sum(1 for o in outcomes if isinstance(o, tuple) and o[1])
    return {"received": len(claims), "new": new, "repeated": len(claims) - new}


def parse_claims(text: str, kind: str) -> tuple[list[ClaimIn], dict[str, str]]:
    """Claims from NDJSON (one claim per line) or CSV (one line per row, grouped by identifier)."""
    found: list[ClaimIn] = []
    problems: dict[str, str] = {}
    if kind == "ndjson":
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                found.append(ClaimIn.model_validate(orjson.loads(raw)))
            except (orjson.JSONDecodeError, ValidationError) as exc:
                problems[f"line {number}"] = str(exc).splitlines()[0][:200]
        return found, problems
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            key = (row["facility_id"], row["identifier"])
            claim = grouped.setdefault(
                key,
                {
                    "identifier": row["identifier"],
                    "facility_id": int(row["facility_id"]),
                    "patient_id": int(row["patient_id"]),
                    "diagnoses": [d for d in (row.get("diagnoses") or "").split(";") if d],
                    "lines": [],
                },
            )
            claim["lines"].append(
                {
                    "service_code": row["service_code"],
                    "quantity": int(row["quantity"]),
                    "unit_price_minor": int(row["unit_price_minor"]),
                    "service_date": row["service_date"],
                }
            )
        except (KeyError, ValueError) as exc:
            problems[f"row {number}"] = Message("bad row: %(error)s", error=str(exc))
    for (facility, identifier), claim in grouped.items():
        try:
            found.append(ClaimIn.model_validate(claim))
        except ValidationError as exc:
            problems[f"claim {facility}/{identifier}"] = str(exc).splitlines()[0][:200]
    return found, problems

"""Outlier signals: facilities far from their peers (same type and level) by robust z-scores."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import AuditAction
from saglam.core.memo import database_of, remembered
from saglam.core.security import Principal
from saglam.facilities import service as facilities
from saglam.insurance import repository
from saglam.insurance.claims import require_national
from saglam.insurance.schemas import Signal
from saglam.workforce import service as workforce

THRESHOLD = 3.5  # |robust z| above which a facility is flagged
MIN_PEERS = 5


def robust_z(value: float, values: list[float]) -> tuple[float, float]:
    """(z, median): 0.6745 (x − median) / MAD; 0 when the peers do not vary."""
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    return (0.6745 * (value - median) / mad if mad else 0.0), median


MEASURES = ("claims_per_patient", "cost_per_claim", "rejection_rate", "services_per_claim")


def outliers(session: Session, actor: Principal, period: str) -> list[Signal]:
    """Facilities (against peers of the same level and type) and practitioners (against peers of
    the same specialty) whose claims per patient, cost per claim, rejection rate or services per
    claim lie far from their peers', with the numbers behind each flag."""
    audit.require(session, actor, "Claim", "read", action=AuditAction.SEARCH)
    require_national(session, actor, AuditAction.SEARCH)
    facility_group = {
        row[0]: f"{row[1]} {row[5]}" for row in facilities.contract_info(session, actor, [])
    }
    found = _flags(_measures(session, period, "facility"), "facility", facility_group)
    per_doctor = _measures(session, period, "practitioner")
    specialty = {
        p.id: f"{p.profession_code} {p.specialty_code or ''}".strip()
        for p in workforce.read_practitioners(session, actor, [int(r[0]) for r in per_doctor])
    }
    found += _flags(per_doctor, "practitioner", specialty)
    return sorted(found, key=lambda s: -abs(s.robust_z))


def _measures(session: Session, period: str, by: str) -> list[tuple[Any, ...]]:
    """The month's claim totals per facility or practitioner: one GROUP BY over the month's
    lines (seconds at national scale), kept ten minutes like the dashboard's figures."""
    return remembered(
        (database_of(session), "claim-measures", period, by),
        lambda: [tuple(r) for r in repository.measures(session, period, by)],
    )


def _flags(rows: list[tuple[Any, ...]], by: str, group_of: dict[int, str]) -> list[Signal]:
    measures: dict[int, dict[str, float]] = {}
    for subject, claims, people, quantity, rejected, lines, paid in rows:
        if not claims or not people or not lines:
            continue
        measures[int(subject)] = {  # sums come back as Decimal from PostgreSQL
            "claims_per_patient": float(claims) / float(people),
            "cost_per_claim": float(paid or 0) / float(claims) / 100,
            "rejection_rate": float(rejected or 0) / float(lines),
            "services_per_claim": float(quantity or 0) / float(claims),
        }
    groups: dict[str, list[int]] = defaultdict(list)
    for subject in measures:
        groups[group_of.get(subject, "?")].append(subject)
    found = []
    for group, members in groups.items():
        if len(members) < MIN_PEERS:
            continue
        for measure in MEASURES:
            values = [measures[m][measure] for m in members]
            for subject in members:
                z, median = robust_z(measures[subject][measure], values)
                if abs(z) > THRESHOLD:
                    found.append(
                        Signal(
                            subject=by,
                            subject_id=subject,
                            peer_group=group,
                            measure=measure,
                            value=round(measures[subject][measure], 3),
                            peer_median=round(median, 3),
                            robust_z=round(z, 2),
                            peers=len(members),
                        )
                    )
    return found


def latest_period(session: Session, actor: Principal) -> str | None:
    """The latest month with claims (where signals have something to say), if any."""
    audit.require(session, actor, "Claim", "read", action=AuditAction.SEARCH)
    return repository.latest_claim_period(session)

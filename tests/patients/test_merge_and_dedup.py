"""Merging keeps everything and can be undone; duplicate detection finds planted duplicates."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy.orm import Session

from saglam.core.errors import Conflict, Invalid
from saglam.country.profile import load_profile
from saglam.patients import dedup
from saglam.patients import service as patients
from saglam.patients.enums import PatientStatus
from saglam.patients.schemas import MergeRequest, PatientQuery
from saglam.synth import facilities as facility_gen
from saglam.synth import population
from tests.factories import SYSTEM, new_patient


def test_merge_keeps_the_loser_linked_and_unmerge_restores_it(session: Session) -> None:
    survivor = patients.register(session, SYSTEM, new_patient(session))
    loser = patients.register(
        session, SYSTEM, new_patient(session, fin=None, surname="Aliyev", given_name="Rashad")
    )
    merge = patients.merge(
        session,
        SYSTEM,
        MergeRequest(survivor_id=survivor.id, merged_id=loser.id, reason="same person"),
    )
    merged = patients.get(session, SYSTEM, loser.id)
    assert merged.status is PatientStatus.MERGED and merged.merged_into_id == survivor.id
    assert merged.surname == "Aliyev"  # nothing of the loser is lost
    assert patients.get(session, SYSTEM, survivor.id).merged_from == [loser.id]
    assert patients.identity_ids(session, survivor.id) == [survivor.id, loser.id]
    hidden = patients.search(
        session, SYSTEM, PatientQuery(name="Aliyev Rashad", birth_date=date(1984, 3, 12))
    )
    assert loser.id not in [m.patient.id for m in hidden.items]
    with pytest.raises(Conflict):
        patients.merge(session, SYSTEM, MergeRequest(survivor_id=survivor.id, merged_id=loser.id))
    patients.unmerge(session, SYSTEM, merge.id)
    restored = patients.get(session, SYSTEM, loser.id)
    assert restored.status is PatientStatus.ACTIVE and restored.merged_into_id is None
    assert patients.get(session, SYSTEM, survivor.id).merged_from == []
    with pytest.raises(Conflict):
        patients.unmerge(session, SYSTEM, merge.id)


def test_a_record_cannot_merge_into_itself(session: Session) -> None:
    one = patients.register(session, SYSTEM, new_patient(session))
    with pytest.raises(Invalid):
        patients.merge(session, SYSTEM, MergeRequest(survivor_id=one.id, merged_id=one.id))


def test_detection_over_the_index_proposes_the_planted_duplicates(session: Session) -> None:
    report = patients.detect_duplicates(session, SYSTEM)
    assert report.patients > 10_000 and report.candidates > 5
    candidates = patients.list_candidates(session, SYSTEM, limit=500)
    assert all(c.score >= dedup.THRESHOLD for c in candidates)
    assert all("surname" in " ".join(c.reasons) for c in candidates)
    dismissed = patients.dismiss_candidate(session, SYSTEM, candidates[0].id)
    patients.detect_duplicates(session, SYSTEM)
    again = patients.list_candidates(session, SYSTEM, limit=500)
    assert (dismissed.left_id, dismissed.right_id) not in {(c.left_id, c.right_id) for c in again}


def _frame(rows: list[list[object]]) -> pl.DataFrame:
    from saglam.core.text import fold

    return pl.DataFrame(
        {
            "id": [r[population.ID] for r in rows],
            "fin": [r[population.FIN] for r in rows],
            "surname_key": [r[population.SKEY] for r in rows],
            "given_key": [r[population.GKEY] for r in rows],
            "patronymic_key": [fold(str(r[population.PATRONYMIC])) for r in rows],
            "surname_phon": [r[population.SPHON] for r in rows],
            "given_phon": [r[population.GPHON] for r in rows],
            "sex": [r[population.SEX] for r in rows],
            "birth_date": [r[population.BIRTH] for r in rows],
            "district_code": [r[population.DISTRICT] for r in rows],
            "phone": [r[population.PHONE] for r in rows],
        },
        schema_overrides={"birth_date": pl.Date, "fin": pl.String, "phone": pl.String},
    )


def test_planted_duplicates_are_found_with_high_recall_and_precision() -> None:
    import numpy as np

    profile = load_profile("azerbaijan")
    rng = np.random.default_rng(11)
    as_of = date(2026, 6, 30)
    plan = facility_gen.generate(profile, 0.005, rng, as_of)
    truth = population.Truth()
    rows = [
        row
        for chunk in population.generate(
            profile,
            0.005,
            plan,
            as_of,
            seed=11,
            duplicate_rate=0.01,
            twin_rate=0.2,
            truth=truth,
        )
        for row in chunk.rows
    ]
    found, compared = dedup.find_duplicates(_frame(rows))
    assert compared < len(rows) * 10  # blocking: far fewer pairs than n²
    planted = {tuple(sorted(p)) for p in truth.duplicates}
    twins = {tuple(sorted(p)) for p in truth.twins}
    proposed = {(int(a), int(b)) for a, b in zip(found["left"], found["right"], strict=True)}
    assert len(planted) > 300 and len(twins) > 300
    recall = len(planted & proposed) / len(planted)
    precision = len(planted & proposed) / len(proposed)
    assert recall >= 0.95, recall
    assert precision >= 0.95, precision
    assert not (twins & proposed)

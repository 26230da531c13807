"""Clinical rules as pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from saglam.care import rules
from saglam.care.enums import EncounterStatus, Interpretation
from saglam.country.profile import load_profile, profile_table

RULES = profile_table("azerbaijan", "sex_age_rules")


@pytest.mark.parametrize("code", ["E11.9", "J06.9", "I10", "D56.1", "O80", "Z00.0"])
def test_real_icd10_codes_are_accepted(code: str) -> None:
    assert rules.icd10_problem(code) is None


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("E11.99", "not an ICD-10 code"),
        ("XYZ", "not an ICD-10 code"),
        ("E10-E14", "chapter or block"),
        ("IV", "chapter or block"),
    ],
)
def test_unknown_codes_and_chapters_are_refused(code: str, why: str) -> None:
    problem = rules.icd10_problem(code)
    assert problem is not None and why in problem


def test_pregnancy_on_a_man_and_prostate_on_a_woman_are_rejected() -> None:
    assert any(s == "reject" for s, _ in rules.sex_age_findings("O80", "male", 30, RULES))
    assert any(s == "reject" for s, _ in rules.sex_age_findings("N40", "female", 60, RULES))
    assert rules.sex_age_findings("O80", "female", 30, RULES) == []
    assert rules.sex_age_findings("N40", "male", 60, RULES) == []


def test_age_rules_fire_outside_the_range() -> None:
    assert rules.sex_age_findings("O80", "female", 70, RULES)
    assert any(s == "warn" for s, _ in rules.sex_age_findings("P07.3", "male", 40, RULES))


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (EncounterStatus.PLANNED, EncounterStatus.IN_PROGRESS, True),
        (EncounterStatus.IN_PROGRESS, EncounterStatus.FINISHED, True),
        (EncounterStatus.PLANNED, EncounterStatus.CANCELLED, True),
        (EncounterStatus.FINISHED, EncounterStatus.IN_PROGRESS, False),
        (EncounterStatus.CANCELLED, EncounterStatus.FINISHED, False),
        (EncounterStatus.PLANNED, EncounterStatus.FINISHED, False),
    ],
)
def test_status_transitions(
    current: EncounterStatus, target: EncounterStatus, allowed: bool
) -> None:
    assert rules.can_move(current, target) is allowed


def test_ranges_and_interpretation() -> None:
    assert rules.in_ranges("E11.9", "E10-E14") and not rules.in_ranges("E15", "E10-E14")
    assert rules.in_ranges("O82", "O60-O75;O80-O84")
    assert rules.interpret(4.0, 3.9, 5.5) is Interpretation.NORMAL
    assert rules.interpret(9.1, 3.9, 5.5) is Interpretation.HIGH
    assert rules.interpret(2.0, 3.9, 5.5) is Interpretation.LOW


def test_dates_inside_an_encounter() -> None:
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    end = datetime(2026, 3, 4, 9, tzinfo=UTC)
    assert rules.within(date(2026, 3, 2), start, end, date(2026, 6, 1))
    assert not rules.within(date(2026, 3, 5), start, end, date(2026, 6, 1))


def test_catalogue_follows_the_package_structure() -> None:
    services = profile_table("azerbaijan", "services")
    by_category: dict[str, int] = {}
    for s in services:
        by_category[s.category] = by_category.get(s.category, 0) + 1
    assert by_category == {
        "emergency": 6,
        "primary": 35,
        "specialist_outpatient": 1265,
        "inpatient": 1244,
    }
    assert len({s.code for s in services}) == 2550
    assert load_profile("azerbaijan").specialties

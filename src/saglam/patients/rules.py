"""Patient data rules (pure): identifier format, dates, name keys."""

from __future__ import annotations

import re
from datetime import date

from saglam.core.message import Message
from saglam.core.text import fold, phonetic


def fin_problem(fin: str, pattern: str) -> str | None:
    """Why ``fin`` is not a valid national id for the profile, or None."""
    if not re.fullmatch(pattern, fin):
        return Message(
            "'%(fin)s' is not a valid national id (expected %(pattern)s)", fin=fin, pattern=pattern
        )
    return None


def date_problems(birth: date | None, death: date | None, today: date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if birth and birth > today:
        problems["birth_date"] = Message("birth date is in the future")
    if birth and birth.year < 1880:
        problems["birth_date"] = Message("birth date is implausibly early")
    if death and death > today:
        problems["death_date"] = Message("death date is in the future")
    if birth and death and death < birth:
        problems["death_date"] = Message("death date is before birth date")
    return problems


def name_keys(surname: str, given_name: str) -> dict[str, str]:
    return {
        "surname_key": fold(surname)[:80],
        "given_key": fold(given_name)[:80],
        "surname_phon": phonetic(surname),
        "given_phon": phonetic(given_name),
    }

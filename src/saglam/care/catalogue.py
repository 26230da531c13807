"""The service catalogue, the formulary and ICD-10: lookups and search-as-you-type."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from saglam.care import rules
from saglam.core.text import fold
from saglam.country import service as country
from saglam.country.profile import Profile, profile_table


def catalogue(profile: Profile) -> dict[str, Any]:
    return {s.code: s for s in profile_table(profile.name, "services")}


def formulary(profile: Profile) -> dict[str, Any]:
    return {m.code: m for m in profile_table(profile.name, "formulary")}


def find_diagnosis_codes(term: str, limit: int = 12) -> list[tuple[str, str]]:
    """ICD-10 codes for search-as-you-type: by code prefix, then by words of the title."""
    return rules.icd10_search(term, limit)


def diagnosis_title(code: str) -> str:
    return rules.icd10_title(code)


def find_services(session: Session, term: str, limit: int = 12) -> list[Any]:
    """Catalogue services whose code starts with ``term`` or whose name has all its words."""
    text = fold(term)
    if not text:
        return []
    words = text.split()
    found = []
    for service in catalogue(country.active_profile(session)).values():
        haystack = f"{service.code.lower()} {fold(service.name_en)} {fold(service.name_az)}"
        if service.code.lower().startswith(term.strip().lower()) or all(
            w in haystack for w in words
        ):
            found.append(service)
            if len(found) >= limit:
                break
    return found


def diagnosis_problem(code: str) -> str | None:
    """Why ``code`` is not a usable ICD-10 diagnosis code (None when it is)."""
    return rules.icd10_problem(code)

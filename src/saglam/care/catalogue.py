"""The service catalogue, the formulary and ICD-10: lookups and search-as-you-type."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

from sqlalchemy.orm import Session

from saglam.care import rules
from saglam.core.message import Message
from saglam.core.text import fold
from saglam.country import service as country
from saglam.country.profile import Profile, profile_table


def catalogue(profile: Profile) -> Mapping[str, Any]:
    return _by_code(profile.name, "services")


def formulary(profile: Profile) -> Mapping[str, Any]:
    return _by_code(profile.name, "formulary")


@cache
def _by_code(profile_name: str, table: str) -> Mapping[str, Any]:
    """A profile table keyed by code, built once (read-only: shared by every request)."""
    return MappingProxyType({row.code: row for row in profile_table(profile_name, table)})


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


def diagnosis_problem(code: str) -> Message | None:
    """Why ``code`` is not a usable ICD-10 diagnosis code (None when it is)."""
    return rules.icd10_problem(code)

"""Names of the profile's reference codes (facility types, professions, specialties, equipment,
insurance categories) in the page's language. The profile names them in Azerbaijani and English;
the Russian pages show the English name, translated through the catalogue when it has one."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from saglam.country.profile import load_profile

KINDS = {
    "facility_type": "facility_types",
    "profession": "professions",
    "specialty": "specialties",
    "equipment": "equipment_types",
    "category": "insurance_categories",
}


@cache
def _names(profile: str, kind: str) -> dict[str, tuple[str, str]]:
    rows = getattr(load_profile(profile), KINDS[kind])
    return {row.code: (row.name_az, row.name_en) for row in rows}


def labeller(
    profile: str, language: str, gettext: Callable[[str], str]
) -> Callable[[str, str | None], str]:
    """``label(kind, code)`` for templates: the code's name, or the code itself when unknown."""

    def label(kind: str, code: str | None) -> str:
        if not code:
            return "—"
        found = _names(profile, kind).get(code)
        if found is None:
            return code
        return found[0] if language == "az" else gettext(found[1])

    return label

"""Languages of the web UI: gettext catalogues (read from the .po files, no build step), the
request's language, and dates, numbers and money in that language's conventions."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from fastapi import Request
from markupsafe import Markup, escape

from saglam.core.message import Message

LANGUAGES = {"az": "Azərbaycanca", "en": "English", "ru": "Русский"}
DEFAULT = "az"
COOKIE = "saglam_lang"
LOCALE_DIR = Path(__file__).parent / "locale"
ZONE = ZoneInfo("Asia/Baku")
CURRENCY = "AZN"


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional marker name)
    """Marks an English text defined in Python for extraction; the template translates it."""
    return message


@cache
def translations(language: str) -> NullTranslations:
    """The catalogue of ``language`` compiled in memory from its .po file (English is the source)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def language_of(request: Request, preferred: str | None = None) -> str:
    """The cookie set by the language switch, else the user's setting, else the browser's."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    if preferred in LANGUAGES:
        return str(preferred)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT


class Formats:
    """Dates (in the Asia/Baku zone), numbers and money for one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = Locale.parse(language)

    def number(self, value: float | int | Decimal | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return numbers.format_decimal(value, format=pattern, locale=self.locale)

    def money(self, minor: int | None) -> str:
        """Integer qəpik as manats, e.g. ``1 234,50 ₼``."""
        if minor is None:
            return "—"
        return numbers.format_currency(
            Decimal(minor) / 100, CURRENCY, locale=self.locale, currency_digits=True
        )

    def percent(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return numbers.format_percent(value, format=pattern, locale=self.locale)

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(ZONE).date()
        return dates.format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return dates.format_datetime(value.astimezone(ZONE), format="short", locale=self.locale)

    def month(self, period: str) -> str:
        """``2026-05`` as the month's name and year."""
        year, month = (int(x) for x in period.split("-"))
        return dates.format_date(date(year, month, 1), format="LLLL y", locale=self.locale)


def _newstyle(catalogue: NullTranslations) -> tuple[Callable[..., str], Callable[..., str]]:
    """gettext and ngettext as Jinja's "newstyle" calls: ``_("Paid %(amount)s", amount=x)``, the
    translated text escaped once and the values escaped as they go in."""

    def translated(message: str) -> Markup:
        """The catalogue's text as markup; a text it does not know (a value, or English) is
        escaped, so nothing but the catalogue's own text reaches the page unescaped."""
        text = catalogue.gettext(message)
        return escape(message) if text is message else Markup(text)  # noqa: S704 (catalogue)

    def gettext(message: str, **variables: Any) -> str:
        if isinstance(message, Message):
            values = {
                name: gettext(value) if isinstance(value, Message) else value
                for name, value in message.values.items()
            }
            template = translated(message.template)
            return template % values if values else template
        text = translated(message)
        return text % variables if variables else text

    def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
        # plural texts are always literals of the templates (extracted), never values
        variables.setdefault("num", num)
        return Markup(catalogue.ngettext(singular, plural, num)) % variables  # noqa: S704

    return gettext, ngettext


def helpers(language: str) -> dict[str, Callable[..., Any] | Any]:
    """What templates get: gettext functions and formatters for the language."""
    gettext, ngettext = _newstyle(translations(language))
    formats = Formats(language)
    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "fmt": formats,
        "language": language,
        "languages": LANGUAGES,
    }

"""Form problems in words a template translates: pydantic's errors by their stable type (its own
English is a fallback), a validator's Message as it was raised."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from saglam.core.message import Message
from saglam.web.i18n import N_

#: pydantic error type → what the field shows; values come from the error's context.
BY_TYPE = {
    "missing": N_("Required."),
    "string_too_short": N_("At least %(min_length)s characters."),
    "string_too_long": N_("At most %(max_length)s characters."),
    "string_pattern_mismatch": N_("Not in the expected format."),
    "too_short": N_("Give at least %(min_length)s."),
    "too_long": N_("Give at most %(max_length)s."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "decimal_parsing": N_("Enter a number."),
    "bool_parsing": N_("Choose yes or no."),
    "date_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_type": N_("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": N_("Enter a date and time."),
    "datetime_from_date_parsing": N_("Enter a date and time."),
    "greater_than": N_("Must be more than %(gt)s."),
    "greater_than_equal": N_("Must be at least %(ge)s."),
    "less_than": N_("Must be less than %(lt)s."),
    "less_than_equal": N_("Must be at most %(le)s."),
    "enum": N_("Choose one of the options offered."),
    "literal_error": N_("Choose one of the options offered."),
    "extra_forbidden": N_("Not expected here."),
    "string_type": N_("Enter a text."),
}


def problem(error: Any) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) as a field's message."""
    context = dict(error.get("ctx") or {})
    if error["type"] == "value_error" and isinstance(context.get("error"), ValueError):
        raised = context["error"].args[0] if context["error"].args else ""
        if isinstance(raised, Message):
            return raised
        return str(raised)
    template = BY_TYPE.get(error["type"])
    if template is None:
        return str(error["msg"])
    return Message(template, **{k: v for k, v in context.items() if f"%({k})" in template})


def problems(exc: ValidationError) -> dict[str, str]:
    """Dotted field path → its first problem (``"form"`` for the model as a whole)."""
    found: dict[str, str] = {}
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"]) or "form"
        found.setdefault(path, problem(error))
    return found

"""Messages for people that a user interface can translate.

A ``Message`` is an ordinary English string (what the API, the CLI and the logs show) that also
keeps its template and values, so the web UI can look the template up in its catalogues and fill
in the values in the reader's language: ``Message("no claim %(id)s", id=7)`` reads
``no claim 7`` and becomes ``7 nömrəli iddia yoxdur`` in Azerbaijani. Values that are Messages
themselves are translated too. `make messages` extracts every ``Message("...")`` template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Message(str):
    """An English text with the template and values it was made from."""

    template: str
    values: Mapping[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> Message:
        made = super().__new__(cls, template % values if values else template)
        made.template = template
        made.values = values
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.template, dict(self.values)))


def _rebuild(template: str, values: dict[str, Any]) -> Message:
    return Message(template, **values)

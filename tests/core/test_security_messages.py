"""The kernel's texts for people are Messages: a scope a form refuses, an unforeseen conflict."""

from __future__ import annotations

import pytest

from saglam.core.errors import integrity_conflict
from saglam.core.message import Message
from saglam.core.security import parse_scopes


def test_a_bad_scope_is_named_in_a_message() -> None:
    with pytest.raises(ValueError) as raised:
        parse_scopes("system/Patient.read patient/lower.read")
    said = raised.value.args[0]
    assert isinstance(said, Message)
    assert said == "invalid scope 'patient/lower.read' (expected e.g. system/Patient.read)"
    assert said.template == "invalid scope '%(scope)s' (expected e.g. system/Patient.read)"
    assert str(raised.value) == said  # what the API and the CLI show is unchanged


def test_no_scope_at_all_is_a_message() -> None:
    with pytest.raises(ValueError) as raised:
        parse_scopes("   ")
    assert isinstance(raised.value.args[0], Message)


def test_an_unforeseen_conflict_is_a_message() -> None:
    assert isinstance(integrity_conflict().detail, Message)

"""What the domains tell people is a Message, so the web UI can say it in Azerbaijani and
Russian: the errors they raise (detail and field problems), the reasons of refused access, a
care record's problems and the validators of the schemas that forms fill; and no Message's
template is built at run time. Transports that only programs read (FHIR, the
JSON API, the CLI, the generator) keep plain English. (Texts a domain returns from a helper and
raises later are not seen here: write them as Messages where they are made.)"""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

from saglam.core.message import Message

SOURCE = Path(__file__).resolve().parents[2] / "src" / "saglam"
FOR_PROGRAMS = {"fhir", "api", "http", "cli", "synth", "migrations"}
ERRORS = {
    "DomainError", "Invalid", "NotFound", "Conflict", "Forbidden", "Unauthenticated", "Gone",
    "PreconditionFailed", "RateLimited", "Unavailable", "TooLarge", "NotSupported",
}  # fmt: skip
#: Schemas whose validators' messages reach a form (as pydantic "value_error"s).
VALIDATING = ("schemas.py", "core/security.py")


def test_a_message_reads_as_english_and_keeps_its_template() -> None:
    message = Message("no claim %(id)s of %(facility)s", id=7, facility=Message("Baku"))
    assert message == "no claim 7 of Baku"
    assert message.template == "no claim %(id)s of %(facility)s"
    assert message.values["id"] == 7
    assert Message("plain") == "plain" and Message("plain").values == {}
    copied = pickle.loads(pickle.dumps(message))  # noqa: S301 (our own bytes): crosses processes
    assert isinstance(copied, Message) and copied.template == message.template


def _modules() -> list[Path]:
    return [
        path
        for path in sorted(SOURCE.rglob("*.py"))
        if path.relative_to(SOURCE).parts[0] not in FOR_PROGRAMS
    ]


def _literal(node: ast.AST | None) -> bool:
    """English written in place: a string, an f-string, or text glued together."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.JoinedStr | ast.BinOp)


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _plain_english(path: Path) -> list[str]:
    validating = str(path).endswith(VALIDATING)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = _called(node)
        said: list[ast.AST | None] = []
        if name in ERRORS:
            said.append(node.args[1] if len(node.args) > 1 else None)
            for keyword in node.keywords:
                if keyword.arg == "fields" and isinstance(keyword.value, ast.Dict):
                    said.extend(keyword.value.values)
        elif name == "fail" and len(node.args) > 1:
            said.append(node.args[1])
        elif name in ("refuse", "deny"):  # the reason is part of what the refused person reads
            said.extend(k.value for k in node.keywords if k.arg == "reason")
        elif (
            name == "Message" and node.args and isinstance(node.args[0], ast.JoinedStr | ast.BinOp)
        ):
            # a template built at run time is in no catalogue (a value word such as a status is
            # passed as a variable and listed in saglam.web.vocabulary instead)
            found.append(f"{path.relative_to(SOURCE)}:{node.lineno} (template built at run time)")
        elif name == "ValueError" and validating and node.args:
            said.append(node.args[0])
        if any(_literal(text) for text in said):
            found.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SOURCE)))
def test_what_people_read_is_a_message(path: Path) -> None:
    assert not _plain_english(path), "wrap the text in Message(...)"

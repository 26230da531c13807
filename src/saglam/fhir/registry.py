"""What the FHIR server serves: one :class:`Handler` per resource type, registered once.

The CapabilityStatement, the router and the search engine read this registry, so what the
server says it supports is exactly what it does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from sqlalchemy import Select
from sqlalchemy.orm import Session

from saglam.core.errors import Invalid, NotSupported
from saglam.core.query import AnyOf, Criterion, Query
from saglam.core.security import Principal


class SearchInvalid(Invalid):
    """A search the server cannot run as asked (FHIR answers 400)."""

    def __init__(self, code: str, detail: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(code, detail, fields=fields, extra={"status": 400})


ParamType = Literal["token", "string", "date", "reference", "number", "uri", "quantity"]
Interaction = Literal[
    "read", "vread", "history-instance", "search-type", "create", "update", "delete"
]


@dataclass(frozen=True)
class Stored:
    """A resource as stored: its JSON and its version metadata."""

    id: str
    resource: dict[str, Any]
    version: int
    last_updated: datetime
    deleted: bool = False


@dataclass(frozen=True)
class Value:
    """One value of a search parameter, already split: prefix (dates, numbers), modifier,
    system and code (tokens), raw text."""

    raw: str
    modifier: str | None = None
    prefix: str = "eq"
    system: str | None = None
    code: str | None = None


Compiler = Callable[[Session, Principal, Sequence[Value]], "Criterion | AnyOf"]


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: ParamType
    compile: Compiler
    description: str
    expression: str = ""
    targets: tuple[str, ...] = ()
    #: for reference parameters: the domain field holding the referenced id (for chaining)
    field: str | None = None


@dataclass(frozen=True)
class Include:
    """``Source:param``: the referenced resources of a source, found by its field."""

    param: str
    target: str
    refs: Callable[[dict[str, Any]], list[str]]
    #: the source's domain field with the target's id (for _revinclude from the target side)
    field: str


class Handler:
    """Base of every mapper: what a resource type supports, and how."""

    type: ClassVar[str]
    interactions: ClassVar[frozenset[str]] = frozenset(
        {"read", "vread", "history-instance", "search-type"}
    )
    params: ClassVar[dict[str, SearchParam]] = {}
    sorts: ClassVar[dict[str, str]] = {"_id": "id", "_lastUpdated": "updated_at"}
    includes: ClassVar[dict[str, Include]] = {}
    conditional: ClassVar[bool] = False
    documentation: ClassVar[str] = ""

    def read(self, session: Session, actor: Principal, ident: str) -> Stored:
        raise NotSupported(
            "not-supported", f"read of {self.type} is not supported", extra={"status": 405}
        )

    def versions(self, session: Session, actor: Principal, ident: str) -> list[Stored]:
        raise NotSupported(
            "not-supported", f"history of {self.type} is not supported", extra={"status": 405}
        )

    def search(
        self, session: Session, actor: Principal, query: Query, with_total: bool
    ) -> tuple[list[Stored], int | None]:
        raise NotSupported(
            "not-supported", f"search of {self.type} is not supported", extra={"status": 405}
        )

    def select_ids(self, session: Session, actor: Principal, query: Query) -> Select[Any]:
        raise NotSupported("not-supported", f"chained search into {self.type} is not supported")

    def read_many(self, session: Session, actor: Principal, ids: Sequence[str]) -> list[Stored]:
        return [self.read(session, actor, i) for i in ids]

    def create(
        self, session: Session, actor: Principal, resource: dict[str, Any]
    ) -> tuple[Stored, list[str]]:
        raise NotSupported(
            "not-supported", f"create of {self.type} is not supported", extra={"status": 405}
        )

    def update(
        self,
        session: Session,
        actor: Principal,
        ident: str,
        resource: dict[str, Any],
        expected: int | None,
    ) -> tuple[Stored, list[str]]:
        raise NotSupported(
            "not-supported", f"update of {self.type} is not supported", extra={"status": 405}
        )

    def delete(self, session: Session, actor: Principal, ident: str) -> None:
        raise NotSupported(
            "not-supported", f"delete of {self.type} is not supported", extra={"status": 405}
        )


@dataclass
class Registry:
    handlers: dict[str, Handler] = field(default_factory=dict)
    operations: dict[str, Any] = field(default_factory=dict)

    def add(self, handler: Handler) -> None:
        self.handlers[handler.type] = handler

    def get(self, resource_type: str) -> Handler | None:
        return self.handlers.get(resource_type)


REGISTRY = Registry()


def register(handler: Handler) -> Handler:
    REGISTRY.add(handler)
    return handler


def stored_meta(ident: Any, resource: dict[str, Any], version: int, at: datetime) -> Stored:
    return Stored(str(ident), resource, version, at)

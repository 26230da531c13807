"""Shared value types: time, money in minor units, pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(UTC)


def today() -> date:
    return utcnow().date()


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units (qəpik for AZN) with its currency."""

    minor: int
    currency: str = "AZN"

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __str__(self) -> str:
        sign = "-" if self.minor < 0 else ""
        whole, part = divmod(abs(self.minor), 100)
        return f"{sign}{whole}.{part:02d} {self.currency}"


class Page(BaseModel, Generic[T]):
    """A keyset page: the items and the cursor of the next page, if any."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    next_cursor: str | None = None
    total: int | None = None

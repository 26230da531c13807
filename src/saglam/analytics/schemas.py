"""What the dashboard is made of: filters, figures as small tables of aggregates, names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: Every figure of the dashboard, in page order; each is also a CSV download of the same name.
FIGURES = (
    "population",
    "facilities-by-type",
    "facilities-by-area",
    "workforce",
    "encounters",
    "claims-by-status",
    "paid",
)


@dataclass(frozen=True)
class Filters:
    """A region (None: the whole country) and a period of months, both ends included. Stocks
    (people, cover, staff) are counted on ``on``: the period's last day, or today if sooner."""

    region: str | None
    first: str
    last: str
    on: date

    @property
    def year_start(self) -> str:
        """January of the period's last year (for the year-to-date headline figures)."""
        return f"{self.last[:4]}-01"


@dataclass(frozen=True)
class Name:
    code: str
    name_az: str
    name_en: str


@dataclass(frozen=True)
class Row:
    key: str  # a code, or a month 'YYYY-MM'
    values: tuple[int | float | None, ...]


@dataclass(frozen=True)
class Figure:
    """One figure as a table: ``key`` says what the row keys are (category, facility_type, area,
    month, status); ``columns`` name the values (money columns end in ``_minor``)."""

    name: str
    key: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    def column(self, name: str) -> list[int | float | None]:
        index = self.columns.index(name)
        return [row.values[index] for row in self.rows]

    def total(self, name: str) -> int | float:
        return sum(v for v in self.column(name) if v is not None)


@dataclass(frozen=True)
class Headline:
    people: int
    insured: int
    facilities: int
    doctors: int
    encounters_year: int
    paid_year_minor: int

    @property
    def insured_share(self) -> float | None:
        return self.insured / self.people if self.people else None


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    regions: tuple[Name, ...]
    area_kind: str  # 'region' when the whole country is shown, 'district' within a region
    names: dict[str, dict[str, Name]]  # key kind → code → name
    headline: Headline | None
    figures: dict[str, Figure] = field(default_factory=dict)

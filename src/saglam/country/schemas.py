from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from saglam.country.enums import LocationKind


class LocationRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    code: str
    kind: LocationKind
    parent_code: str | None
    name_az: str
    name_en: str
    population: int
    urban_share: float | None
    version: int

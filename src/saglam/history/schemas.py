from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class VersionRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    entity_type: str
    entity_id: int
    version: int
    recorded_at: datetime
    deleted: bool
    data: dict[str, Any]

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AuditEntry(BaseModel):
    """What a service asks to be recorded (before it is sequenced and chained)."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    actor_kind: str
    actor_id: int | None
    actor_name: str
    role: str
    action: str
    entity_type: str
    entity_id: str | None
    patient_id: int | None
    outcome: str
    client_address: str | None
    request_id: str | None
    detail: str | None


class AuditRead(AuditEntry):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    seq: int
    prev_hash: str
    hash: str


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor_name: str | None = None
    patient_id: int | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_seq: int | None = None
    limit: int = 100


class VerifyResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    first_broken_id: int | None = None
    problem: str | None = None

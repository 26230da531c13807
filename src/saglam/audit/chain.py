"""The hash chain: pure functions, shared by writing and verifying."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

GENESIS = "0" * 64

CHAINED_FIELDS = (
    "seq",
    "at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "role",
    "action",
    "entity_type",
    "entity_id",
    "patient_id",
    "outcome",
    "client_address",
    "request_id",
    "detail",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def record_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """sha256 over the previous hash and the record's fields in a fixed order."""
    payload = orjson.dumps([prev_hash, *(_canonical(fields[name]) for name in CHAINED_FIELDS)])
    return hashlib.sha256(payload).hexdigest()

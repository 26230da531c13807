"""A process-wide memo with an expiry, for results that are expensive to compute and may be
shared: national aggregates (minutes old are as good as fresh for a dashboard) and immutable
reference data such as a benefit package version in force. Never for person-level data."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

TTL_SECONDS = 600
MAX_ENTRIES = 512
T = TypeVar("T")

_lock = threading.Lock()
_entries: dict[Hashable, tuple[float, Any]] = {}


def remembered(key: Hashable, compute: Callable[[], T], ttl: float = TTL_SECONDS) -> T:
    """``compute()``'s result, reused for ``ttl`` seconds for the same ``key``."""
    now = time.monotonic()
    with _lock:
        found = _entries.get(key)
        if found is not None and now - found[0] < ttl:
            return found[1]  # type: ignore[no-any-return]
    value = compute()
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            oldest = min(_entries, key=lambda k: _entries[k][0])
            del _entries[oldest]
        _entries[key] = (now, value)
    return value


def forget() -> None:
    """Drop everything (after a batch changes the figures, and between tests)."""
    with _lock:
        _entries.clear()

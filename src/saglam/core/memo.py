"""A process-wide memo with an expiry, for results that are expensive to compute and may be
shared: national aggregates (minutes old are as good as fresh for a dashboard) and immutable
reference data such as a benefit package version in force. Never for person-level data."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.orm import Session

TTL_SECONDS = 600
MAX_ENTRIES = 512
T = TypeVar("T")

_lock = threading.Lock()
_entries: dict[Hashable, tuple[float, Any]] = {}
_computing: dict[Hashable, threading.Lock] = {}
_local = threading.local()


@contextmanager
def refreshing() -> Iterator[None]:
    """Within this block (in this thread), ``remembered`` recomputes and stores every value it is
    asked for: a warmer refreshes entries before they expire, and readers keep the old ones."""
    _local.refresh = True
    try:
        yield
    finally:
        _local.refresh = False


def remembered(
    key: Hashable, compute: Callable[[], T], ttl: float = TTL_SECONDS, *, single_flight: bool = True
) -> T:
    """``compute()``'s result, reused for ``ttl`` seconds for the same ``key``. Callers asking
    for a key being computed wait for that computation instead of starting their own — unless
    ``single_flight`` is off: for cheap values computed inside a caller's transaction, where
    waiting on another caller (who may wait on this caller's database lock) could deadlock."""
    if getattr(_local, "refresh", False):
        ttl = 0.0
    found = _fresh(key, ttl)
    if found is not None:
        return found[1]  # type: ignore[no-any-return]
    if not single_flight:
        value = compute()
        store(key, value)
        return value
    with _lock:
        flight = _computing.setdefault(key, threading.Lock())
    with flight:
        found = _fresh(key, ttl)
        if found is not None:
            return found[1]  # type: ignore[no-any-return]
        value = compute()
        store(key, value)
    return value


def store(key: Hashable, value: Any) -> None:
    """Keep ``value`` for ``key`` from now on (a refresh done ahead of expiry)."""
    with _lock:
        if key not in _entries and len(_entries) >= MAX_ENTRIES:
            oldest = min(_entries, key=lambda k: _entries[k][0])
            del _entries[oldest]
        _entries[key] = (time.monotonic(), value)


def _fresh(key: Hashable, ttl: float) -> tuple[float, Any] | None:
    with _lock:
        found = _entries.get(key)
    if found is not None and time.monotonic() - found[0] < ttl:
        return found
    return None


def database_of(session: Session) -> str:
    """What keeps one database's entries apart from another's (tests and benchmarks open many)."""
    return str(session.get_bind().engine.url)


def forget() -> None:
    """Drop everything (after a batch changes the figures, and between tests)."""
    with _lock:
        _entries.clear()
        _computing.clear()

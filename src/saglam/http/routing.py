"""Routes whose sync endpoints end their request's unit of work in their own thread.

FastAPI runs a sync endpoint in a worker thread and the exit of the unit-of-work dependency
after it. Committing there would take a second thread hop per request, and a request would
hold its database connection while it waited for that second thread: under load, threads
waiting for a connection and connections waiting for a thread can block each other. Here the
endpoint's own thread commits (or rolls back) as soon as the endpoint returns (or raises), and
the dependency only closes what is already ended.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from saglam.http.deps import current_work

T = TypeVar("T")


def _ending_work(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(endpoint, "ends_work", False):  # a route copied by include_router
        return endpoint

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = endpoint(*args, **kwargs)
        except BaseException:
            work = current_work.get()
            if work is not None:
                work.abort()
            raise
        work = current_work.get()
        if work is not None:
            work.commit()
        return result

    run.ends_work = True  # type: ignore[attr-defined]
    return run


async def in_thread(work: Callable[[], T]) -> T:
    """For an async endpoint (one that must await its body): run ``work`` — the synchronous,
    database-touching rest of it — in the thread pool, and end the unit of work there."""
    return await run_in_threadpool(_ending_work(work))


class UnitOfWorkRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _ending_work(endpoint)
        super().__init__(path, endpoint, **kwargs)

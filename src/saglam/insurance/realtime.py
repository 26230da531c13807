"""Real-time claims in small batches: claims arriving together are stored and judged together.

Judging a claim costs about the same whether the frame holds one line or a hundred, and every
write transaction costs a commit; so a writer thread takes the claims waiting (up to ``max_batch``,
or whatever arrives within ``max_wait`` seconds of the first) and submits them in one unit of work.
Each caller still gets its own answer or its own error. If the batch as a whole fails (another
writer got in the way), each claim is retried on its own.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from dataclasses import dataclass, field

from saglam.core.db import Database
from saglam.core.errors import DomainError
from saglam.core.security import Principal
from saglam.insurance.schemas import ClaimIn, ClaimRead
from saglam.insurance.submission import Outcome, submit_many


@dataclass
class _Job:
    actor: Principal
    data: ClaimIn
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | None = None
    failure: BaseException | None = None
    #: an async caller's future, resolved on its event loop
    waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None

    def finish(self) -> None:
        self.done.set()
        if self.waiter is not None:
            loop, future = self.waiter
            loop.call_soon_threadsafe(_resolve, future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _answer(job: _Job) -> tuple[ClaimRead, bool]:
    if job.failure is not None:
        raise job.failure
    if isinstance(job.outcome, DomainError):
        raise job.outcome
    assert job.outcome is not None
    return job.outcome


class ClaimBatcher:
    """One writer thread per process; ``submit`` blocks its caller until the claim is judged."""

    def __init__(self, database: Database, *, max_batch: int = 64, max_wait: float = 0.003) -> None:
        self.database = database
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(
        self, actor: Principal, data: ClaimIn, timeout: float = 60.0
    ) -> tuple[ClaimRead, bool]:
        """Store and judge ``data`` as ``actor``; returns the claim and whether it was new."""
        self._start()
        job = _Job(actor, data)
        self._jobs.put(job)
        if not job.done.wait(timeout):
            raise TimeoutError("the claim was not judged in time")
        return _answer(job)

    async def submit_async(
        self, actor: Principal, data: ClaimIn, timeout: float = 60.0
    ) -> tuple[ClaimRead, bool]:
        """``submit`` for a caller on an event loop: it waits without holding a thread, so the
        claims in flight (and so the batches) are not capped by a thread pool's size."""
        self._start()
        loop = asyncio.get_running_loop()
        job = _Job(actor, data, waiter=(loop, loop.create_future()))
        self._jobs.put(job)
        assert job.waiter is not None
        try:
            await asyncio.wait_for(job.waiter[1], timeout)
        except TimeoutError:
            raise TimeoutError("the claim was not judged in time") from None
        return _answer(job)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="claim-batcher", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            jobs = [self._jobs.get()]
            deadline = time.monotonic() + self.max_wait
            while len(jobs) < self.max_batch:
                left = deadline - time.monotonic()
                try:
                    jobs.append(
                        self._jobs.get(timeout=left) if left > 0 else self._jobs.get_nowait()
                    )
                except queue.Empty:
                    break
            self._process(jobs)

    def _process(self, jobs: list[_Job]) -> None:
        try:
            with self.database.unit_of_work() as session:
                outcomes = submit_many(session, [(j.actor, j.data) for j in jobs])
            for job, outcome in zip(jobs, outcomes, strict=True):
                job.outcome = outcome
        except Exception:
            for job in jobs:
                self._alone(job)
        finally:
            for job in jobs:
                job.finish()

    def _alone(self, job: _Job) -> None:
        try:
            with self.database.unit_of_work() as session:
                [job.outcome] = submit_many(session, [(job.actor, job.data)])
        except BaseException as exc:
            job.failure = exc

"""Produce the next item of an iterator while the caller works on the current one."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def ahead(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """``items``, drawn by a thread up to ``depth`` items ahead of the consumer. Generating
    people (numpy) and loading them (the database driver) both let go of the interpreter for
    much of their work, so on two cores the next chunk is made while this one is written. An
    error in the producer is raised in the consumer; a consumer that stops early stops it."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        handoff.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            handoff.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            handoff.put(exc)

    thread = threading.Thread(target=produce, name="synth-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()

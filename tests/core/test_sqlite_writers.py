"""SQLite write transactions queue on a lock file: across threads and across processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from saglam.audit import service as audit
from saglam.audit import writer
from saglam.audit.enums import Outcome
from saglam.core import sqlite
from saglam.core.config import parse_database_url
from saglam.core.db import Database, make_engine
from saglam.migrations import runner
from tests.factories import SYSTEM


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    url = parse_database_url(f"sqlite:///{tmp_path / 'writers.db'}")
    runner.upgrade(url)
    eng = make_engine(url)
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE tick (n INTEGER)"))
    yield eng
    eng.dispose()


def _hold_write(eng: Engine, began: threading.Event, seconds: float) -> None:
    with Database(eng).unit_of_work() as s:
        s.execute(text("INSERT INTO tick VALUES (1)"))
        began.set()
        time.sleep(seconds)


def test_a_second_writer_starts_when_the_first_commits(file_engine: Engine) -> None:
    began = threading.Event()
    first = threading.Thread(target=_hold_write, args=(file_engine, began, 0.4))
    first.start()
    began.wait(5)
    waited = time.perf_counter()
    with Database(file_engine).unit_of_work() as s:
        s.execute(text("INSERT INTO tick VALUES (2)"))
        waited = time.perf_counter() - waited
    first.join()
    assert waited >= 0.25
    with file_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tick")).scalar_one() == 2


def test_a_writer_waiting_on_its_own_process_fails_instead_of_hanging(
    file_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite, "BUSY_SECONDS", 0.2)
    began = threading.Event()
    first = threading.Thread(target=_hold_write, args=(file_engine, began, 1.0))
    first.start()
    began.wait(5)
    started = time.perf_counter()
    with pytest.raises(OperationalError, match="locked"), Database(file_engine).unit_of_work() as s:
        s.execute(text("INSERT INTO tick VALUES (2)"))
    assert time.perf_counter() - started < 0.9
    first.join()
    with file_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tick")).scalar_one() == 1


def test_a_writer_of_another_process_waits_for_the_lock_file(file_engine: Engine) -> None:
    path = file_engine.url.database
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from sqlalchemy import text;"
            "from saglam.core.config import parse_database_url;"
            "from saglam.core.db import Database, make_engine;"
            f"eng = make_engine(parse_database_url('sqlite:///{path}'));"
            "w = Database(eng).unit_of_work(); s = w.__enter__();"
            "s.execute(text('INSERT INTO tick VALUES (3)'));"
            "print('holding', flush=True); time.sleep(0.6); w.__exit__(None, None, None)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdout.readline().strip() == "holding"
    started = time.perf_counter()
    with Database(file_engine).unit_of_work() as s:
        s.execute(text("INSERT INTO tick VALUES (4)"))
    waited = time.perf_counter() - started
    assert other.wait(10) == 0
    assert waited >= 0.3
    with file_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tick")).scalar_one() == 2


def test_reads_of_many_threads_get_their_audit_records_chained(file_engine: Engine) -> None:
    errors: list[BaseException] = []

    def read(n: int) -> None:
        try:
            entry = audit._entry(SYSTEM, "read", "Patient", n, n, Outcome.SUCCESS, None)
            writer.write_now(file_engine, [entry])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Database(file_engine).unit_of_work() as s:
        result = audit.verify(s, SYSTEM)
    assert result.ok
    assert result.checked == 40

from __future__ import annotations

import threading
import time

import pytest

from saglam.analytics import service as analytics
from saglam.analytics.warm import warm_once
from saglam.core import memo
from saglam.core.db import Database
from saglam.insurance import repository
from saglam.insurance import service as insurance
from saglam.patients import service as patients
from tests.analytics.test_service import ANALYST
from tests.factories import SYSTEM


@pytest.fixture(autouse=True)
def _empty_memo() -> None:
    memo.forget()


def test_a_warmed_dashboard_opens_without_querying_people_again(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert warm_once(database)

    def must_not_run(*_: object, **__: object) -> None:
        raise AssertionError("the dashboard queried the population again")

    monkeypatch.setattr(patients, "living_counts", must_not_run)
    with database.unit_of_work(read_only=True) as session:
        view = analytics.dashboard(session, ANALYST, analytics.filters(session, ANALYST))
    assert view.headline is not None and view.headline.people > 0


def test_the_latest_months_signals_are_warmed_too(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database.unit_of_work(read_only=True) as session:
        period = insurance.latest_claim_period(session, SYSTEM)
    assert period is not None  # the test country has claims
    assert warm_once(database)

    def must_not_run(*_: object, **__: object) -> None:
        raise AssertionError("the signals summed the month's claim lines again")

    monkeypatch.setattr(repository, "measures", must_not_run)
    with database.unit_of_work(read_only=True) as session:
        insurance.outliers(session, SYSTEM, period)


def test_warming_recomputes_what_readers_keep_using_until_it_is_done() -> None:
    calls: list[int] = []
    assert memo.remembered("k", lambda: calls.append(1) or 1) == 1
    assert memo.remembered("k", lambda: calls.append(2) or 2) == 1
    with memo.refreshing():
        assert memo.remembered("k", lambda: calls.append(3) or 3) == 3
    assert memo.remembered("k", lambda: calls.append(4) or 4) == 3
    assert calls == [1, 3]


def test_readers_of_a_value_being_computed_wait_for_it_instead_of_computing_it_again() -> None:
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(memo.remembered("slow", slow)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 4 and calls == [1]


def test_warming_a_database_without_a_country_reports_it_and_raises_nothing(
    tmp_path: object,
) -> None:
    from saglam.core.config import parse_database_url
    from saglam.core.db import make_engine

    empty = Database(make_engine(parse_database_url(f"sqlite:///{tmp_path}/empty.db")))
    assert warm_once(empty) is False

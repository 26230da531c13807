"""Keep the figures people open first computed: the default national dashboard (its GROUP BYs
over ten million people take seconds on PostgreSQL and a minute or more on SQLite) and the
outlier signals of the latest month with claims (a GROUP BY over millions of claim lines, about
two seconds), which nobody should wait for on opening the page. A daemon thread computes them
when the server starts and again before they expire. Each server process keeps its own copy."""

from __future__ import annotations

import logging
import threading
import time

from saglam.analytics.service import dashboard, filters
from saglam.core import memo
from saglam.core.db import Database
from saglam.core.security import Principal
from saglam.insurance import service as insurance

log = logging.getLogger(__name__)
ACTOR = Principal.system("dashboard-warmer")
EVERY_SECONDS = memo.TTL_SECONDS * 0.8


def warm_once(database: Database) -> bool:
    """Compute (and remember) the default dashboard and the latest month's signals; False when
    there is nothing to show yet."""
    try:
        with memo.refreshing(), database.unit_of_work(read_only=True) as session:
            dashboard(session, ACTOR, filters(session, ACTOR))
            period = insurance.latest_claim_period(session, ACTOR)
            if period is not None:
                insurance.outliers(session, ACTOR, period)
        return True
    except Exception:  # a country not built yet, a database restarting: try again later
        log.warning("the dashboard and signals could not be computed ahead", exc_info=True)
        return False


def keep_warm(database: Database, every: float = EVERY_SECONDS) -> threading.Thread:
    """Start the warmer thread: now, then every ``every`` seconds."""

    def run() -> None:
        while True:
            started = time.monotonic()
            if warm_once(database):
                log.info(
                    "dashboard and signals computed ahead in %.1f s", time.monotonic() - started
                )
            time.sleep(every)

    thread = threading.Thread(target=run, name="dashboard-warmer", daemon=True)
    thread.start()
    return thread

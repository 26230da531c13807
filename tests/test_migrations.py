from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from saglam.core.config import parse_database_url
from saglam.core.db import make_engine
from saglam.migrations import runner
from tests.conftest import PG_URL


def _fresh_urls(tmp_path: Path) -> list[str]:
    urls = [f"sqlite:///{tmp_path / 'migrations.db'}"]
    if PG_URL:
        base = parse_database_url(PG_URL)
        name = f"{base.database}_migrations"
        admin = make_engine(base, pool_size=1)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        urls.append(base.set(database=name).render_as_string(hide_password=False))
    return urls


@pytest.mark.xdist_group("migrations")
def test_upgrade_downgrade_upgrade_and_models_match(tmp_path: Path) -> None:
    for raw in _fresh_urls(tmp_path):
        url = parse_database_url(raw)
        runner.upgrade(url, "head")
        engine = make_engine(url)
        assert {"audit_record", "auth_user", "patient", "facility"} <= set(
            inspect(engine).get_table_names()
        )
        runner.downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        runner.upgrade(url, "head")
        assert runner.check(url) is None, raw
        assert not runner.pending(url)
        engine.dispose()

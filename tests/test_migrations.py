from __future__ import annotations

from sqlalchemy import Engine, inspect

from saglam.migrations import runner


def test_upgrade_downgrade_upgrade_and_models_match(engine: Engine) -> None:
    url = engine.url
    runner.downgrade(url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    runner.upgrade(url, "head")
    assert {"audit_record", "auth_user"} <= set(inspect(engine).get_table_names())
    assert runner.check(url) is None
    assert not runner.pending(url)

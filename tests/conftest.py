"""Test infrastructure.

Both databases, migrations once per session, a rolled-back transaction per test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from saglam.auth import passwords
from saglam.bootstrap import create_app
from saglam.core.config import Settings, parse_database_url
from saglam.core.db import Database, make_engine
from saglam.core.security import Principal
from saglam.country.profile import load_profile
from saglam.migrations import runner
from saglam.synth.build import build_country

PG_URL = os.environ.get("SAGLAM_TEST_DATABASE_URL")

# Cheap hashing in tests only: argon2 with production cost would dominate the suite's time.
passwords._hasher = passwords.PasswordHash(
    (Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),)
)


def _backends() -> list[object]:
    params: list[object] = ["sqlite"]
    params.append(
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason="SAGLAM_TEST_DATABASE_URL not set"),
        )
    )
    return params


def _pg_worker_url(worker: str) -> str:
    """One PostgreSQL database per xdist worker, created next to the configured one."""
    assert PG_URL
    base = parse_database_url(PG_URL)
    name = f"{base.database}_{worker}"
    admin = make_engine(base, pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def worker_id_str(request: pytest.FixtureRequest) -> str:
    return str(getattr(request.config, "workerinput", {}).get("workerid", "main"))


#: The small country every data test stands on (built once per session and backend).
AS_OF = date(2026, 6, 30)
COUNTRY_SCALE = 0.002
COUNTRY_SEED = 7


@pytest.fixture(scope="session", params=_backends())
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id_str: str
) -> Iterator[Engine]:
    """A migrated database per backend with a small synthetic country, shared by the session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = _pg_worker_url(worker_id_str)
    parsed = parse_database_url(url)
    runner.upgrade(parsed)
    eng = make_engine(parsed)
    with Database(eng).unit_of_work() as s:
        build_country(
            s, Principal.system("tests"), load_profile("azerbaijan"),
            scale=COUNTRY_SCALE, seed=COUNTRY_SEED, as_of=AS_OF, duplicate_rate=0.002, twin_rate=0.01,
        )  # fmt: skip
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _fresh_account_cache() -> None:
    from saglam.auth.service import forget_cached_accounts
    from saglam.core.memo import forget

    forget_cached_accounts()
    forget()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def database(engine: Engine, connection: Connection) -> Database:
    return Database(engine, bind=connection)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    s = database.sessions()
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", secret_key="x" * 48, login_max_failures=3)


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        # Pages speak English, the source language, unless a test switches the language
        # (through the switch itself, so the site can replace or drop the cookie as usual).
        c.get("/language/en", follow_redirects=False)
        yield c

"""Browser tests: a live Saglam on its own small country (per backend), one user per role, and
Debian's chromium driven by playwright. Screenshots of the main pages go to docs/screenshots/."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import Session

from saglam.bootstrap import create_app
from saglam.core.config import Settings, parse_database_url
from saglam.core.db import Database, make_engine
from saglam.core.security import Principal, Role
from saglam.country.profile import load_profile
from saglam.migrations import runner
from saglam.synth.build import build_country
from tests.conftest import PG_URL, _backends, _pg_worker_url
from tests.factories import PASSWORD, a_patient, facilities_of, make_user

CHROMIUM = os.environ.get("SAGLAM_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class Site:
    base: str
    backend: str
    database: Database
    facility_id: int  # the primary-care facility of the scoped users
    users: dict[Role, str] = field(default_factory=dict)

    def session(self) -> Session:
        return self.database.sessions()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session", params=_backends())
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id_str: str
) -> Iterator[Site]:
    """Saglam served on a free port over a country of its own (writes here are committed)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('site') / 'site.db'}"
    else:
        assert PG_URL
        url = _pg_worker_url(f"{worker_id_str}_site")
    parsed = parse_database_url(url)
    runner.upgrade(parsed)
    database = Database(make_engine(parsed))
    system = Principal.system("tests")
    with database.unit_of_work() as s:
        build_country(
            s, system, load_profile("azerbaijan"), scale=0.002, seed=11,
            as_of=date.today(), duplicate_rate=0.002,
        )  # fmt: skip
    with database.unit_of_work() as s:
        registered = a_patient(s).registered_facility_id
        assert registered is not None
        facility = next(f for f in facilities_of(s) if f.id == registered)
        users = {}
        for role in Role:
            name = f"{role.value.replace('_', '-')}"
            scoped = role in (Role.NETWORK_MANAGER, Role.REGISTRATION_CLERK, Role.CLINICIAN)
            make_user(s, name, role, facility_ids=[facility.id] if scoped else None)
            users[role] = name
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("site-var"), secret_key="s" * 48, login_max_failures=50
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, database), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", str(request.param), database, facility.id, users)
    server.should_exit = True
    thread.join(timeout=10)
    database.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def log_in(page: Page, site: Site, role: Role, language: str = "en") -> None:
    """Log in through the form as the site's user of ``role``, in ``language``."""
    page.goto(f"{site.base}/language/{language}?next=/login")
    page.fill("#username", site.users[role])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, page.content()[:2000]


def screenshot(page: Page, site: Site, name: str) -> None:
    """Keep a picture of the page for the README (from the SQLite run)."""
    if site.backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

"""``saglam demo``: upgrade the database, build a small country once, create demo users, serve."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from saglam.cli.common import cli_actor, console, friendly, open_database, settings
from saglam.cli.generate import run_build
from saglam.cli.serve import ensure_demo_users, print_logins, run_server
from saglam.core.config import Settings
from saglam.core.errors import NotFound
from saglam.core.security import Role
from saglam.country import service as country
from saglam.country.profile import load_profile
from saglam.facilities import service as facilities
from saglam.facilities.schemas import FacilityQuery
from saglam.migrations import runner

DEMO_SCALE = 0.01
DEMO_SEED = 1
DEMO_TERRITORY = "AZ-ER-GUBA-KHACHMAZ"


def demo(
    host: Annotated[str | None, typer.Option("--host")] = None,
    port: Annotated[int | None, typer.Option("--port")] = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Set up, print logins, do not serve.")
    ] = False,
    scale: Annotated[
        float,
        typer.Option("--scale", min=0.0005, max=1.0, help="Share of the full population to build."),
    ] = DEMO_SCALE,
) -> None:
    """Set up a demo country (scale 0.01) with one user per role, print the logins, and serve."""
    _demo(host, port, no_serve, scale)


@friendly
def _demo(host: str | None, port: int | None, no_serve: bool, scale: float) -> None:
    cfg = settings()
    open_database(cfg).engine.dispose()
    console.print("Upgrading the database schema…")
    runner.upgrade(cfg.url)
    _ensure_country(cfg, scale)
    created = ensure_demo_users(cfg, _demo_scopes(cfg))
    host, port = host or cfg.host, port or cfg.port
    print_logins(cfg, created, host, port)
    if not no_serve:
        run_server(cfg, host, port, cfg.workers)


def _ensure_country(cfg: Settings, scale: float) -> None:
    database = open_database(cfg)
    try:
        with database.unit_of_work() as session:
            try:
                country.active_profile(session)
                console.print("The demo country exists already; keeping its data.")
                return
            except NotFound:
                pass
        console.print(f"Building a synthetic country at scale {scale} (profile {cfg.profile})…")
        run_build(database, load_profile(cfg.profile), scale, DEMO_SEED, date.today(), 0.002)
    finally:
        database.engine.dispose()


def _demo_scopes(cfg: Settings) -> dict[Role, dict[str, list[int] | list[str]]]:
    """Facility-bound roles work at the capital's busiest polyclinic; the manager runs a region."""
    database = open_database(cfg)
    try:
        with database.unit_of_work() as session:
            found, _ = facilities.search_facilities(
                session, cli_actor("demo"), FacilityQuery(type_code="polyclinic", limit=1)
            )
            if not found:
                found, _ = facilities.search_facilities(
                    session, cli_actor("demo"), FacilityQuery(level="primary", limit=1)
                )
    finally:
        database.engine.dispose()
    facility = [found[0].id] if found else []
    return {
        Role.REGISTRATION_CLERK: {"facility_ids": facility},
        Role.CLINICIAN: {"facility_ids": facility},
        Role.NETWORK_MANAGER: {"territory_codes": [DEMO_TERRITORY]},
    }

"""``saglam demo``: upgrade the database, create demo users, serve (data is kept between runs)."""

from __future__ import annotations

from typing import Annotated

import typer

from saglam.cli.common import console, friendly, open_database, settings
from saglam.cli.serve import ensure_demo_users, print_logins, run_server
from saglam.migrations import runner


def demo(
    host: Annotated[str | None, typer.Option("--host")] = None,
    port: Annotated[int | None, typer.Option("--port")] = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Set up, print logins, do not serve.")
    ] = False,
) -> None:
    """Set up a demo database with one user per role, print the logins, and serve."""
    _demo(host, port, no_serve)


@friendly
def _demo(host: str | None, port: int | None, no_serve: bool) -> None:
    cfg = settings()
    open_database(cfg).engine.dispose()
    console.print("Upgrading the database schema…")
    runner.upgrade(cfg.url)
    created = ensure_demo_users(cfg, {})
    host, port = host or cfg.host, port or cfg.port
    print_logins(cfg, created, host, port)
    if not no_serve:
        run_server(cfg, host, port, cfg.workers)

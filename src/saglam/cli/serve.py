"""``saglam serve`` and ``saglam demo``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from saglam.auth import service as auth
from saglam.auth.schemas import UserCreate
from saglam.cli.common import cli_actor, console, fail, friendly, open_database, settings
from saglam.core.config import Settings
from saglam.core.security import Role
from saglam.migrations import runner

DEMO_FILE = "demo-logins.txt"


def run_server(cfg: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    if cfg.database_url:
        os.environ["SAGLAM_DATABASE_URL"] = cfg.database_url
    os.environ["SAGLAM_DATA_DIR"] = str(cfg.data_dir)
    _ = cfg.signing_key  # create the key once, before workers race to do it
    console.print(f"Saglam serving on [bold]http://{host}:{port}[/] ({workers} worker(s))")
    uvicorn.run(
        "saglam.bootstrap:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )


def serve(
    host: Annotated[str | None, typer.Option("--host")] = None,
    port: Annotated[int | None, typer.Option("--port")] = None,
    workers: Annotated[int | None, typer.Option("--workers")] = None,
    database: Annotated[str | None, typer.Option("--database")] = None,
) -> None:
    """Serve the web UI, /api, /fhir and /health."""
    _serve(host, port, workers, database)


@friendly
def _serve(host: str | None, port: int | None, workers: int | None, database: str | None) -> None:
    cfg = settings(database)
    open_database(cfg).engine.dispose()
    if runner.pending(cfg.url):
        raise fail("the database schema is not up to date; run `saglam db upgrade` first")
    run_server(cfg, host or cfg.host, port or cfg.port, workers or cfg.workers)


def ensure_demo_users(
    cfg: Settings, database_roles: dict[Role, dict[str, list[int] | list[str]]]
) -> list[tuple[str, str, str]]:
    """Create one user per role (if missing); return (username, role, password) of new ones."""
    created: list[tuple[str, str, str]] = []
    database = open_database(cfg)
    try:
        with database.unit_of_work() as session:
            existing = {u.username for u in auth.list_users(session, cli_actor("demo"))}
            for role in Role:
                username = f"demo-{role.value.replace('_', '-')}"
                if username in existing:
                    continue
                password = secrets.token_urlsafe(9)
                scope = database_roles.get(role, {})
                auth.create_user(
                    session,
                    cli_actor("demo"),
                    UserCreate(
                        username=username,
                        password=password,
                        role=role,
                        full_name=f"Demo {role.value.replace('_', ' ')}",
                        facility_ids=[int(x) for x in scope.get("facility_ids", [])],
                        territory_codes=[str(x) for x in scope.get("territory_codes", [])],
                    ),
                )
                created.append((username, role.value, password))
    finally:
        database.engine.dispose()
    return created


def print_logins(cfg: Settings, created: list[tuple[str, str, str]], host: str, port: int) -> None:
    path = Path(cfg.data_dir) / DEMO_FILE
    if created:
        lines = [f"{u}\t{r}\t{p}" for u, r, p in created]
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as handle:
            handle.write("\n".join(lines) + "\n")
        table = Table("user name", "role", "password", title="Demo logins (shown once)")
        for row in created:
            table.add_row(*row)
        console.print(table)
    else:
        console.print(f"Demo users exist already; their passwords are in {path}")
    console.print(
        f"Open [bold]http://{host}:{port}/[/] and log in as one of the users above; "
        f"API tokens: POST http://{host}:{port}/auth/token (grant_type=password)."
    )

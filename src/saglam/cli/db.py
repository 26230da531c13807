"""``saglam db``: migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from saglam.cli.common import console, fail, friendly, open_database, settings
from saglam.migrations import runner

app = typer.Typer(help="Database schema: upgrade, downgrade, check.", no_args_is_help=True)
DbUrl = Annotated[str | None, typer.Option("--database", help="Database URL (default: settings).")]


@app.command()
@friendly
def upgrade(revision: str = "head", database: DbUrl = None) -> None:
    """Apply migrations up to REVISION (default: head)."""
    cfg = settings(database)
    open_database(cfg).engine.dispose()
    runner.upgrade(cfg.url, revision)
    console.print(f"database at [bold]{revision}[/]")


@app.command()
@friendly
def downgrade(revision: str = "base", database: DbUrl = None) -> None:
    """Revert migrations down to REVISION (default: base, i.e. an empty database)."""
    cfg = settings(database)
    open_database(cfg).engine.dispose()
    runner.downgrade(cfg.url, revision)
    console.print(f"database at [bold]{revision}[/]")


@app.command()
@friendly
def check(database: DbUrl = None) -> None:
    """Exit 1 when the models and the migrations disagree (or migrations are not applied)."""
    cfg = settings(database)
    open_database(cfg).engine.dispose()
    diff = runner.check(cfg.url)
    if diff:
        raise fail(f"models and migrations differ: {diff}")
    console.print("models and migrations agree")

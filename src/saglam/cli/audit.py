"""``saglam audit``: verify the chain."""

from __future__ import annotations

from typing import Annotated

import typer

from saglam.audit import service as audit
from saglam.cli.common import cli_actor, console, fail, friendly, settings, unit_of_work

app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@app.command()
@friendly
def verify(database: Annotated[str | None, typer.Option("--database")] = None) -> None:
    """Exit 1 naming the first record edited, inserted or deleted out of band."""
    with unit_of_work(settings(database)) as session:
        result = audit.verify(session, cli_actor())
    if not result.ok:
        raise fail(
            f"audit trail broken at record seq={result.first_broken_seq} "
            f"(id={result.first_broken_id}): {result.problem}; "
            f"{result.checked} records before it are intact"
        )
    console.print(f"audit trail intact: {result.checked} records verified")

"""``saglam patients``: duplicate detection over the whole index, and lookups."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from saglam.cli.common import cli_actor, console, friendly, open_database, settings
from saglam.patients import service as patients
from saglam.patients.schemas import MergeRequest

app = typer.Typer(help="The master patient index.", no_args_is_help=True)
DbUrl = Annotated[str | None, typer.Option("--database", help="Database URL (default: settings).")]


@app.command()
@friendly
def dedup(
    threshold: Annotated[
        float, typer.Option("--threshold", help="Minimum score of a candidate pair.")
    ] = 9.0,
    database: DbUrl = None,
) -> None:
    """Find likely duplicate records over the whole population and store them for review."""
    db = open_database(settings(database))
    try:
        columns = (TextColumn("{task.description:<20}"), BarColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as bar, db.unit_of_work() as session:
            task: TaskID = bar.add_task("starting", total=3)

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total)

            report = patients.detect_duplicates(
                session, cli_actor("dedup"), threshold=threshold, progress=progress
            )
    finally:
        db.engine.dispose()
    console.print(
        f"{report.patients:,} patients, {report.pairs_compared:,} pairs compared, "
        f"{report.candidates:,} candidates in {report.seconds:.1f} s"
    )


@app.command()
@friendly
def merge(survivor: int, merged: int, reason: str = "", database: DbUrl = None) -> None:
    """Merge record MERGED into SURVIVOR (MERGED is kept, linked to SURVIVOR)."""
    db = open_database(settings(database))
    try:
        with db.unit_of_work() as session:
            record = patients.merge(
                session,
                cli_actor(),
                MergeRequest(survivor_id=survivor, merged_id=merged, reason=reason),
            )
    finally:
        db.engine.dispose()
    console.print(
        f"merged {merged} into {survivor} (merge {record.id}; undo with `saglam patients unmerge {record.id}`)"
    )


@app.command()
@friendly
def unmerge(merge_id: int, database: DbUrl = None) -> None:
    """Undo a merge."""
    db = open_database(settings(database))
    try:
        with db.unit_of_work() as session:
            record = patients.unmerge(session, cli_actor(), merge_id)
    finally:
        db.engine.dispose()
    console.print(
        f"undid merge {record.id}: {record.merged_id} is separate from {record.survivor_id} again"
    )

"""``saglam generate``: build a synthetic country from a profile."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from saglam.cli.common import cli_actor, console, fail, friendly, open_database, settings
from saglam.core.db import Database
from saglam.country.profile import Profile, load_profile
from saglam.migrations import runner
from saglam.synth.build import BuildReport, build_country


def generate(
    profile: Annotated[
        str, typer.Option("--profile", help="Country profile (folder name).")
    ] = "azerbaijan",
    scale: Annotated[
        float, typer.Option("--scale", help="Fraction of the real population, e.g. 0.01.")
    ] = 0.01,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed builds the same country.")
    ] = 1,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Reference date (YYYY-MM-DD); default today.")
    ] = None,
    duplicates: Annotated[
        float, typer.Option("--duplicates", help="Share of people registered twice.")
    ] = 0.002,
    database: Annotated[
        str | None, typer.Option("--database", help="Database URL (default: settings).")
    ] = None,
) -> None:
    """Build locations, facilities with equipment, the workforce and the population."""
    report = _generate(profile, scale, seed, as_of, duplicates, database)
    console.print(
        f"built {report.people:,} people, {report.facilities:,} facilities, {report.equipment:,} devices, "
        f"{report.practitioners:,} health workers in {report.seconds:.1f} s "
        f"({report.people_per_second:,.0f} people/s)"
    )


@friendly
def _generate(
    profile: str,
    scale: float,
    seed: int,
    as_of: str | None,
    duplicates: float,
    database: str | None,
) -> BuildReport:
    if not 0 < scale <= 1.5:
        raise fail("--scale must be in (0, 1.5]")
    if not 0 <= duplicates < 0.2:
        raise fail("--duplicates must be in [0, 0.2)")
    try:
        reference = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
    cfg = settings(database)
    db = open_database(cfg)
    runner.upgrade(cfg.url)
    country_profile = load_profile(profile)
    try:
        return run_build(db, country_profile, scale, seed, reference, duplicates)
    finally:
        db.engine.dispose()


def run_build(
    db: Database, profile: Profile, scale: float, seed: int, as_of: date, duplicates: float
) -> BuildReport:
    columns = (
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar, db.unit_of_work() as session:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        return build_country(
            session, cli_actor("generate"), profile,
            scale=scale, seed=seed, as_of=as_of, progress=progress, duplicate_rate=duplicates, twin_rate=0.01,
        )  # fmt: skip

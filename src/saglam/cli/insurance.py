"""``saglam claims`` and ``saglam payments``: batch adjudication, claim files, payment runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from saglam.cli.common import cli_actor, console, fail, friendly, settings, unit_of_work
from saglam.insurance import service as insurance

claims = typer.Typer(
    help="Insurance claims: files in, adjudication in batch.", no_args_is_help=True
)
payments = typer.Typer(help="Provider payment per month.", no_args_is_help=True)
coverage = typer.Typer(help="Insurance coverage.", no_args_is_help=True)
DbUrl = Annotated[str | None, typer.Option("--database", help="Database URL (default: settings).")]
Period = Annotated[str, typer.Option("--period", help="The month, YYYY-MM.")]
IMPORT_CHUNK = 2_000


@contextmanager
def _bar(first: str) -> Iterator[Callable[[str, int, int], None]]:
    columns = (
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(first, total=None)

        def say(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total or None)

        yield say


@claims.command("adjudicate")
@friendly
def adjudicate(period: Period, database: DbUrl = None) -> None:
    """Judge every received claim of the month in one batch."""
    with _bar("adjudicating") as say, unit_of_work(settings(database)) as session:
        report = insurance.adjudicate_period(
            session, cli_actor("claims adjudicate"), period, progress=say
        )
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(report.outcomes.items()))
    rate = report.lines / report.seconds if report.seconds else 0
    console.print(
        f"{report.claims:,} claims, {report.lines:,} lines ({outcomes}) in {report.seconds:.1f} s "
        f"({rate:,.0f} lines/s); paid {report.paid_minor / 100:,.2f} AZN"
    )


@claims.command("import")
@friendly
def import_file(
    file: Annotated[
        Path, typer.Argument(help="A .csv (a line per row) or .ndjson (a claim per line).")
    ],
    database: DbUrl = None,
) -> None:
    """Store and judge the claims of a file in one transaction (a claim already received is not
    stored twice). Nothing is stored when any claim in the file is malformed."""
    if not file.is_file():
        raise fail(f"{file}: no such file")
    kind = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson"}.get(file.suffix.lower())
    if kind is None:
        raise fail(f"{file}: expected a .csv or .ndjson file")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail(f"{file}: not UTF-8 text") from None
    found, problems = insurance.parse_claims(text, kind)
    if problems:
        for where, problem in list(problems.items())[:20]:
            console.print(f"  {where}: {problem}", highlight=False)
        raise fail(f"{file}: {len(problems)} malformed claims; nothing was imported")
    totals = {"received": 0, "new": 0, "repeated": 0}
    actor = cli_actor("claims import")
    with _bar("importing") as say, unit_of_work(settings(database)) as session:
        for start in range(0, len(found), IMPORT_CHUNK):
            result = insurance.import_claims(session, actor, found[start : start + IMPORT_CHUNK])
            for key in totals:
                totals[key] += result[key]
            say("importing", start + len(found[start : start + IMPORT_CHUNK]), len(found))
    console.print(
        f"{totals['received']:,} claims read: {totals['new']:,} new and judged, "
        f"{totals['repeated']:,} already received"
    )


@payments.command("run")
@friendly
def run(
    period: Period,
    close: Annotated[bool, typer.Option("--close", help="Close the month after the run.")] = False,
    database: DbUrl = None,
) -> None:
    """Compute every facility's payment for the month: fee for service, capitation, per case."""
    actor = cli_actor("payments run")
    with _bar("paying") as say, unit_of_work(settings(database)) as session:
        say("paying", 0, 1)
        result = insurance.run_payments(session, actor, period)
        if close:
            say("closing", 0, 1)
            result = insurance.close_period(session, actor, period)
        say("done", 1, 1)
    by_method = {
        "fee for service": sum(p.fee_for_service_minor for p in result.payments),
        "capitation": sum(p.capitation_minor for p in result.payments),
        "per case": sum(p.per_case_minor for p in result.payments),
        "corrections": sum(p.corrections_minor for p in result.payments),
    }
    parts = ", ".join(f"{k} {v / 100:,.2f}" for k, v in by_method.items())
    console.print(
        f"{period} ({result.status}): {len(result.payments):,} facilities paid "
        f"{result.total_minor / 100:,.2f} AZN ({parts})"
    )


@payments.command("close")
@friendly
def close_month(period: Period, database: DbUrl = None) -> None:
    """Close the month: its payments never change again."""
    with unit_of_work(settings(database)) as session:
        result = insurance.close_period(session, cli_actor("payments close"), period)
    console.print(f"{period} closed: {result.total_minor / 100:,.2f} AZN")


@coverage.command("auto-enrol")
@friendly
def auto_enrol(
    on: Annotated[str | None, typer.Option("--on", help="The date, YYYY-MM-DD (today).")] = None,
    database: DbUrl = None,
) -> None:
    """Cover everyone in a state-paid group of the register (children, pensioners …) who has
    no cover."""
    try:
        day = date.fromisoformat(on) if on else date.today()
    except ValueError:
        raise fail(f"{on!r} is not a date (YYYY-MM-DD)") from None
    with unit_of_work(settings(database)) as session:
        count = insurance.auto_enrol(session, cli_actor("coverage auto-enrol"), day)
    console.print(f"{count:,} people in state-paid groups enrolled from {day}")

"""The ``saglam`` command."""

from __future__ import annotations

import logging

import typer

from saglam.cli import audit, db, demo, fhir, generate, insurance, patients, serve, users

app = typer.Typer(
    name="saglam",
    help="Saglam: national health information system.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(users.users, name="users")
app.add_typer(users.clients, name="clients")
app.add_typer(audit.app, name="audit")
app.add_typer(patients.app, name="patients")
app.add_typer(fhir.app, name="fhir")
app.add_typer(insurance.claims, name="claims")
app.add_typer(insurance.payments, name="payments")
app.add_typer(insurance.coverage, name="coverage")
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("generate")(generate.generate)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    app()

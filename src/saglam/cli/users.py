"""``saglam users`` and ``saglam clients``: accounts and integration clients."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from pydantic import ValidationError
from rich.table import Table

from saglam.auth import service as auth
from saglam.auth.schemas import ClientCreate, UserCreate
from saglam.cli.common import (
    cli_actor,
    console,
    fail,
    friendly,
    read_secret,
    settings,
    unit_of_work,
)
from saglam.core.security import Role

users = typer.Typer(help="People's accounts.", no_args_is_help=True)
clients = typer.Typer(
    help="Integration clients (client credentials with SMART scopes).", no_args_is_help=True
)
DbUrl = Annotated[str | None, typer.Option("--database", help="Database URL (default: settings).")]


def _invalid(exc: ValidationError) -> typer.Exit:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return fail(f"{where}: {first['msg']}")


@users.command("create")
@friendly
def create_user(
    username: str,
    role: Annotated[Role, typer.Option("--role", help="One of the roles of the product.")],
    facility: Annotated[
        list[int] | None, typer.Option("--facility", help="Facility id (repeatable).")
    ] = None,
    territory: Annotated[
        list[str] | None, typer.Option("--territory", help="Territory code (repeatable).")
    ] = None,
    full_name: Annotated[str, typer.Option("--full-name")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    database: DbUrl = None,
) -> None:
    """Create a person's account (the password is prompted for, or read from stdin)."""
    password = read_secret("Password", password_stdin)
    try:
        data = UserCreate(
            username=username,
            password=password,
            role=role,
            full_name=full_name,
            facility_ids=facility or [],
            territory_codes=territory or [],
        )
    except ValidationError as exc:
        raise _invalid(exc) from None
    with unit_of_work(settings(database)) as session:
        user = auth.create_user(session, cli_actor(), data)
    console.print(f"created user [bold]{user.username}[/] ({user.role}), id {user.id}")


@users.command("list")
@friendly
def list_users(database: DbUrl = None) -> None:
    """List accounts with their role, scope and status."""
    with unit_of_work(settings(database)) as session:
        rows = auth.list_users(session, cli_actor())
    table = Table("id", "username", "role", "facilities", "territories", "active")
    for u in rows:
        table.add_row(
            str(u.id),
            u.username,
            u.role.value,
            ",".join(map(str, u.facility_ids)),
            ",".join(u.territory_codes),
            "yes" if u.active else "no",
        )
    console.print(table)


@users.command("disable")
@friendly
def disable_user(username: str, database: DbUrl = None) -> None:
    """Disable an account: no new logins, sessions end, tokens stop working within seconds."""
    with unit_of_work(settings(database)) as session:
        auth.set_user_active(session, cli_actor(), username, False)
    console.print(f"disabled [bold]{username}[/]")


@clients.command("create")
@friendly
def create_client(
    name: str,
    scopes: Annotated[
        str, typer.Option("--scopes", help='e.g. "system/Patient.read system/*.read"')
    ],
    facility: Annotated[
        list[int] | None, typer.Option("--facility", help="Restrict to a facility.")
    ] = None,
    database: DbUrl = None,
) -> None:
    """Register a client; prints {"client_id", "client_secret"} as JSON (secret shown once)."""
    try:
        data = ClientCreate(name=name, scopes=scopes, facility_ids=facility or [])
    except ValidationError as exc:
        raise _invalid(exc) from None
    with unit_of_work(settings(database)) as session:
        _, credentials = auth.create_client(session, cli_actor(), data)
    typer.echo(orjson.dumps(credentials.model_dump()).decode())


@clients.command("list")
@friendly
def list_clients(database: DbUrl = None) -> None:
    with unit_of_work(settings(database)) as session:
        rows = auth.list_clients(session, cli_actor())
    table = Table("client_id", "name", "scopes", "active")
    for c in rows:
        table.add_row(c.client_id, c.name, c.scopes, "yes" if c.active else "no")
    console.print(table)


@clients.command("disable")
@friendly
def disable_client(client_id: str, database: DbUrl = None) -> None:
    with unit_of_work(settings(database)) as session:
        auth.set_client_active(session, cli_actor(), client_id, False)
    console.print(f"disabled client [bold]{client_id}[/]")

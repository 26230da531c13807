"""What every command shares: settings, the database, errors as one line and exit code 1."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from saglam.core.config import Settings, load_settings
from saglam.core.db import Database, check_database, make_engine
from saglam.core.errors import ConfigError, DomainError
from saglam.core.security import Principal

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn expected failures into one readable line on stderr and exit code 1."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            raise fail(str(exc)) from None
        except DomainError as exc:
            fields = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
            raise fail(f"{exc.detail}" + (f" ({fields})" if fields else "")) from None

    return wrapper


def settings(database_url: str | None = None) -> Settings:
    overrides: dict[str, object] = {}
    if database_url:
        overrides["database_url"] = database_url
    result = load_settings(**overrides)
    if result.is_sqlite:
        result.ensure_data_dir()
    return result


def open_database(cfg: Settings) -> Database:
    database = Database(make_engine(cfg.url))
    check_database(database.engine)
    return database


@contextmanager
def unit_of_work(cfg: Settings) -> Iterator[Session]:
    database = open_database(cfg)
    try:
        with database.unit_of_work() as session:
            yield session
    finally:
        database.engine.dispose()


def cli_actor(name: str = "cli") -> Principal:
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal.system(f"{name}:{user}").at("cli", None)


def read_secret(prompt: str, from_stdin: bool) -> str:
    if from_stdin:
        value = sys.stdin.readline().rstrip("\n")
        if not value:
            raise fail("no password on standard input")
        return value
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))

"""Database kernel: declarative base, engines for SQLite and PostgreSQL, the unit of work."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    String,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from saglam.core.errors import ConfigError
from saglam.core.sqlite import sqlite_engine

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: 64-bit ids on PostgreSQL; SQLite needs plain INTEGER to alias the rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both backends (SQLite stores naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def code_string(length: int) -> String:
    """A code-like column (identifiers, codes): byte-wise collation on PostgreSQL for speed."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def make_engine(
    url: URL, *, pool_size: int = 10, foreign_keys: bool = True, background_checkpoint: bool = False
) -> Engine:
    """An engine tuned for the backend: SQLite in WAL mode, PostgreSQL through psycopg 3.

    ``foreign_keys=False`` is for SQLite migrations only: rebuilding a table (ALTER in batch
    mode) must not trip the references other tables hold to it. ``background_checkpoint`` is
    for a server on SQLite: its log is checkpointed by a thread, not inside request commits.
    """
    if url.get_backend_name() == "sqlite":
        return sqlite_engine(
            url,
            pool_size=pool_size,
            foreign_keys=foreign_keys,
            background_checkpoint=background_checkpoint,
        )
    return create_engine(
        url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True, pool_recycle=1800
    )


def check_database(engine: Engine) -> None:
    """Connect once; an unreachable database becomes one readable ConfigError line."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        where = engine.url.render_as_string(hide_password=True)
        raise ConfigError(f"database unreachable at {where}: {reason}") from exc
    except SQLAlchemyError as exc:
        raise ConfigError(f"database error: {exc.__class__.__name__}: {exc}") from exc


Hook = Callable[[Session], None]


def add_before_commit(session: Session, key: str, hook: Hook) -> None:
    """Run ``hook`` once, just before this session's next commit."""
    hooks: dict[str, Hook] = session.info.setdefault("before_commit", {})
    hooks.setdefault(key, hook)


def add_after_rollback(session: Session, key: str, hook: Hook) -> None:
    """After the unit of work rolled back, run ``hook`` in a fresh transaction (keep a denial)."""
    hooks: dict[str, Hook] = session.info.setdefault("after_rollback", {})
    hooks.setdefault(key, hook)


@event.listens_for(Session, "before_commit")
def _run_before_commit(session: Session) -> None:
    hooks: dict[str, Hook] = session.info.pop("before_commit", {})
    for hook in hooks.values():
        hook(session)


class Database:
    """An engine and its session factory; ``bind`` lets tests wrap everything in one transaction."""

    def __init__(self, engine: Engine, bind: Engine | Connection | None = None) -> None:
        self.engine = engine
        options: dict[str, Any] = {"expire_on_commit": False, "autoflush": True}
        if isinstance(bind, Connection):
            options["join_transaction_mode"] = "create_savepoint"
        self.write_bind: Engine | Connection = bind or engine
        self.sessions = sessionmaker(bind=self.write_bind, **options)
        read_options: dict[str, Any] = {"saglam_read_only": True}
        if engine.dialect.name == "postgresql":
            # A read-only unit of work changes nothing, so on PostgreSQL it needs no BEGIN and
            # COMMIT of its own: two round trips fewer for every read request.
            read_options["isolation_level"] = "AUTOCOMMIT"
        reader = bind or engine.execution_options(**read_options)
        self.read_sessions = sessionmaker(bind=reader, **options)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def begin(self, *, read_only: bool = False) -> UnitOfWork:
        """A unit of work, not yet started: it connects at its first statement."""
        session = (self.read_sessions if read_only else self.sessions)()
        session.info["read_only"] = read_only
        session.info["write_bind"] = self.write_bind
        return UnitOfWork(session)

    @contextmanager
    def unit_of_work(self, *, read_only: bool = False) -> Iterator[Session]:
        """One transaction: commit on success, roll back (then run rollback hooks) on failure.

        A ``read_only`` unit of work changes no data. On SQLite it does not take the write lock,
        so reads run in parallel; what it must still record (audit) is handed to after-commit
        hooks, which run before the unit of work returns.
        """
        work = self.begin(read_only=read_only)
        try:
            yield work.session
            work.commit()
        except BaseException:
            work.abort()
            raise
        finally:
            work.close()


class UnitOfWork:
    """A session and how it ends: ``commit`` (then the after-commit hooks) or ``abort`` (roll back,
    then the after-rollback hooks). Whoever holds it may end it in any thread, once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ended = False

    @property
    def idle(self) -> bool:
        """Nothing to commit and nothing to write: ending it does no I/O."""
        info = self.session.info
        return not self.session.in_transaction() and not any(
            info.get(hooks) for hooks in ("before_commit", "after_commit", "after_rollback")
        )

    def commit(self) -> None:
        if self.ended:
            return
        self.ended = True
        try:
            self.session.commit()
            _run_after_commit(self.session)
        except BaseException:
            rollback(self.session)
            raise

    def abort(self) -> None:
        if self.ended:
            return
        self.ended = True
        rollback(self.session)

    def close(self) -> None:
        self.session.close()


def is_read_only(session: Session) -> bool:
    return bool(session.info.get("read_only"))


def write_bind(session: Session) -> Engine | Connection:
    """Where a read-only unit of work's side writes (audit) go: its database's writing bind."""
    bind = session.info.get("write_bind")
    return bind if bind is not None else session.get_bind()


def add_after_commit(session: Session, key: str, hook: Hook) -> None:
    """Run ``hook`` after this unit of work committed (and before it returns to its caller)."""
    hooks: dict[str, Hook] = session.info.setdefault("after_commit", {})
    hooks.setdefault(key, hook)


def _run_after_commit(session: Session) -> None:
    hooks: dict[str, Hook] = session.info.pop("after_commit", {})
    for hook in hooks.values():
        hook(session)


def rollback(session: Session) -> None:
    """Roll back, then run the after-rollback hooks (which keep e.g. audited denials)."""
    session.rollback()
    hooks: dict[str, Hook] = session.info.pop("after_rollback", {})
    session.info.pop("before_commit", None)
    session.info.pop("after_commit", None)
    if not hooks:
        return
    try:
        for hook in hooks.values():
            hook(session)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.exception("after-rollback hook failed")

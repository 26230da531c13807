"""Settings from the environment (``SAGLAM_`` prefix), validated once at start-up."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from saglam.core.errors import ConfigError

SECRET_FILE = "secret.key"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class Settings(BaseSettings):
    """Every knob of a Saglam process."""

    model_config = SettingsConfigDict(env_prefix="SAGLAM_", extra="ignore", frozen=True)

    data_dir: Path = Field(default=Path("var"), description="Where SQLite and the secret live.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite by default.")
    secret_key: str | None = Field(default=None, description="Signing key; generated when unset.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    threads: int = Field(
        default=16, ge=1, le=256, description="Threads per worker for requests' database work."
    )
    profile: str = "azerbaijan"
    token_ttl_seconds: int = Field(default=900, ge=30, le=86400)
    session_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    log_level: str = "INFO"
    log_json: bool = True
    max_body_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    secure_cookies: bool = False
    warm_dashboard: bool = Field(
        default=True, description="Compute the default national dashboard ahead (serve only)."
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return upper

    @cached_property
    def url(self) -> URL:
        """The database URL, parsed and checked."""
        raw = self.database_url or f"sqlite:///{self.data_dir / 'saglam.db'}"
        return parse_database_url(raw)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def ensure_data_dir(self) -> Path:
        """Create the data directory and prove it is writable."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / ".write-probe"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(
                f"data directory {self.data_dir} is not writable: {exc.strerror or exc}"
            ) from exc
        return self.data_dir

    @cached_property
    def signing_key(self) -> str:
        """The secret key: from the environment, else kept in the data directory."""
        if self.secret_key:
            if len(self.secret_key) < 32:
                raise ConfigError("SAGLAM_SECRET_KEY must be at least 32 characters")
            return self.secret_key
        path = self.ensure_data_dir() / SECRET_FILE
        if path.exists():
            return path.read_text().strip()
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def parse_database_url(raw: str) -> URL:
    """Parse a database URL, mapping plain ``postgresql://`` to psycopg 3."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(f"SAGLAM_DATABASE_URL is malformed: {raw!r}") from exc
    backend = url.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise ConfigError(f"SAGLAM_DATABASE_URL uses {backend!r}; supported: sqlite, postgresql")
    if backend == "postgresql" and url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if backend == "postgresql" and not url.database:
        raise ConfigError("SAGLAM_DATABASE_URL names no database")
    return url


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; bad values raise one readable ConfigError."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"invalid setting SAGLAM_{where.upper()}: {first['msg']}") from exc
    _ = settings.url
    return settings

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from saglam.core.config import load_settings, parse_database_url
from saglam.core.errors import ConfigError


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SAGLAM_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "saglam", *args],
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


def test_malformed_database_url_is_one_readable_error() -> None:
    with pytest.raises(ConfigError, match="malformed"):
        parse_database_url("not a url at all")


def test_unsupported_backend_is_refused() -> None:
    with pytest.raises(ConfigError, match="supported: sqlite, postgresql"):
        parse_database_url("mysql://u@h/db")


def test_plain_postgresql_url_uses_psycopg3() -> None:
    assert parse_database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"


def test_bad_port_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGLAM_PORT", "99999")
    with pytest.raises(ConfigError, match="SAGLAM_PORT"):
        load_settings()


def test_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path).signing_key
    second = load_settings(data_dir=tmp_path).signing_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0


def test_cli_malformed_url_prints_one_line_and_exits_1(tmp_path: Path) -> None:
    result = run_cli(
        "db", "upgrade", env={"SAGLAM_DATABASE_URL": "::bad::", "SAGLAM_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 1
    assert "malformed" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_unreachable_postgresql_prints_one_line_and_exits_1(tmp_path: Path) -> None:
    result = run_cli(
        "db",
        "upgrade",
        env={
            "SAGLAM_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nowhere",
            "SAGLAM_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 1
    assert "database unreachable" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_unwritable_data_dir_exits_1(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_cli("db", "upgrade", env={"SAGLAM_DATA_DIR": str(blocker / "sub")})
    assert result.returncode == 1
    assert "not writable" in result.stderr
    assert "Traceback" not in result.stderr

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.core.test_config import run_cli


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "SAGLAM_DATA_DIR": str(tmp_path / "var"),
        "SAGLAM_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }


def test_users_and_clients_from_the_command_line(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert run_cli("db", "upgrade", env=env).returncode == 0
    created = run_cli(
        "users",
        "create",
        "leyla",
        "--role",
        "clinician",
        "--facility",
        "12",
        "--password-stdin",
        env=env,
        stdin="s3cret-pass\n",
    )
    assert created.returncode == 0, created.stderr
    listed = run_cli("users", "list", env=env)
    assert "leyla" in listed.stdout and "clinician" in listed.stdout and "12" in listed.stdout
    duplicate = run_cli(
        "users",
        "create",
        "leyla",
        "--role",
        "clinician",
        "--password-stdin",
        env=env,
        stdin="s3cret-pass\n",
    )
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    bad_role = run_cli(
        "users",
        "create",
        "x1",
        "--role",
        "wizard",
        "--password-stdin",
        env=env,
        stdin="s3cret-pass\n",
    )
    assert bad_role.returncode != 0
    assert run_cli("users", "disable", "leyla", env=env).returncode == 0
    assert re.search(r"leyla.*no", run_cli("users", "list", env=env).stdout)
    client = run_cli(
        "clients",
        "create",
        "lab",
        "--scopes",
        "system/Observation.write system/Patient.read",
        env=env,
    )
    assert client.returncode == 0, client.stderr
    creds = json.loads(client.stdout)
    assert set(creds) == {"client_id", "client_secret"}
    bad_scope = run_cli("clients", "create", "lab2", "--scopes", "everything", env=env)
    assert bad_scope.returncode == 1 and "invalid scope" in bad_scope.stderr
    assert run_cli("db", "check", env=env).returncode == 0


def test_db_check_fails_on_an_unmigrated_database(tmp_path: Path) -> None:
    result = run_cli("db", "check", env=_env(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_serves_health_and_working_logins(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAGLAM_")}
    env.update(_env(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "saglam", "demo", "--port", str(port), "--scale", "0.002"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert httpx.get(f"{base}/health").json()["status"] == "ok"
        logins = (tmp_path / "var" / "demo-logins.txt").read_text().split("\n")
        rows = [line.split("\t") for line in logins if line]
        assert {r[1] for r in rows} >= {
            "admin",
            "ministry_analyst",
            "clinician",
            "insurance_officer",
        }
        username, _, password = next(r for r in rows if r[1] == "admin")
        token = httpx.post(
            f"{base}/auth/token",
            data={"grant_type": "password", "username": username, "password": password},
        )
        assert token.status_code == 200
        users = httpx.get(
            f"{base}/api/users", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
        )
        assert users.status_code == 200 and len(users.json()) == len(rows)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert "Demo logins" in out
    again = run_cli("demo", "--no-serve", env=_env(tmp_path))
    assert again.returncode == 0 and "exist already" in again.stdout

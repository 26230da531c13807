"""``saglam claims`` and ``saglam payments`` on a small generated country."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from tests.core.test_config import run_cli


def test_claim_files_batch_adjudication_and_payment_runs(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    env = {"SAGLAM_DATA_DIR": str(tmp_path / "var"), "SAGLAM_DATABASE_URL": f"sqlite:///{db}"}
    assert run_cli("db", "upgrade", env=env).returncode == 0
    built = run_cli("generate", "--scale", "0.0005", "--seed", "3", env=env)
    assert built.returncode == 0, built.stderr
    with sqlite3.connect(db) as conn:
        facility, patient = conn.execute(
            "SELECT registered_facility_id, id FROM patient WHERE registered_facility_id IS NOT NULL"
            " AND death_date IS NULL ORDER BY id LIMIT 1"
        ).fetchone()
        claims_before = conn.execute("SELECT count(*) FROM claim").fetchone()[0]
    day = (date.today() - timedelta(days=1)).isoformat()
    claim = {
        "identifier": "CLI-1", "facility_id": facility, "patient_id": patient, "diagnoses": ["J06.9"],
        "lines": [{"service_code": "PC001", "quantity": 1, "unit_price_minor": 1000, "service_date": day}],
    }  # fmt: skip
    good = tmp_path / "claims.ndjson"
    good.write_text(json.dumps(claim) + "\n", encoding="utf-8")
    imported = run_cli("claims", "import", str(good), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "1 new and judged" in imported.stdout
    again = run_cli("claims", "import", str(good), env=env)
    assert "1 already received" in again.stdout

    bad = tmp_path / "bad.ndjson"
    bad.write_text(
        json.dumps(claim | {"identifier": "CLI-2"})
        + "\n"
        + '{"identifier": "CLI-3", "lines": []}\n',
        encoding="utf-8",
    )
    refused = run_cli("claims", "import", str(bad), env=env)
    assert refused.returncode == 1 and "nothing was imported" in refused.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM claim").fetchone()[0] == claims_before + 1
    assert run_cli("claims", "import", str(tmp_path / "none.csv"), env=env).returncode == 1

    period = day[:7]
    batch = run_cli("claims", "adjudicate", "--period", period, env=env)
    assert batch.returncode == 0 and "lines/s" in batch.stdout
    early = run_cli("payments", "run", "--period", period, "--close", env=env)
    assert early.returncode == 1 and "before" in early.stderr  # the generated last month is open
    previous = (date.fromisoformat(f"{period}-01") - timedelta(days=1)).strftime("%Y-%m")
    assert run_cli("payments", "close", "--period", previous, env=env).returncode == 0
    paid = run_cli("payments", "run", "--period", period, "--close", env=env)
    assert paid.returncode == 0, paid.stderr
    assert f"{period} (closed)" in paid.stdout and "capitation" in paid.stdout
    closed = run_cli("payments", "run", "--period", period, env=env)
    assert closed.returncode == 1 and "closed" in closed.stderr
    bad_month = run_cli("payments", "run", "--period", "2026-13", env=env)
    assert bad_month.returncode == 1 and "YYYY-MM" in bad_month.stderr

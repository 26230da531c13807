from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from saglam.audit import service as audit
from saglam.audit.enums import Outcome
from saglam.audit.schemas import AuditQuery
from saglam.core.db import Database, make_engine
from saglam.core.errors import Forbidden
from saglam.core.security import Principal, Role
from saglam.migrations import runner
from tests.core.test_config import run_cli
from tests.factories import SYSTEM

CLERK = Principal.user(7, "clerk", Role.REGISTRATION_CLERK)


def _write(session: Session, n: int) -> None:
    for i in range(n):
        audit.record(session, SYSTEM, "read", "Patient", i, patient_id=i)
    session.commit()


def test_records_are_written_at_commit_and_chained(session: Session) -> None:
    before = audit.verify(session, SYSTEM).checked
    session.commit()  # the verification itself is recorded
    _write(session, 5)
    result = audit.verify(session, SYSTEM)
    assert result.ok and result.checked == before + 1 + 5


def test_rolled_back_actions_leave_no_record_but_denials_survive(database: Database) -> None:
    probe = Principal.system("rollback-probe")
    with pytest.raises(Forbidden), database.unit_of_work() as s:
        audit.record(s, probe, "create", "Patient", 1)
        audit.require(s, CLERK, "AuditEvent", "read")
    with database.unit_of_work() as s:
        denied = audit.search(s, SYSTEM, AuditQuery(actor_name="clerk", limit=10))
        probed = audit.search(s, SYSTEM, AuditQuery(actor_name="rollback-probe", limit=10))
    assert [(r.action, r.entity_type, r.outcome) for r in denied] == [
        ("read", "AuditEvent", Outcome.DENIED.value)
    ]
    assert probed == []


def test_reading_the_trail_is_itself_audited(session: Session) -> None:
    _write(session, 2)
    audit.search(session, SYSTEM, AuditQuery(patient_id=1))
    session.commit()
    rows = audit.search(session, SYSTEM, AuditQuery(entity_type="AuditEvent"))
    assert rows and rows[0].action == "search"


def test_non_admins_cannot_read_the_trail(session: Session) -> None:
    with pytest.raises(Forbidden):
        audit.search(session, CLERK, AuditQuery())


@pytest.fixture
def file_db(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    from saglam.core.config import parse_database_url

    runner.upgrade(parse_database_url(url))
    eng = make_engine(parse_database_url(url))
    with Database(eng).unit_of_work() as s:
        _write(s, 6)
    return eng


@pytest.mark.parametrize(
    ("tamper", "seq", "problem"),
    [
        ("UPDATE audit_record SET actor_name = 'mallory' WHERE seq = 3", 3, "edited"),
        ("DELETE FROM audit_record WHERE seq = 4", 5, "deleted"),
        ("DELETE FROM audit_record WHERE seq = 7", 7, "deleted at the end"),
        (
            "INSERT INTO audit_record (seq, at, actor_kind, actor_name, role, action,"
            " entity_type, outcome, prev_hash, hash) SELECT 8, at, actor_kind, actor_name,"
            " role, action, entity_type, outcome, hash, hash FROM audit_record WHERE seq = 7",
            8,
            "inserted",
        ),
    ],
)
def test_cli_verify_names_the_first_broken_record(
    file_db: Engine, tamper: str, seq: int, problem: str
) -> None:
    ok = run_cli("audit", "verify", env={"SAGLAM_DATABASE_URL": str(file_db.url)})
    assert ok.returncode == 0, ok.stderr
    assert "6 records verified" in ok.stdout  # the verification itself becomes record 7
    with file_db.begin() as conn:
        conn.execute(text(tamper))
    broken = run_cli("audit", "verify", env={"SAGLAM_DATABASE_URL": str(file_db.url)})
    assert broken.returncode == 1
    assert f"seq={seq}" in broken.stderr
    assert problem in broken.stderr

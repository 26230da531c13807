"""Record and read versions. Callers (domain services) have authorised the access already."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from saglam.history.models import EntityVersion
from saglam.history.schemas import VersionRead

_INSERT = insert(cast(Table, EntityVersion.__table__))


def snapshot(
    session: Session,
    entity_type: str,
    entity_id: int,
    version: int,
    data: dict[str, Any],
    at: datetime,
    *,
    deleted: bool = False,
) -> None:
    """Keep ``data`` as version ``version`` of the record (JSON-serialisable values). A plain
    insert on the session's connection: every change of a record comes through here."""
    session.connection().execute(
        _INSERT,
        {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "version": version,
            "recorded_at": at,
            "deleted": deleted,
            "data": data,
        },
    )


def version(session: Session, entity_type: str, entity_id: int, number: int) -> VersionRead | None:
    stmt = select(EntityVersion).where(
        EntityVersion.entity_type == entity_type,
        EntityVersion.entity_id == entity_id,
        EntityVersion.version == number,
    )
    row = session.execute(stmt).scalar_one_or_none()
    return VersionRead.model_validate(row) if row else None


def versions(session: Session, entity_type: str, entity_id: int) -> list[VersionRead]:
    """Every recorded version, newest first."""
    stmt = (
        select(EntityVersion)
        .where(EntityVersion.entity_type == entity_type, EntityVersion.entity_id == entity_id)
        .order_by(EntityVersion.version.desc())
    )
    return [VersionRead.model_validate(r) for r in session.execute(stmt).scalars()]

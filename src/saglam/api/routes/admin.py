"""Accounts, integration clients and the audit trail (admins)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from saglam.audit import service as audit
from saglam.audit.schemas import AuditQuery, AuditRead, VerifyResult
from saglam.auth import service as auth
from saglam.auth.schemas import ClientCreate, ClientRead, UserCreate, UserRead
from saglam.http.deps import PrincipalDep, SessionDep
from saglam.http.routing import UnitOfWorkRoute

router = APIRouter(tags=["admin"], route_class=UnitOfWorkRoute)


@router.get("/users", response_model=list[UserRead])
def list_users(session: SessionDep, actor: PrincipalDep) -> list[UserRead]:
    return auth.list_users(session, actor)


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(data: UserCreate, session: SessionDep, actor: PrincipalDep) -> UserRead:
    return auth.create_user(session, actor, data)


@router.post("/users/{username}/disable", response_model=UserRead)
def disable_user(username: str, session: SessionDep, actor: PrincipalDep) -> UserRead:
    return auth.set_user_active(session, actor, username, False)


@router.get("/clients", response_model=list[ClientRead])
def list_clients(session: SessionDep, actor: PrincipalDep) -> list[ClientRead]:
    return auth.list_clients(session, actor)


@router.post("/clients", status_code=201)
def create_client(
    data: ClientCreate, session: SessionDep, actor: PrincipalDep
) -> dict[str, object]:
    client, credentials = auth.create_client(session, actor, data)
    return {"client": client.model_dump(mode="json"), **credentials.model_dump()}


@router.get("/audit", response_model=list[AuditRead])
def search_audit(
    session: SessionDep,
    actor: PrincipalDep,
    actor_name: str | None = None,
    patient_id: int | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_seq: int | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[AuditRead]:
    query = AuditQuery(
        actor_name=actor_name,
        patient_id=patient_id,
        entity_type=entity_type,
        entity_id=entity_id,
        outcome=outcome,
        since=since,
        until=until,
        before_seq=before_seq,
        limit=limit,
    )
    return audit.search(session, actor, query)


@router.post("/audit/verify", response_model=VerifyResult)
def verify_audit(session: SessionDep, actor: PrincipalDep) -> VerifyResult:
    return audit.verify(session, actor)

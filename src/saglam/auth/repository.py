"""Every query of the auth domain. Flushes, never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from saglam.auth.models import ApiClient, LoginFailure, User, WebSession


def user_by_name(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def client_by_client_id(session: Session, client_id: str) -> ApiClient | None:
    return session.execute(
        select(ApiClient).where(ApiClient.client_id == client_id)
    ).scalar_one_or_none()


def client_by_id(session: Session, ident: int) -> ApiClient | None:
    return session.get(ApiClient, ident)


def clients(session: Session) -> list[ApiClient]:
    return list(session.execute(select(ApiClient).order_by(ApiClient.name)).scalars())


def count_failures(session: Session, keys: list[str], since: datetime) -> dict[str, int]:
    rows = session.execute(
        select(LoginFailure.key, func.count())
        .where(LoginFailure.key.in_(keys), LoginFailure.at >= since)
        .group_by(LoginFailure.key)
    ).all()
    return {str(key): int(count) for key, count in rows}


def add_failures(session: Session, keys: list[str], at: datetime) -> None:
    session.execute(insert(LoginFailure), [{"key": k, "at": at} for k in keys])


def clear_failures(session: Session, key: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.key == key))


def prune_failures(session: Session, before: datetime) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.at < before))


def web_session(session: Session, token_hash: str) -> WebSession | None:
    return session.get(WebSession, token_hash)


def delete_web_session(session: Session, token_hash: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))


def delete_user_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))

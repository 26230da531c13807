from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from saglam.core.security import Role


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=256)
    role: Role
    full_name: str = Field(default="", max_length=200)
    facility_ids: list[int] = Field(default_factory=list)
    territory_codes: list[str] = Field(default_factory=list)
    language: str = Field(default="az", pattern=r"^(az|en|ru)$")


class UserRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    username: str
    full_name: str
    role: Role
    facility_ids: list[int]
    territory_codes: list[str]
    active: bool
    language: str
    created_at: datetime
    last_login_at: datetime | None


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    scopes: str = Field(min_length=1, max_length=2000)
    facility_ids: list[int] = Field(default_factory=list)


class ClientRead(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    client_id: str
    name: str
    scopes: str
    facility_ids: list[int]
    active: bool
    created_at: datetime


class ClientCredentials(BaseModel):
    """Shown once, at creation."""

    model_config = ConfigDict(frozen=True)

    client_id: str
    client_secret: str


class Token(BaseModel):
    model_config = ConfigDict(frozen=True)

    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str


class WebSessionRead(BaseModel):
    model_config = ConfigDict(frozen=True)

    token: str
    csrf_token: str
    user: UserRead
    expires_at: datetime

"""What every HTTP transport needs from the running application."""

from __future__ import annotations

from dataclasses import dataclass

from saglam.auth.service import LoginPolicy
from saglam.auth.tokens import TokenIssuer
from saglam.core.config import Settings
from saglam.core.db import Database


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    database: Database
    tokens: TokenIssuer
    login_policy: LoginPolicy

    @classmethod
    def build(cls, settings: Settings, database: Database) -> AppContext:
        return cls(
            settings=settings,
            database=database,
            tokens=TokenIssuer(settings.signing_key, settings.token_ttl_seconds),
            login_policy=LoginPolicy(settings.login_max_failures, settings.login_window_seconds),
        )

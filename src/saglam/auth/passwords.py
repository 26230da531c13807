"""Password and secret hashing (argon2 via pwdlib)."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return _hasher.verify(password, hashed)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("dummy-password-for-unknown-users")


def burn_verification(password: str) -> None:
    """Spend the time a real verification takes, so unknown users cannot be told apart."""
    _hasher.verify(password, _dummy_hash())

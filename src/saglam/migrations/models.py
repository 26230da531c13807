"""Every domain's tables, imported for Alembic's metadata (the one sanctioned reach into models)."""

from saglam.audit import models as audit_models
from saglam.auth import models as auth_models
from saglam.core.db import Base

__all__ = ["Base", "audit_models", "auth_models"]

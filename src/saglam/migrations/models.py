"""Every domain's tables, imported for Alembic's metadata (the one sanctioned reach into models)."""

from saglam.audit import models as audit_models
from saglam.auth import models as auth_models
from saglam.care import models as care_models
from saglam.core.db import Base
from saglam.country import models as country_models
from saglam.facilities import models as facility_models
from saglam.history import models as history_models
from saglam.insurance import models as insurance_models
from saglam.patients import models as patient_models
from saglam.workforce import models as workforce_models

__all__ = [
    "Base", "audit_models", "auth_models", "care_models", "country_models", "facility_models",
    "history_models", "insurance_models", "patient_models", "workforce_models",
]  # fmt: skip

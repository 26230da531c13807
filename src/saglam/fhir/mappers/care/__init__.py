"""Encounter, Condition, Procedure, Observation, ServiceRequest, MedicationRequest ⇄ care records.
Importing this package registers their handlers."""

from saglam.fhir.mappers.care import (  # noqa: F401
    condition,
    encounter,
    medication_request,
    observation,
    procedure,
    service_request,
)
from saglam.fhir.mappers.care.common import CareHandler

__all__ = ["CareHandler"]

"""One mapper per resource type: FHIR JSON ⇄ domain services. Importing this package registers
them all."""

from saglam.fhir.mappers import (  # noqa: F401
    audit_event,
    care,
    device,
    insurance,
    location,
    organization,
    patient,
    practitioner,
)

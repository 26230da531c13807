"""Version history of records: every change's snapshot, for FHIR vread and _history."""

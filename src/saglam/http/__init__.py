"""HTTP plumbing shared by the native API, FHIR and the web UI: request ids, units of work,
bearer-token principals, body limits. Knows the domains only through their services."""

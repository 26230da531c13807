"""The FHIR R4 server (``/fhir``).

Routing, search, bundles, capability, and one mapper per resource type.
"""

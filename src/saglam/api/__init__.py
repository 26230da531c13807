"""The native JSON REST API (``/api``): thin routers over the domain services."""

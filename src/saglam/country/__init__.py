"""The country: its profile (data files) and its location hierarchy (country → region → district)."""

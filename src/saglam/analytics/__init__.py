"""National aggregates for dashboards (counts and sums only; never person-level data)."""

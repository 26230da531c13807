"""Health facilities: type, level, territory, beds, insurer contract, lifecycle, and equipment."""

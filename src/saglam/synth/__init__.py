"""The synthetic country: a realistic population, facilities, workforce (and later care and
claims) generated from a profile at any scale, deterministically for a seed."""

"""The master patient index: people, identifiers, search, duplicates, merge and unmerge."""

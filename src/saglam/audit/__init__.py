"""The append-only, hash-chained audit trail.

Who did what to which record, from where, and whether it was allowed.
"""

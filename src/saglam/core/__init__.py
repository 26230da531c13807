"""The kernel: configuration, database, errors, security principal and shared types.

Imports nothing else of saglam.
"""

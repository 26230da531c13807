"""Saglam: an open national health information system."""

__version__ = "0.1.0"

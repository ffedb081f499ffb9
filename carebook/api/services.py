"""Moved to carebook.accounts.tokens; this alias goes once bench/run.py imports from there."""

from carebook.accounts.tokens import token_create

__all__ = ["token_create"]

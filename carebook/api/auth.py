"""Moved to carebook.accounts.api_auth; this alias goes once carebook.fhir imports from there."""

from carebook.accounts.api_auth import request_user

__all__ = ["request_user"]

"""Endpoints of /api/v1, one router per app they serve (each could move to that app's api.py)."""

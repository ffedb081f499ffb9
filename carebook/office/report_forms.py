"""Kept for callers of the old path; the form lives in carebook.reports.forms."""

from carebook.reports.forms import ReportForm

__all__ = ["ReportForm"]

"""Triage: the priority rules and the responsibility zones that decide a new work order's
priority and owning team."""

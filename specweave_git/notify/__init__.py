"""Notifications: the record, its store in git notes, and the one-line terminal summary."""

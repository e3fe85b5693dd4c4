"""Sync with external trackers: the permission gate, the audit log, the engine and providers."""

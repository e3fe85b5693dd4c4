"""The dashboard: jobs, notifications, sync activity and the drift trend, three renderers."""

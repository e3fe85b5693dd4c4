"""Contract-validating fake servers (GitHub, and a generic base for Jira/ADO) over loopback."""

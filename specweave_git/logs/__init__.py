"""Local log files: naming, rotation and retention, and streaming query/stats/export."""

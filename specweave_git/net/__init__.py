"""HTTP for the trackers: one retrying, rate-limit-aware client and the GitHub REST calls."""

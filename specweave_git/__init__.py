"""specweave-git: keep specs honest against code, run from git."""

__version__ = "0.1.0"

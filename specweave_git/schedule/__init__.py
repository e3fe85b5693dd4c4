"""Scheduled jobs: the job model, due calculation, run-due with state in git, workflow rendering."""

"""`schedule render`: the scheduled workflow, its cron derived from the enabled jobs.

The one source of that workflow: `schedule render` writes it from the repository's
config, `init` writes it the same way, and the shipped template
(``specweave_git/templates/workflows/specweave-scheduled.yml``) is ``render_template()``:
what `schedule render` gives for the shipped config template in a repository named
``TEMPLATE_SEED``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..config.model import Config
from .model import JOBS

WORKFLOW_PATH = ".github/workflows/specweave-scheduled.yml"
TEMPLATE = "workflows/specweave-scheduled.yml"  # under specweave_git/templates/
CONFIG_TEMPLATE = "config.json"
TEMPLATE_SEED = "OWNER/REPO"  # the repository name the template's cron minute comes from
MIN_CRON_MINUTES = 5  # GitHub runs scheduled workflows at most every 5 minutes
# Steps a cron can repeat at evenly: divisors of 60 (minutes) and of 24 (hours).
_MINUTE_STEPS = (5, 6, 10, 12, 15, 20, 30)
_HOUR_STEPS = (1, 2, 3, 4, 6, 8, 12)
# Pinned by commit (zizmor's unpinned-uses); the comment names the release.
CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"
SETUP_PYTHON = "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0"
TIMEOUT_MINUTES = 30  # well under the stale-claim age, so a live run is never taken over


def enabled_intervals(config: Config) -> dict[str, int]:
    """job -> interval minutes, for the jobs the config enables."""
    found: dict[str, int] = {}
    for job, key in JOBS.items():
        settings = config.jobs.get(key)
        if settings is not None and settings.enabled:
            found[job] = settings.interval_minutes
    return found


def _seed_number(seed: str, modulo: int) -> int:
    return int(hashlib.sha256(seed.encode("utf-8")).hexdigest()[:8], 16) % modulo


def cron_for(interval_minutes: int, seed: str, minute: int | None = None) -> str:
    """A cron running at least as often as ``interval_minutes`` (never more often than
    every 5 minutes), never at minute 0 (GitHub's busiest time, when scheduled runs are
    delayed or dropped). The minute comes from ``seed`` (the repository's name), so
    repositories using this do not all start at once; ``minute`` pins it."""
    every = max(MIN_CRON_MINUTES, interval_minutes)
    if every < 60:
        step = max(s for s in _MINUTE_STEPS if s <= every)
        offset = minute % step if minute is not None else 1 + _seed_number(seed, step - 1)
        offset = offset or 1
        return f"{offset}-59/{step} * * * *"
    if minute is None:
        at = 1 + _seed_number(seed, 58)
        at = at if at % 15 else at + 1  # not on a quarter hour either: also busy
    else:
        at = minute or 1
    hours = every // 60
    if hours >= 24:
        hour = _seed_number(seed + "/hour", 24)
        return f"{at} {hour} * * *"
    step = max(s for s in _HOUR_STEPS if s <= hours)
    return f"{at} */{step} * * *" if step > 1 else f"{at} * * * *"


def workflow_seed(repo_root: Path, config: Config) -> str:
    """What the cron minute is derived from: the repository's GitHub name if known."""
    gh = config.sync.github
    if gh.owner and gh.repo:
        return f"{gh.owner}/{gh.repo}"
    return os.environ.get("GITHUB_REPOSITORY") or Path(repo_root).name


def template_config() -> Config:
    """The config ``init`` ships (``specweave_git/templates/config.json``)."""
    from importlib.resources import as_file, files

    from ..config.load import load_config

    resource = files("specweave_git") / "templates" / CONFIG_TEMPLATE
    with as_file(resource) as path:
        return load_config(path.parent, path=path)


def render_template(version: str | None = None) -> str:
    """The shipped scheduled workflow template: the shipped config rendered with
    ``TEMPLATE_SEED`` (``version`` defaults to this package's)."""
    from .. import __version__

    return render_workflow(template_config(), seed=TEMPLATE_SEED, version=version or __version__)


def _needs_issues(config: Config, intervals: dict[str, int]) -> bool:
    syncing = {"external-sync", "external-pull"} & set(intervals)
    return bool(syncing) and config.sync.github.enabled


def render_workflow(config: Config, *, seed: str, version: str, minute: int | None = None) -> str:
    """The workflow text. Every value reaches the shell through ``env:``, never through
    ``${{ }}`` inside ``run:`` (an input must not be able to inject shell code)."""
    intervals = enabled_intervals(config)
    shortest = min(intervals.values()) if intervals else 24 * 60
    cron = cron_for(shortest, seed, minute)
    if intervals:
        fastest = min(intervals, key=lambda job: intervals[job])
        cron_note = [
            f"# At least as often as the shortest enabled interval ({fastest}, {shortest} min;"
            " 5 min at least):",
            "# each job runs only when it is due (intervals in .specweave/config.json).",
        ]
    else:
        cron_note = ["# No job is enabled in the config: once a day, so catch-up still works."]
    header = [
        "# specweave-git: run the due scheduled jobs, or one job on demand. Written by",
        "# `specweave-git schedule render` (and `init`) from .specweave/config.json: render",
        "# again after changing the jobs. Schedule state lives in git (refs/specweave/state).",
    ]
    if not config.sync.orchestration.scheduler.enabled:
        header.append(
            "# sync.orchestration.scheduler.enabled is false: run-due runs nothing until it"
            " is true."
        )
    perms = ["      contents: write # push refs/specweave/state and refs/notes/specweave"]
    if _needs_issues(config, intervals):
        perms.append("      issues: write # sync increments with GitHub Issues")
    else:
        perms.insert(
            0, "      # `schedule render` adds `issues: write` once GitHub sync jobs are on."
        )
    options = "\n".join(f"          - {job}" for job in ("due", *JOBS))
    return "\n".join(
        [
            *header,
            "name: specweave-git scheduled",
            "",
            "on:",
            "  schedule:",
            *(f"    {line}" for line in cron_note),
            "    # GitHub may start a run late or skip it; run-due catches up (see the README).",
            f'    - cron: "{cron}"',
            "  workflow_dispatch:",
            "    inputs:",
            "      job:",
            '        description: "the job to run now (due: every job that is due)"',
            "        required: false",
            "        default: due",
            "        type: choice",
            "        options:",
            options,
            "",
            "# One run at a time; a due run never cancels the one still working.",
            "concurrency:",
            "  group: specweave-scheduled",
            "  cancel-in-progress: false",
            "",
            "permissions: {}",
            "",
            "env:",
            "  # What pip installs: a release, or git+https://github.com/OWNER/specweave-git@COMMIT.",
            f'  SPECWEAVE_GIT_REQUIREMENT: "specweave-git=={version}"',
            "",
            "jobs:",
            "  run-due:",
            "    name: due scheduled jobs",
            "    runs-on: ubuntu-latest",
            f"    timeout-minutes: {TIMEOUT_MINUTES}",
            "    permissions:",
            *perms,
            "    steps:",
            f"      - uses: {CHECKOUT}",
            "        with:",
            "          fetch-depth: 0",
            "          # specweave-git hands the token to git itself when it pushes its refs.",
            "          persist-credentials: false",
            f"      - uses: {SETUP_PYTHON}",
            "        with:",
            '          python-version: "3.11"',
            "      - name: Install specweave-git",
            "        run: python -m pip install --disable-pip-version-check"
            ' "$SPECWEAVE_GIT_REQUIREMENT"',
            "      - name: Run the due jobs",
            "        env:",
            "          JOB: ${{ inputs.job }}",
            "          GITHUB_TOKEN: ${{ github.token }}",
            "        run: |",
            '          if [ -z "$JOB" ] || [ "$JOB" = due ]; then',
            "            specweave-git schedule run-due",
            "          else",
            '            specweave-git schedule run "$JOB"',
            "          fi",
            "",
        ]
    )

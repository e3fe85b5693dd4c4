"""Shared helpers for the benchmark scripts: timing in one run, git repos, the CLI."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

GIT_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}
# The tool must see a plain user context whatever shell runs the benchmark, and Python
# must cache bytecode as it does on a developer's machine (some sandboxes disable it).
for var in ("CI", "GITHUB_ACTIONS", "PRE_COMMIT", "SPECWEAVE_CONTEXT", "PYTHONDONTWRITEBYTECODE"):
    GIT_ENV.pop(var, None)


def cli() -> list[str]:
    """The installed console script (what a hook runs), else `python -m specweave_git`."""
    script = Path(sys.executable).with_name("specweave-git")
    if script.exists():
        return [str(script)]
    found = shutil.which("specweave-git")
    return [found] if found else [sys.executable, "-m", "specweave_git"]


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, env=GIT_ENV, check=True, capture_output=True, text=True
    ).stdout


def time_cmd(
    cmd: Sequence[str],
    cwd: Path,
    runs: int,
    env: dict[str, str] | None = None,
    ok_codes: tuple[int, ...] = (0, 1),
) -> tuple[float, list[float]]:
    """Median wall time in ms of `cmd` over `runs` runs (after one warm-up)."""
    samples = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(list(cmd), cwd=cwd, env=env or GIT_ENV, capture_output=True)
        dt = (time.perf_counter() - t0) * 1000
        if proc.returncode not in ok_codes:
            raise SystemExit(
                f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr.decode()[-2000:]}"
            )
        if i:  # the first run is a warm-up (file cache, parse cache)
            samples.append(dt)
    return statistics.median(samples), samples

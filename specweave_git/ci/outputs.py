"""Step outputs (``$GITHUB_OUTPUT``) and the job summary (``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path

from ..errors import UsageError


def output_record(name: str, value: str) -> str:
    """One ``$GITHUB_OUTPUT`` entry: ``name=value``, or the heredoc form for a value with a
    line break, with a random delimiter the value does not contain (as @actions/core)."""
    if not name or any(c in name for c in "=\r\n<"):
        raise ValueError(f"invalid output name {name!r}")
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    while True:
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        if delimiter not in value:
            break
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def _append(path: Path, text: str, variable: str) -> None:
    try:
        with path.open("a", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except OSError as e:
        raise UsageError(f"cannot append to {variable} ({e.strerror or e})", file=str(path)) from e


def write_outputs(env: Mapping[str, str], values: Mapping[str, str]) -> Path | None:
    """Append ``values`` to the file ``GITHUB_OUTPUT`` names; None when it is not set
    (not in Actions): nothing is written then."""
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return None
    path = Path(target)
    _append(path, "".join(output_record(k, v) for k, v in values.items()), "GITHUB_OUTPUT")
    return path


def append_summary(env: Mapping[str, str], markdown: str) -> Path | None:
    """Append ``markdown`` to the job summary; None when ``GITHUB_STEP_SUMMARY`` is not set."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    _append(path, markdown if markdown.endswith("\n") else markdown + "\n", "GITHUB_STEP_SUMMARY")
    return path

"""Builders shared by the sync tests and the steady-state benchmark: a SpecWeave
repository with N user stories, and a config that lets the gate write."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ALL_ALLOWED: dict[str, Any] = {
    "settings": {
        "canUpsertInternalItems": True,
        "canUpdateExternalItems": True,
        "canUpdateStatus": True,
    },
    "orchestration": {
        "permissions": {"github": {"canRead": True, "canUpsert": True, "canUpdateStatus": True}}
    },
}


def config(owner: str = "acme", repo: str = "widgets", **sync: Any) -> dict[str, Any]:
    base: dict[str, Any] = json.loads(json.dumps(ALL_ALLOWED))
    base["github"] = {"enabled": True, "owner": owner, "repo": repo}
    for key, value in sync.items():
        base[key] = value
    return {"sync": base}


def story_file(feature: str, n: int, *, status: str = "active", extra: str = "") -> str:
    sid = f"US-{n:03d}"
    return (
        "---\n"
        f"id: {sid}\n"
        f"feature: {feature}\n"
        f'title: "Story number {n}"\n'
        f"status: {status}\n"
        "priority: P1\n"
        f"{extra}"
        "---\n\n"
        f"# {sid}: Story number {n}\n\n"
        f"**As a** user\n**I want** thing {n}\n**So that** it works\n\n"
        "## Acceptance Criteria\n\n"
        f"- [x] **AC-US{n}-01**: first criterion of {n}\n"
        f"- [ ] **AC-US{n}-02**: second criterion of {n}\n\n"
        "## Tasks\n\n"
        f"- [x] **T-{n:03d}**: do the work for {n}\n"
    )


def feature_file(feature: str, title: str = "Widgets", status: str = "active") -> str:
    return f'---\nid: {feature}\ntitle: "{title}"\nstatus: {status}\n---\n\n# {feature}: {title}\n'


def write_repo(
    root: Path,
    stories: int,
    *,
    features: int = 1,
    cfg: dict[str, Any] | None = None,
    status: str = "active",
) -> Path:
    """A git repository with living docs only (no increments): ``features`` features
    sharing ``stories`` user stories, and ``.specweave/config.json``."""
    root.mkdir(parents=True, exist_ok=True)
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    specs = root / ".specweave/docs/internal/specs/widgets"
    for f in range(1, features + 1):
        fid = f"FS-{f:03d}"
        d = specs / fid
        d.mkdir(parents=True, exist_ok=True)
        (d / "FEATURE.md").write_text(feature_file(fid, f"Feature {f}"), encoding="utf-8")
    for n in range(1, stories + 1):
        fid = f"FS-{(n - 1) % features + 1:03d}"
        path = specs / fid / f"us-{n:03d}-story-{n}.md"
        path.write_text(story_file(fid, n, status=status), encoding="utf-8")
    (root / ".specweave/config.json").write_text(json.dumps(cfg or config()), encoding="utf-8")
    return root


def set_status(root: Path, feature: str, n: int, status: str) -> Path:
    path = root / f".specweave/docs/internal/specs/widgets/{feature}/us-{n:03d}-story-{n}.md"
    text = path.read_text(encoding="utf-8")
    lines = [
        f"status: {status}" if line.startswith("status:") else line for line in text.split("\n")
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path

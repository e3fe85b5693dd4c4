"""Living docs show a status a tracker pull recorded in metadata.json until the specs move on."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from specweave_git.gitio.repo import open_repo
from specweave_git.sync.items import Item
from specweave_git.sync.livedocs import sync_living_docs
from specweave_git.sync.livedocs_pulled import Pulled, read_pulled, shown_status
from specweave_git.sync.pull_write import write_status
from tests.conftest import Repo
from tests.fakes.github import FakeGitHub
from tests.sync_support import config
from tests.test_sync_pull import OLD, commit, sync

DOCS = ".specweave/docs/internal/specs/default/FS-001"
FEATURE = f"{DOCS}/FEATURE.md"
STORY = f"{DOCS}/us-001-manage-users.md"
INC = ".specweave/increments/0001-users-api"
TODAY = dt.date(2026, 3, 1)

SPEC = """---
title: Users API
status: active
---

### US-001: Manage users

- [x] **AC-US1-01**: fetch a user
- [ ] **AC-US1-02**: create a user
"""
# Derived: one criterion done of two -> "in-progress" (a tracker's "active").
DONE_SPEC = SPEC.replace("- [ ] **AC-US1-02**", "- [x] **AC-US1-02**")  # -> "completed"
UNTOUCHED_SPEC = SPEC.replace("- [x] **AC-US1-01**", "- [ ] **AC-US1-01**")  # -> "not-started"


def pulled(status: str, spec: str, at: str) -> dict[str, str]:
    return {"status": status, "specStatus": spec, "statusPulledAt": at}


def links(**platforms: dict[str, Any]) -> dict[str, Any]:
    return {p: {"userStories": {"US-001": rec}} for p, rec in platforms.items()}


def frontmatter_status(text: str) -> str:
    line = next(ln for ln in text.splitlines() if ln.startswith("status:"))
    return line.split(":", 1)[1].strip().strip('"')


def write_increment(repo: Repo, spec: str, external: dict[str, Any] | None) -> None:
    meta: dict[str, Any] = {"status": "active", "lastActivity": "2026-02-01T00:00:00Z"}
    if external is not None:
        meta["externalLinks"] = external
    repo.write(f"{INC}/spec.md", spec)
    repo.write(f"{INC}/metadata.json", json.dumps(meta, indent=2) + "\n")


@pytest.mark.parametrize(
    ("spec", "external", "expected"),
    [
        # no pull: the increments' status
        (SPEC, None, "in-progress"),
        (SPEC, {"github": {"userStories": {"US-001": {"issue": 7}}}}, "in-progress"),
        # pulled, specs unchanged since: the pulled status
        (SPEC, links(github=pulled("completed", "active", "2026-02-02T00:00:00Z")), "completed"),
        # pulled when the specs said "not started"; they moved on since: derived wins
        (
            SPEC,
            links(github=pulled("completed", "planning", "2026-02-02T00:00:00Z")),
            "in-progress",
        ),
        (DONE_SPEC, links(github=pulled("paused", "active", "2026-02-02T00:00:00Z")), "completed"),
        (
            UNTOUCHED_SPEC,
            links(github=pulled("paused", "planning", "2026-02-02T00:00:00Z")),
            "paused",
        ),
        # two trackers pulled at different times: the latest pull wins, whatever its name
        (
            SPEC,
            links(
                github=pulled("completed", "active", "2026-02-02T00:00:00Z"),
                jira=pulled("paused", "active", "2026-02-03T00:00:00Z"),
            ),
            "paused",
        ),
        (
            SPEC,
            links(
                github=pulled("completed", "active", "2026-02-04T00:00:00Z"),
                jira=pulled("paused", "active", "2026-02-03T00:00:00Z"),
            ),
            "completed",
        ),
        # the later pull was taken against specs that have moved on since: the earlier holds
        (
            SPEC,
            links(
                ado=pulled("abandoned", "planning", "2026-02-05T00:00:00Z"),
                github=pulled("completed", "active", "2026-02-02T00:00:00Z"),
            ),
            "completed",
        ),
        # a record that is not a pulled status is nothing to show
        (SPEC, links(github=pulled("bogus", "active", "2026-02-02T00:00:00Z")), "in-progress"),
        (SPEC, links(github={"status": "completed"}), "in-progress"),
        (SPEC, {"github": {"userStories": {"US-001": "closed"}}}, "in-progress"),
        (
            SPEC,
            links(github=pulled("completed", "active", "2026-02-02T00:00:00Z")) | {"jira": "USR-7"},
            "completed",
        ),
    ],
)
def test_a_pulled_status_is_shown_until_the_specs_move(
    repo: Repo, spec: str, external: dict[str, Any] | None, expected: str
) -> None:
    write_increment(repo, spec, external)
    first = sync_living_docs(repo.path, None, today=TODAY)
    assert first.created == (FEATURE, STORY)
    story = (repo.path / STORY).read_text(encoding="utf-8")
    assert frontmatter_status(story) == expected
    assert f"**Status**: {expected}\n" in story
    assert f"| {expected} |" in (repo.path / FEATURE).read_text(encoding="utf-8")
    # Deterministic and idempotent: a second run writes nothing.
    again = sync_living_docs(repo.path, None, today=dt.date(2030, 1, 1))
    assert (again.created, again.updated) == ((), ())


def test_the_specs_moving_on_after_a_pull_takes_the_status_back(repo: Repo) -> None:
    write_increment(repo, SPEC, links(github=pulled("paused", "active", "2026-02-02T00:00:00Z")))
    sync_living_docs(repo.path, None, today=TODAY)
    assert frontmatter_status((repo.path / STORY).read_text()) == "paused"
    repo.write(f"{INC}/spec.md", DONE_SPEC)  # the work is finished: the specs moved
    result = sync_living_docs(repo.path, None, today=TODAY)
    assert STORY in result.updated
    assert frontmatter_status((repo.path / STORY).read_text()) == "completed"


@pytest.mark.parametrize(
    ("feature_record", "expected"),
    [
        (None, "active"),
        (pulled("completed", "active", "2026-02-02T00:00:00Z"), "completed"),
        (pulled("completed", "planning", "2026-02-02T00:00:00Z"), "active"),
    ],
)
def test_a_features_pulled_status_is_shown_in_feature_md(
    repo: Repo, feature_record: dict[str, str] | None, expected: str
) -> None:
    write_increment(
        repo, SPEC, None if feature_record is None else {"github": {"feature": feature_record}}
    )
    sync_living_docs(repo.path, None, today=TODAY)
    assert frontmatter_status((repo.path / FEATURE).read_text()) == expected


@pytest.mark.parametrize(
    ("records", "derived", "expected"),
    [
        ([], "in-progress", "in-progress"),
        ([Pulled("github", "US-001", "completed", "active", "1")], "In progress", "completed"),
        ([Pulled("github", "US-001", "completed", "active", "1")], "paused", "paused"),
        # one platform's latest pull stands for it, even when an older one would match
        (
            [
                Pulled("github", "US-001", "completed", "active", "1"),
                Pulled("github", "US-001", "paused", "planning", "2"),
            ],
            "active",
            "active",
        ),
    ],
)
def test_shown_status_table(records: list[Pulled], derived: str, expected: str) -> None:
    assert shown_status(derived, records) == expected


def test_read_pulled_keeps_only_status_records() -> None:
    meta = {
        "externalLinks": {
            "jira": {"key": "USR-7", "feature": pulled("completed", "active", "t")},
            "github": {"userStories": {"US-002": pulled("paused", "active", "u"), "US-001": {}}},
            "ado": [],
        }
    }
    assert read_pulled(meta) == (
        Pulled("github", "US-002", "paused", "active", "u"),
        Pulled("jira", "", "completed", "active", "t"),
    )


def test_a_second_pull_records_the_increments_status_not_the_files(repo: Repo) -> None:
    """The file shows an earlier pull's status; the next pull must record what the
    increments give as specStatus, or the living docs would drop the new pull."""
    write_increment(repo, SPEC, links(github=pulled("completed", "active", "2026-02-02T00:00:00Z")))
    sync_living_docs(repo.path, None, today=TODAY)
    item = Item("story", "FS-001/US-001", "US-001", "FS-001", "Manage users", "completed",
                path=STORY, increments=("0001-users-api",))  # fmt: skip
    written, problems = write_status(
        open_repo(repo.path), item, "github", "paused", "2026-02-03T00:00:00Z"
    )
    assert (written, problems) == ([f"{INC}/metadata.json"], [])
    meta = json.loads((repo.path / INC / "metadata.json").read_text())
    assert meta["externalLinks"]["github"]["userStories"]["US-001"] == pulled(
        "paused", "active", "2026-02-03T00:00:00Z"
    )
    sync_living_docs(repo.path, None, today=TODAY)
    assert frontmatter_status((repo.path / STORY).read_text()) == "paused"


def test_pull_then_living_docs_then_push_against_github(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = tmp_path / "r"
    shutil.copytree(Path(__file__).parent / "fixtures" / "specweave-repo", root)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / ".specweave/config.json").write_text(json.dumps(config()))
    sync(root, fake_github, living_docs=True)
    commit(root, "synced", OLD)
    (story_path,) = root.rglob("us-003-*.md")
    assert frontmatter_status(story_path.read_text()) == "In progress"
    issue = next(i for i in fake_github.issues.values() if "[US-003]" in i["title"])
    # Closed on GitHub by someone who also set the status labels, as a push would.
    fake_github._set_state(issue, "closed", "completed")
    kept = [lbl for lbl in issue["labels"] if lbl["name"] not in ("in-progress", "status:active")]
    issue["labels"] = [*kept, fake_github._label("status:completed")]
    issue["updated_at"] = fake_github._now()

    report = sync(root, fake_github, direction="pull", living_docs=True)
    assert [r.key for r in report.platforms[0].items if r.outcome == "pulled"] == ["FS-001/US-003"]
    docs = sync_living_docs(root, None)
    assert docs.updated and frontmatter_status(story_path.read_text()) == "completed"
    assert "**Status**: completed" in story_path.read_text()

    writes = fake_github.writes
    report = sync(root, fake_github, direction="push", living_docs=True)
    assert not report.failed
    assert report.living_docs == {"created": [], "updated": []}
    assert fake_github.writes == writes
    assert issue["state"] == "closed"
    assert frontmatter_status(story_path.read_text()) == "completed"

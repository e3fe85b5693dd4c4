"""Desired state from the specs, and how the GitHub provider renders and reads it back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from specweave_git.config.load import load_config
from specweave_git.sync.items import Check, Item, normalise_status, read_desired, split_priority
from specweave_git.sync.providers import github_render as gr

FIXTURE = Path(__file__).parent / "fixtures" / "specweave-repo"


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("completed", "completed"),
        ("In progress", "active"),
        ("in-progress", "active"),
        ("✅ done", "completed"),
        ("on-hold", "paused"),
        ("cancelled", "abandoned"),
        ("planned", "planning"),
        ("whatever", None),
        (None, None),
    ],
)
def test_statuses_are_normalised(word: str | None, status: str | None) -> None:
    assert normalise_status(word) == status


@pytest.mark.parametrize(
    ("title", "expected"),
    [("Create users (P1)", ("Create users", "P1")), ("Plain", ("Plain", None))],
)
def test_priority_suffix(title: str, expected: tuple[str, str | None]) -> None:
    assert split_priority(title) == expected


def test_desired_state_of_the_fixture_repository(tmp_path: Path) -> None:
    root = tmp_path / "r"
    shutil.copytree(FIXTURE, root)
    desired = read_desired(root)
    rows = [
        (i.kind, i.key, i.title, i.status, i.priority, len(i.criteria), i.increments)
        for i in desired.items
    ]
    assert rows == [
        ("feature", "FS-001", "User management", "active", "P1", 0, ("0001-user-api", "0002-user-roles")),  # noqa: E501
        ("story", "FS-001/US-001", "Create users", "completed", "P1", 3, ("0001-user-api",)),
        ("story", "FS-001/US-002", "Read users", "completed", "P1", 2, ("0001-user-api",)),
        ("story", "FS-001/US-003", "Assign roles", "active", "P2", 2, ("0002-user-roles",)),
    ]  # fmt: skip
    us1 = desired.by_key()["FS-001/US-001"]
    assert us1.external == {
        "github.issue": "13",
        "github.url": "https://github.com/acme/users/issues/13",
    }
    assert us1.tasks == (
        Check("T-001", "Add the User model", True),
        Check("T-002", "Add POST /api/users", False),
    )
    assert us1.narrative[0] == "**As a** client developer"
    # US-003 lives only in increment 0002's spec.md: its tasks come from its tasks.md.
    assert desired.by_key()["FS-001/US-003"].path is None


def _story(**kw: object) -> Item:
    base: dict[str, object] = {
        "kind": "story",
        "key": "FS-002/US-004",
        "id": "US-004",
        "feature": "FS-002",
        "title": "Export",
        "status": "active",
        "priority": "P2",
        "criteria": (Check("AC-US4-01", "CSV", True),),
        "tasks": (Check("T-009", "Write it", False),),
        "path": "docs/us-004.md",
    }
    base.update(kw)
    return Item(**base)  # type: ignore[arg-type]


STATUSES = gr.StatusMap.from_config(load_config(FIXTURE).sync.status_sync.mappings["github"])


@pytest.mark.parametrize(
    ("status", "state", "labels"),
    [
        ("planning", "open", ["status:planning"]),
        ("active", "open", ["in-progress", "status:active"]),
        ("paused", "open", ["paused", "status:paused"]),
        ("completed", "closed", ["status:completed"]),
        ("abandoned", "closed", ["status:abandoned", "wontfix"]),
    ],
)
def test_status_maps_to_state_and_labels(status: str, state: str, labels: list[str]) -> None:
    r = gr.render(_story(status=status), STATUSES)
    assert r.status == {"state": state, "labels": labels}


def test_a_story_renders_as_spec_weave_formats_it() -> None:
    r = gr.render(_story(), STATUSES)
    assert r.content["title"] == "[FS-002][US-004] Export"
    assert r.content["labels"] == ["priority:p2", "specweave", "user-story"]
    assert r.content["milestone"] == "FS-002"
    body = r.content["body"]
    assert body.splitlines()[:2] == [
        "<!-- specweave:FS-002/US-004 -->",
        "**Feature**: FS-002 · **Priority**: P2",
    ]
    assert "- [x] **AC-US4-01**: CSV" in body and "- [ ] **T-009**: Write it" in body
    assert gr.marker_key(body) == "FS-002/US-004"


STATUS_LABELS = ("in-progress", "status:active")
CONTENT = ("specweave", "user-story")


def test_an_issue_made_from_a_rendering_reads_back_equal() -> None:
    """What GitHub answers for what we sent hashes like what we sent: no write next run."""
    r = gr.render(_story(), STATUSES)
    issue = {
        "number": 5,
        "html_url": "https://github.example.test/acme/widgets/issues/5",
        "updated_at": "2026-01-01T00:00:05Z",
        "title": r.content["title"],
        "body": r.content["body"].replace("\n", "\r\n"),
        "state": "open",
        "labels": [{"name": n} for n in ["bug", "Priority:P2", *CONTENT, *STATUS_LABELS]],
        "milestone": {"number": 2},
    }  # fmt: skip
    remote = gr.remote_issue(issue, {2: "FS-002"}, STATUSES)
    assert remote.key == "FS-002/US-004"
    assert remote.rendering is not None
    assert remote.rendering.hash("content") == r.hash("content")
    assert remote.rendering.hash("status") == r.hash("status")
    names = ["bug", "Priority:P2", "status:active", "in-progress"]
    assert gr.keep_labels(names, STATUSES, content=True) == ["bug", "status:active", "in-progress"]
    assert gr.keep_labels(names, STATUSES, content=False) == ["bug", "Priority:P2"]


@pytest.mark.parametrize(
    ("issue", "key"),
    [
        ({"title": "x", "body": "<!-- specweave:FS-001/US-002 -->\nb"}, "FS-001/US-002"),
        ({"title": "[FS-003][US-010] Made by SpecWeave", "body": None}, "FS-003/US-010"),
        ({"title": "A bug", "body": "no marker"}, None),
    ],
)
def test_issue_keys_by_marker_then_title(issue: dict[str, object], key: str | None) -> None:
    assert gr.issue_key(issue) == key

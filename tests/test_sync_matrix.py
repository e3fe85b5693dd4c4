"""The same idempotency, fault, kill -9, concurrency and redaction tests for every tracker."""

# Each test runs once per platform (github, jira, ado) against its contract-validating
# fake, through the adapters of tests/sync_matrix_support.py. What "closed as a duplicate"
# means per tracker is documented there.

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.sync_matrix_support import (
    PLATFORMS,
    Platform,
    dead_duplicates_ok,
    existing_refs,
    git,
    reachable_objects,
    text_of,
)
from tests.sync_support import set_status, write_repo

if TYPE_CHECKING:
    from specweave_git.sync.report import SyncReport

NOTES = "refs/notes/specweave"
STATE = "refs/specweave/state"


@pytest.fixture(params=list(PLATFORMS), ids=list(PLATFORMS))
def tracker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    """One platform with its fake started and its variables set; fails the test if a
    request or an answer broke the contract or the fake crashed."""
    platform = PLATFORMS[request.param]()
    with platform.started():
        for name, value in platform.env().items():
            monkeypatch.setenv(name, value)
        yield platform
    assert platform.problems() == []


def keys(stories: int, features: int) -> list[str]:
    """The SpecWeave keys ``write_repo`` makes: its features and their stories."""
    out = [f"FS-{f:03d}" for f in range(1, features + 1)]
    out += [f"FS-{(n - 1) % features + 1:03d}/US-{n:03d}" for n in range(1, stories + 1)]
    return sorted(out)


def summary(report: SyncReport) -> dict[str, int]:
    return {k: v for k, v in report.platforms[0].summary().items() if v}


def outbox(root: Path, platform: str) -> dict[str, object]:
    data = json.loads(git(root, "show", f"{STATE}:sync/{platform}/outbox.json"))
    return dict(data["entries"])


def exactly_once(tracker: Platform, expected: list[str]) -> dict[str, object]:
    """Every key has exactly one item at the tracker, live (none made twice); key -> id."""
    found = tracker.items()
    assert sorted(found) == expected
    twice = {k: v for k, v in found.items() if len(v) != 1}
    assert twice == {}, f"made more than once: {twice}"
    assert all(alive for ((_, alive),) in found.values())
    return {k: v[0][0] for k, v in found.items()}


def finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{out}\n{err}"
    return out, err


def test_first_run_creates_everything_second_writes_nothing_third_is_steady(
    tracker: Platform, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 4, features=2, cfg=tracker.config())
    assert summary(tracker.sync(root)) == {"created": 6}
    ids = exactly_once(tracker, keys(4, 2))
    assert tracker.recorded(root) == ids
    writes = tracker.writes()
    assert summary(tracker.sync(root)) == {"unchanged": 6}
    assert tracker.writes() == writes
    mark = len(tracker.fake.requests)
    third = tracker.sync(root)
    made = len(tracker.fake.requests) - mark
    assert summary(third) == {"unchanged": 6}
    assert made <= tracker.steady
    assert third.platforms[0].requests == made  # the report counts what the fake saw
    assert tracker.writes() == writes
    assert outbox(root, tracker.name) == {}
    assert tracker.fake.invalid == []


def test_5xx_429_and_a_lost_answer_lose_nothing_and_duplicate_nothing(
    tracker: Platform, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 5, features=2, cfg=tracker.config())
    tracker.rate_limit_listing(retry_after="1")
    tracker.lost_create_answer(delay=0.6)  # made at the tracker after the client gave up
    tracker.fake.server.set_error_rate(0.3, 502)  # seeded: the same faults every run
    runs = []
    for _ in range(12):
        report = tracker.sync(root, http={"timeout": 0.3, "retries": 2})
        runs.append(report.failed)
        if not report.failed:
            break
    tracker.fake.server.set_error_rate(0.0)
    assert runs[-1] is False, f"still failing after {len(runs)} runs"
    assert len(runs) >= 2  # the faults did bite
    assert 1.0 in tracker.fake.sleeps  # the 429's Retry-After was honoured
    ids = exactly_once(tracker, keys(5, 2))
    assert tracker.recorded(root) == ids  # every id written back
    writes = tracker.writes()
    assert summary(tracker.sync(root)) == {"unchanged": 7}
    assert tracker.writes() == writes
    assert outbox(root, tracker.name) == {}
    assert tracker.fake.invalid == []


def test_kill_9_while_a_create_is_answered_then_a_rerun_duplicates_nothing(
    tracker: Platform, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 4, features=1, cfg=tracker.config())
    args = ("--push", "--budget", "1000", "--no-living-docs")
    with tracker.hold_story_create(2) as holding:
        proc = tracker.cli(root, *args)
        assert holding.wait(30), proc.communicate()
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    stories = [k for k in tracker.items() if "/" in k]
    assert len(stories) == 2  # really mid-run: 2 of 4 made, the second's answer never read
    assert len([k for k in tracker.recorded(root) if "/" in k]) < 2
    finish(tracker.cli(root, *args))
    ids = exactly_once(tracker, keys(4, 1))
    assert tracker.recorded(root) == ids
    assert outbox(root, tracker.name) == {}
    assert tracker.fake.invalid == []


def test_two_runs_at_once_in_one_clone_make_no_duplicate(tracker: Platform, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "r", 5, features=1, cfg=tracker.config())
    tracker.fake.server.delay = 0.01
    runs = [tracker.cli(root, "--no-living-docs") for _ in range(2)]
    for run in runs:
        finish(run)
    ids = exactly_once(tracker, keys(5, 1))  # the run lock: none made, then closed
    assert tracker.recorded(root) == ids
    assert tracker.fake.invalid == []


def state(root: Path, action: str) -> None:
    cmd = [sys.executable, "-m", "specweave_git", "state", action, "--repo", str(root)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_two_clones_of_one_origin_at_once_keep_one_live_item_per_story(
    tracker: Platform, tmp_path: Path
) -> None:
    """No tracker has a conditional create: two clones racing may both create; every
    later run keeps the oldest and closes the others the tracker's way."""
    src = write_repo(tmp_path / "src", 4, features=1, cfg=tracker.config())
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "specs")
    git(tmp_path, "clone", "-q", "--bare", str(src), "origin.git")
    clones = [tmp_path / "a", tmp_path / "b"]
    for clone in clones:
        git(tmp_path, "clone", "-q", "origin.git", clone.name)
    tracker.fake.server.delay = 0.01
    runs = [tracker.cli(clone, "--no-living-docs") for clone in clones]
    racing = [(run.communicate(timeout=60)[0], run.returncode) for run in runs]
    for clone in clones:  # what the Action does after a sync
        state(clone, "push")
    for clone in clones:  # the follow-up run, one after the other
        state(clone, "pull")
        finish(tracker.cli(clone, "--no-living-docs"))
        state(clone, "push")
    live = tracker.live()
    assert sorted(live) == keys(4, 1)
    assert {k: len(v) for k, v in live.items()} == {k: 1 for k in keys(4, 1)}
    assert dead_duplicates_ok(tracker) == []
    ids = {k: v[0] for k, v in live.items()}
    assert [tracker.recorded(clone) for clone in clones] == [ids, ids]
    assert tracker.fake.invalid == []
    # Losing the race is not a failure: neither racing run may exit 1.
    assert [code for _, code in racing] == [0, 0], "\n".join(out for out, _ in racing)
    # A kept story must not stay under a feature that was closed as a duplicate.
    parents = {k: tracker.parent_of(v) for k, v in ids.items() if "/" in k}
    assert parents == {k: ids["FS-001"] for k in parents}, "stories under a duplicate"


def test_a_status_another_run_set_meanwhile_is_not_a_failure(
    tracker: Platform, tmp_path: Path
) -> None:
    """What two clones racing do to each other's status writes, made deterministic:
    between this run's listing and its status write another run completes the story."""
    root = write_repo(tmp_path / "r", 2, features=1, cfg=tracker.config())
    tracker.sync(root)
    story = tracker.live()["FS-001/US-001"][0]
    set_status(root, "FS-001", 1, "completed")
    with tracker.completed_meanwhile(story) as hit:
        report = tracker.sync(root)
    assert len(hit) == 1  # the other run did get in between
    failed = [(r.key, r.reason) for r in report.platforms[0].items if r.outcome == "failed"]
    assert failed == []
    writes = tracker.writes()
    assert summary(tracker.sync(root)) == {"unchanged": 3}
    assert tracker.writes() == writes
    assert tracker.fake.invalid == []


@pytest.mark.parametrize("tracker", ["jira", "ado"], indirect=True)
def test_stories_follow_the_kept_feature_when_an_older_duplicate_appears(
    tracker: Platform, tmp_path: Path
) -> None:
    """What two clones racing leave behind, made deterministic: this clone created the
    feature and its stories; an older item for the feature (the other clone's) shows up.
    The older is kept, ours is closed as a duplicate, and our stories must move under the
    kept one. (GitHub cannot get here: it refuses a second milestone of the same title.)"""
    root = write_repo(tmp_path / "r", 2, features=1, cfg=tracker.config())
    older = tracker.seed_unlisted_feature("FS-001", "FS-001: Feature 1")
    assert summary(tracker.sync(root)) == {"created": 3}
    ours = tracker.live()["FS-001"][0]
    tracker.list_feature(older)
    assert tracker.sync(root).platforms[0].duplicates_closed == 1
    tracker.sync(root)  # a follow-up run, as in the two-clones test
    live = tracker.live()
    assert live["FS-001"] == [older]
    assert dead_duplicates_ok(tracker) == []
    parents = {k: tracker.parent_of(v[0]) for k, v in live.items() if "/" in k}
    assert parents == {"FS-001/US-001": older, "FS-001/US-002": older}, f"ours was {ours}"
    assert tracker.fake.invalid == []


def test_the_secrets_never_reach_output_logs_audit_state_or_notes(
    tracker: Platform, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 3, cfg=tracker.config())
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "specs")  # a conflict's note needs a commit
    tracker.fake.server.fail_next(1, 502, match=tracker.create_match)
    env = {"SPECWEAVE_CONTEXT": "ci"}  # the audit trail also goes to the state ref
    outputs: list[str] = []
    for args in (("-v",), ("--format", "json"), ("--dry-run",)):
        outputs += tracker.cli(root, *args, env=env).communicate(timeout=60)
    # A conflict (both sides changed) is a notification in refs/notes/specweave.
    tracker.retitle("FS-001/US-001", "Renamed at the tracker")
    story = root / ".specweave/docs/internal/specs/widgets/FS-001/us-001-story-1.md"
    story.write_text(story.read_text().replace("first criterion", "changed criterion"))
    outputs += tracker.cli(root, "-v", env=env).communicate(timeout=60)
    bad = tracker.cli(root, "-v", env={**env, **tracker.wrong_secret_env()})
    outputs += bad.communicate(timeout=60)
    assert bad.returncode == 1  # refused by the tracker, and said so
    assert tracker.writes() >= 4  # it did authenticate and write
    refs = existing_refs(root, [STATE, NOTES])
    assert refs == [STATE, NOTES]
    assert any(b'"conflict"' in o for o in reachable_objects(root, [NOTES]))
    assert any(
        p.startswith("audit/") for p in git(root, "ls-tree", "-r", "--name-only", STATE).split()
    )
    logs = [p for p in (root / ".specweave/logs").rglob("*") if p.is_file()]
    assert any(p.name.startswith("audit-") for p in logs)
    work_tree = [p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]
    texts: list[tuple[str, str | bytes]] = [(f"output {i}", o) for i, o in enumerate(outputs)]
    texts += [(str(p.relative_to(root)), p.read_bytes()) for p in work_tree]
    texts += [(f"object {i} of {refs}", o) for i, o in enumerate(reachable_objects(root, refs))]
    leaks = [
        (where, secret[:6] + "...")
        for where, data in texts
        for secret in tracker.secrets()
        if secret in text_of(data)
    ]
    assert leaks == []
    assert tracker.fake.invalid == []

"""Writes that race another run or a person: read again, decide again, never overwrite."""

# The matrix (test_sync_matrix.py) has the status race every tracker must survive; these
# are the provider-specific branches: a JIRA transition refused because the issue moved
# meanwhile, and an Azure DevOps content patch refused (412) because the item changed.

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fakes.server import Reply, Request
from tests.sync_matrix_support import Ado, Jira, Platform
from tests.sync_support import set_status, write_repo

STORY = ".specweave/docs/internal/specs/widgets/FS-001/us-001-story-1.md"


@contextlib.contextmanager
def before_first(
    platform: Platform, match: Callable[[Request], bool], act: Callable[[], None]
) -> Iterator[list[Request]]:
    """Run ``act`` (another run's or a person's change) just before the first request
    that ``match``es reaches the tracker; the list gets that request."""
    server = platform.fake.server
    original: Callable[[Request], Reply] = server.handler
    hit: list[Request] = []

    def handler(req: Request) -> Reply:
        if not hit and match(req):
            hit.append(req)
            act()
        return original(req)

    server.handler = handler
    try:
        yield hit
    finally:
        server.handler = original


@contextlib.contextmanager
def started(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with platform.started():
        for name, value in platform.env().items():
            monkeypatch.setenv(name, value)
        yield platform
    assert platform.problems() == []


def rows(platform: Platform, root: Path) -> dict[str, tuple[str, str]]:
    report = platform.sync(root)
    return {r.key: (r.outcome, r.reason) for r in report.platforms[0].items if r.ops}


@pytest.mark.parametrize(
    ("moved_to", "way_on", "outcome", "status", "posts"),
    [
        # Moved where the transition we had is not valid, but another leads on: taken.
        ("Blocked", ("Finish", "Done"), "updated", "Done", 2),
        # Moved where nothing leads on: the failure names where it is now.
        ("Blocked", None, "failed", "Blocked", 1),
        # Moved to the wanted status itself: done, nothing more sent.
        ("Done", None, "updated", "Done", 1),
    ],
)
def test_a_jira_transition_refused_after_the_issue_moved_is_decided_again(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    moved_to: str,
    way_on: tuple[str, str] | None,
    outcome: str,
    status: str,
    posts: int,
) -> None:
    with started(Jira(), monkeypatch) as jira:
        fake = jira.fake
        fake.add_status("Blocked", "indeterminate")
        if way_on is not None:
            fake.add_transition("51", way_on[0], ("Blocked",), way_on[1])
        root = write_repo(tmp_path / "r", 1, cfg=jira.config())
        jira.sync(root)
        key = jira.live()["FS-001/US-001"][0]
        set_status(root, "FS-001", 1, "completed")
        path = f"/rest/api/3/issue/{key}/transitions"
        mark = len(fake.requests)

        def post(req: Request) -> bool:
            return req.method == "POST" and req.path == path

        with before_first(jira, post, lambda: fake.move(fake.by_key(key), moved_to)) as hit:
            got = rows(jira, root)["FS-001/US-001"]
        assert len(hit) == 1
        assert got[0] == outcome
        if outcome == "failed":
            assert got[1].startswith(f"{key}: no transition leads from 'Blocked' to 'Done'")
        assert fake.by_key(key)["fields"]["status"]["name"] == status
        sent = [r for r in fake.requests[mark:] if r.method == "POST" and r.path == path]
        assert len(sent) == posts
        assert jira.fake.invalid == []


@pytest.mark.parametrize(
    ("meanwhile", "outcome", "title_kept"),
    [
        # Only the state changed (another run): the content patch is sent again.
        ({"System.State": "Resolved"}, "updated", False),
        # A person renamed it: never overwritten, the item fails and the next run judges.
        ({"System.Title": "Renamed at the tracker"}, "failed", True),
    ],
)
def test_an_ado_content_patch_refused_with_412_is_resent_only_over_no_edit(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    meanwhile: dict[str, str],
    outcome: str,
    title_kept: bool,
) -> None:
    with started(Ado(), monkeypatch) as ado:
        fake = ado.fake
        root = write_repo(tmp_path / "r", 1, cfg=ado.config())
        ado.sync(root)
        ident = ado.live()["FS-001/US-001"][0]
        story = root / STORY
        story.write_text(story.read_text().replace("first criterion", "changed criterion"))
        path = f"/acme/widgets/_apis/wit/workitems/{ident}"

        def patch(req: Request) -> bool:
            return req.method == "PATCH" and req.path.lower() == path

        with before_first(ado, patch, lambda: fake.edit(ident, meanwhile)) as hit:
            got = rows(ado, root)["FS-001/US-001"]
        assert len(hit) == 1
        assert got[0] == outcome
        fields = fake.items[ident]["fields"]
        assert (fields["System.Title"] == "Renamed at the tracker") is title_kept
        changed = "changed criterion" in fields["Microsoft.VSTS.Common.AcceptanceCriteria"]
        assert changed is not title_kept
        assert fake.invalid == []

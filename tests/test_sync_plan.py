"""Pure parts of the sync: the three-way decision, the snapshot, the outbox, the write-back."""

from __future__ import annotations

import json

import pytest

from specweave_git.sync.outbox import Outbox
from specweave_git.sync.plan import (
    CONFLICT,
    KEPT,
    SAME,
    WRITE,
    Entry,
    Remote,
    Rendering,
    Snapshot,
    accepted,
    decide,
    written,
)
from specweave_git.sync.writeback import set_external, set_metadata

A = Rendering({"title": "a"}, {"state": "open"})
B = Rendering({"title": "b"}, {"state": "open"})
C = Rendering({"title": "c"}, {"state": "open"})
CLOSED = Rendering({"title": "a"}, {"state": "closed"})
REOPENED_B = Rendering({"title": "b"}, {"state": "closed"})


def entry(last: Rendering, remote: Rendering) -> Entry:
    return Entry(
        "7",
        "u",
        last.hash("content"),
        last.hash("status"),
        remote.hash("content"),
        remote.hash("status"),
    )


def remote(r: Rendering | None) -> Remote:
    return Remote("7", "u", "K", "2026-01-01T00:00:00Z", r)


@pytest.mark.parametrize(
    ("desired", "at_tracker", "last", "expected"),
    [
        # (spec now, tracker now, last sync [spec, tracker]) -> (content, status)
        (A, A, None, (SAME, SAME)),  # adopted, already equal
        (B, A, None, (WRITE, SAME)),  # adopted, the spec wins
        (A, A, (A, A), (SAME, SAME)),
        (B, A, (A, A), (WRITE, SAME)),  # only the spec changed
        (A, B, (A, A), (KEPT, SAME)),  # only the tracker changed
        (C, B, (A, A), (CONFLICT, SAME)),  # both changed
        (B, B, (A, A), (SAME, SAME)),  # both changed the same way
        (CLOSED, A, (A, A), (SAME, WRITE)),  # status only
        (A, REOPENED_B, (A, A), (KEPT, KEPT)),
        (A, B, (A, B), (SAME, SAME)),  # the tracker normalised what we sent: no loop
        (B, None, (A, A), (WRITE, SAME)),  # not listed this run: as last synced
    ],
)
def test_three_way_decision(
    desired: Rendering,
    at_tracker: Rendering | None,
    last: tuple[Rendering, Rendering] | None,
    expected: tuple[str, str],
) -> None:
    e = entry(*last) if last else None
    action = decide("K", desired, remote(at_tracker), e, status_rule="prompt")
    assert (action.content, action.status) == expected


@pytest.mark.parametrize(
    ("rule", "local_newer", "expected"),
    [
        ("specweave-wins", None, WRITE),
        ("external-wins", None, KEPT),
        ("last-write-wins", True, WRITE),
        ("last-write-wins", False, KEPT),
        ("last-write-wins", None, CONFLICT),
        ("prompt", True, CONFLICT),
    ],
)
def test_status_conflicts_follow_conflict_resolution(
    rule: str, local_newer: bool | None, expected: str
) -> None:
    desired = Rendering({"title": "a"}, {"state": "closed", "labels": ["x"]})
    tracker = Rendering({"title": "a"}, {"state": "closed", "labels": ["y"]})
    action = decide(
        "K", desired, remote(tracker), entry(A, A), status_rule=rule, local_newer=local_newer
    )
    assert action.status == expected


@pytest.mark.parametrize(
    ("desired", "ops"),
    [(A, ("create",)), (CLOSED, ("create", "set_status"))],
)
def test_nothing_found_means_create_then_close_if_needed(
    desired: Rendering, ops: tuple[str, ...]
) -> None:
    action = decide("K", desired, None, None)
    assert (action.kind, action.writes, action.label) == ("create", ops, "create")


def test_snapshot_rows_record_what_was_sent_and_seen() -> None:
    after = written(remote(A), B, None, ("content",))
    assert (after.content, after.remote_content) == (B.hash("content"), A.hash("content"))
    same = accepted(None, remote(A), A, decide("K", A, remote(A), None))
    assert same == entry(A, A).__class__(
        **{**entry(A, A).to_json(), "updated_at": "2026-01-01T00:00:00Z"}
    )
    snap = Snapshot("acme/w", {"K": same}, {"K": "7"}, {"issues": {"since": "x"}})
    again = Snapshot.from_json(json.loads(json.dumps(snap.to_json())), "acme/w")
    assert again == snap
    assert Snapshot.from_json(snap.to_json(), "acme/other") == Snapshot("acme/other")


def test_outbox_orders_records_and_resolves() -> None:
    box = Outbox()
    box.record("b", "failed", "update", "2026-01-02T00:00:00Z", "HTTP 502")
    box.record("a", "deferred", "create", "2026-01-03T00:00:00Z")
    box.record("b", "failed", "update", "2026-01-04T00:00:00Z", "HTTP 502")
    assert box.order(["x", "a", "y", "b"]) == ["b", "a", "x", "y"]
    assert box.entries["b"].attempts == 2
    assert box.entries["b"].since == "2026-01-02T00:00:00Z"
    parsed = Outbox.parse(json.dumps(box.to_json()).encode())
    assert parsed.entries == box.entries
    assert box.resolve("a") and not box.resolve("a")
    assert box.counts() == {"intent": 0, "failed": 1, "deferred": 0}
    assert Outbox.parse(b"not json").entries == {}


IDS = {"issue": 13, "url": "https://x/13"}
GH = "  github:\n    issue: 13\n    url: https://x/13\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "---\nid: US-001\ntitle: T\n---\n# body\n",
            "---\nid: US-001\ntitle: T\nexternal:\n" + GH + "---\n# body\n",
        ),
        (
            "---\nid: US-001\nexternal:\n  jira:\n    key: A-1\n# keep me\nstatus: done\n---\n",
            "---\nid: US-001\nexternal:\n  jira:\n    key: A-1\n"
            + GH
            + "# keep me\nstatus: done\n---\n",
        ),
        (
            "---\r\nid: US-001\r\nexternal:\r\n  github:\r\n    issue: 9\r\n---\r\nx\r\n",
            "---\r\nid: US-001\r\nexternal:\r\n  github:\r\n    issue: 13\r\n    url: https://x/13\r\n---\r\nx\r\n",
        ),
        (
            "# no frontmatter\n",
            "---\nexternal:\n" + GH + "---\n# no frontmatter\n",
        ),
        ("---\n: [broken\n---\n", None),
    ],
)
def test_set_external_rewrites_only_the_external_block(before: str, after: str | None) -> None:
    assert set_external(before, "github", IDS) == after


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (("userStories", "US-001"), {"userStories": {"US-001": IDS}}),
        (("feature",), {"feature": IDS}),
    ],
)
def test_set_metadata_keeps_the_increments_own_ids(
    where: tuple[str, ...], expected: dict[str, object]
) -> None:
    text = '{\n  "id": "0001",\n  "github": {"issue": 12},\n  "coverage": 90.0\n}\n'
    new = set_metadata(text, "github", where, IDS)
    assert new is not None
    assert json.loads(new) == {
        "id": "0001",
        "github": {"issue": 12},
        "coverage": 90.0,
        "externalLinks": {"github": expected},
    }
    assert '"github": {"issue": 12}' in new and "90.0" in new  # spelling kept
    assert set_metadata(new, "github", where, IDS) == new
    assert set_metadata("[1]", "github", where, IDS) is None

"""The sync engine with the Azure DevOps provider, against the contract-validating FakeAdo."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ado_support import ado_config, by_marker, fake_for, state_file, summary, sync
from tests.fakes.ado import FakeAdo
from tests.fakes.server import Fault
from tests.sync_support import set_status, write_repo

STORIES = ".specweave/docs/internal/specs/widgets"


def fields(fake: FakeAdo, title_part: str) -> dict[str, object]:
    item = next(i for i in fake.items.values() if title_part in i["fields"]["System.Title"])
    return dict(item["fields"], id=item["id"], relations=item["relations"])


def test_first_sync_creates_features_and_stories_with_parent_links(
    fake_ado: FakeAdo, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 5, features=2, cfg=ado_config())
    first = sync(root, fake_ado)
    assert summary(first) == {"created": 7}
    types = sorted(i["fields"]["System.WorkItemType"] for i in fake_ado.items.values())
    assert types == ["Feature"] * 2 + ["User Story"] * 5
    feature = fields(fake_ado, "FS-001: Feature 1")
    story = fields(fake_ado, "[US-003]")
    assert story["System.Title"] == "[FS-001][US-003] Story number 3"
    assert str(story["System.Description"]).startswith("<!-- specweave:FS-001/US-003 -->")
    assert "<li>[x] <b>T-003</b>: do the work for 3</li>" in str(story["System.Description"])
    criteria = str(story["Microsoft.VSTS.Common.AcceptanceCriteria"])
    assert "<li>[x] <b>AC-US3-01</b>: first criterion of 3</li>" in criteria
    assert "<li>[ ] <b>AC-US3-02</b>: second criterion of 3</li>" in criteria
    assert story["System.Tags"] == "priority:p1; specweave; user-story"
    assert story["System.State"] == "Active"
    assert [(r["rel"], r["url"].rsplit("/", 1)[1]) for r in story["relations"]] == [  # type: ignore[attr-defined]
        ("System.LinkTypes.Hierarchy-Reverse", str(feature["id"]))
    ]
    text = (root / STORIES / "FS-001/us-003-story-3.md").read_text()
    assert f"external:\n  ado:\n    workItem: {story['id']}\n" in text
    assert "/acme/widgets/_workitems/edit/" in text
    writes = fake_ado.writes
    second = sync(root, fake_ado)
    assert summary(second) == {"unchanged": 7}
    assert fake_ado.writes == writes  # the second run writes nothing
    third = sync(root, fake_ado)
    assert summary(third) == {"unchanged": 7}
    assert third.platforms[0].requests == 1  # steady state: one WIQL query, nothing new
    cursor = state_file(root, "snapshot.json")["cursor"]
    assert cursor["process"] == "Agile"
    assert cursor["types"] == {"feature": "Feature", "story": "User Story"}
    assert state_file(root, "outbox.json")["entries"] == {}


@pytest.mark.parametrize(
    ("process", "feature", "story_type", "states"),
    [
        (
            "Agile",
            ("Feature", "Active"),
            "User Story",
            {"active": "Active", "planning": "New", "completed": "Closed", "abandoned": "Removed"},
        ),
        (
            "Scrum",
            ("Feature", "In Progress"),
            "Product Backlog Item",
            {"active": "Committed", "planning": "New", "completed": "Done", "abandoned": "Removed"},
        ),
        (
            "Basic",
            ("Epic", "Doing"),
            "Issue",
            {"active": "Doing", "planning": "To Do", "completed": "Done"},
        ),
    ],
)
def test_state_changes_follow_the_projects_process(
    tmp_path: Path,
    process: str,
    feature: tuple[str, str],
    story_type: str,
    states: dict[str, str],
) -> None:
    with fake_for(process) as fake:
        root = write_repo(tmp_path / "r", len(states), cfg=ado_config())
        assert summary(sync(root, fake)) == {"created": len(states) + 1}
        made = fields(fake, "FS-001:")
        assert (made["System.WorkItemType"], made["System.State"]) == feature
        for n, status in enumerate(states, start=1):
            set_status(root, "FS-001", n, status)
        report = sync(root, fake)
        rows = {r.key: r.ops for r in report.platforms[0].items if r.ops}
        assert rows == {f"FS-001/US-00{n}": ("set_status",) for n in range(2, len(states) + 1)}
        got = {
            status: (
                fields(fake, f"[US-00{n}]")["System.WorkItemType"],
                fields(fake, f"[US-00{n}]")["System.State"],
            )
            for n, status in enumerate(states, start=1)
        }
        assert got == {status: (story_type, state) for status, state in states.items()}
        assert summary(sync(root, fake)) == {"unchanged": len(states) + 1}


@pytest.mark.parametrize(
    ("process", "status", "refused", "known"),
    [
        ("Agile", "paused", "On Hold", "New, Active, Resolved, Closed, Removed"),
        ("Basic", "abandoned", "Removed", "To Do, Doing, Done"),
    ],
)
def test_a_state_the_process_lacks_fails_clearly_and_the_run_goes_on(
    tmp_path: Path, process: str, status: str, refused: str, known: str
) -> None:
    with fake_for(process) as fake:
        root = write_repo(tmp_path / "r", 3, cfg=ado_config())
        set_status(root, "FS-001", 2, status)
        report = sync(root, fake)
        rows = {r.key: r for r in report.platforms[0].items}
        assert summary(report) == {"created": 3, "failed": 1}
        bad = rows["FS-001/US-002"]
        assert bad.outcome == "failed" and bad.ops == ("create", "set_status")
        assert f"refused state {refused!r}" in bad.reason
        assert "TF401320" in bad.reason
        assert known in bad.reason
        assert f"Map {status!r} in sync.statusSync.mappings.ado" in bad.reason
        assert rows["FS-001/US-003"].outcome == "created"  # the run went on
        assert len(by_marker(fake)) == 4  # the item itself was created
        entries = state_file(root, "outbox.json")["entries"]
        assert [(e["op"], e["kind"]) for e in entries.values()] == [("set_status", "failed")]


def test_a_mapping_to_the_processes_state_names_fixes_it(fake_ado: FakeAdo, tmp_path: Path) -> None:
    cfg = ado_config(
        statusSync={"mappings": {"ado": {"paused": {"state": "New", "tags": ["on-hold"]}}}}
    )
    root = write_repo(tmp_path / "r", 1, cfg=cfg)
    set_status(root, "FS-001", 1, "paused")
    assert summary(sync(root, fake_ado)) == {"created": 2}
    story = fields(fake_ado, "[US-001]")
    assert story["System.State"] == "New"
    assert story["System.Tags"] == "on-hold; priority:p1; specweave; user-story"
    assert summary(sync(root, fake_ado)) == {"unchanged": 2}


def test_a_human_tag_and_a_tracker_edit_are_kept(fake_ado: FakeAdo, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "r", 2, cfg=ado_config())
    sync(root, fake_ado)
    one, two = (int(str(fields(fake_ado, f"[US-00{n}]")["id"])) for n in (1, 2))
    fake_ado.edit(one, {"System.Tags": "specweave; user-story; priority:p1; customer-x"})
    fake_ado.edit(two, {"System.Title": "Edited in Azure Boards"})
    set_status(root, "FS-001", 1, "completed")
    report = sync(root, fake_ado)
    rows = {r.key: r.outcome for r in report.platforms[0].items}
    assert rows == {
        "FS-001": "unchanged",
        "FS-001/US-001": "updated",
        "FS-001/US-002": "remote-changed",
    }
    assert "customer-x" in fake_ado.tags(one)
    assert fake_ado.items[one]["fields"]["System.State"] == "Closed"
    assert fake_ado.items[two]["fields"]["System.Title"] == "Edited in Azure Boards"


def test_an_item_left_by_a_dead_run_is_found_by_its_marker(
    fake_ado: FakeAdo, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 2, cfg=ado_config())
    orphan = fake_ado.add_item(
        "widgets",
        "User Story",
        {
            "System.Title": "[FS-001][US-002] half done",
            "System.Description": "<!-- specweave:FS-001/US-002 -->\nold",
            "System.Tags": "specweave",
        },
    )
    report = sync(root, fake_ado)
    rows = {r.key: (r.outcome, r.id) for r in report.platforms[0].items}
    assert rows["FS-001/US-002"] == ("updated", str(orphan["id"]))
    assert len(fake_ado.items) == 3
    assert fake_ado.items[orphan["id"]]["relations"]  # linked to its feature now


def test_duplicates_of_a_race_are_closed_keeping_the_oldest(
    fake_ado: FakeAdo, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 1, cfg=ado_config())
    made = [
        fake_ado.add_item(
            "widgets",
            "User Story",
            {
                "System.Title": f"[FS-001][US-001] {n}",
                "System.Description": "<!-- specweave:FS-001/US-001 -->",
                "System.Tags": "specweave",
            },
        )["id"]
        for n in ("a", "b")
    ]
    report = sync(root, fake_ado)
    assert report.platforms[0].duplicates_closed == 1
    dup = fake_ado.items[made[1]]["fields"]
    assert dup["System.State"] == "Removed"
    assert fake_ado.tags(made[1]) == ["specweave-duplicate"]
    assert by_marker(fake_ado)["FS-001/US-001"] == [made[0]]
    assert summary(sync(root, fake_ado)) == {"unchanged": 2}


def test_faults_and_throttling_lose_nothing_and_duplicate_nothing(
    fake_ado: FakeAdo, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 8, features=2, cfg=ado_config())
    fake_ado.throttle_next(2, retry_after="1", match="wiql")
    fake_ado.pace_next(1, retry_after="2")
    # A create whose answer never arrives (read timeout) although ADO made the item.
    fake_ado.server.faults.append(
        Fault(0, delay=0.6, match="POST /acme/widgets/_apis/wit/workitems/$")
    )
    fake_ado.server.set_error_rate(0.3, 503)
    failed_runs = 0
    for _ in range(15):
        report = sync(root, fake_ado, http={"timeout": 0.3, "retries": 4})
        if not report.failed:
            break
        failed_runs += 1
    fake_ado.server.set_error_rate(0.0)
    assert not report.failed
    assert failed_runs >= 1  # the faults did bite
    assert 1.0 in fake_ado.sleeps  # a 429's Retry-After honoured
    assert any(1.5 < s <= 2.0 for s in fake_ado.sleeps)  # and a delayed 200's
    keys = by_marker(fake_ado)
    assert len(keys) == 10 and all(len(v) == 1 for v in keys.values())
    assert len(fake_ado.items) == 10  # not even a duplicate to close
    assert summary(sync(root, fake_ado)) == {"unchanged": 10}
    assert state_file(root, "outbox.json")["entries"] == {}


@pytest.mark.parametrize(
    ("process", "state", "pulled"),
    [
        ("Agile", "Closed", "completed"),
        ("Scrum", "Done", "completed"),
        ("Basic", "To Do", "planning"),
    ],
)
def test_a_state_set_in_azure_boards_is_pulled_back(
    tmp_path: Path, process: str, state: str, pulled: str
) -> None:
    with fake_for(process) as fake:
        root = write_repo(tmp_path / "r", 1, cfg=ado_config())
        sync(root, fake)
        fake.edit(int(str(fields(fake, "[US-001]")["id"])), {"System.State": state})
        report = sync(root, fake, direction="pull")
        rows = {r.key: (r.outcome, r.reason) for r in report.platforms[0].items}
        assert rows["FS-001/US-001"] == ("pulled", f"status active -> {pulled} (from ado)")
        text = (root / STORIES / "FS-001/us-001-story-1.md").read_text()
        assert f"status: {pulled}\n" in text
        assert summary(sync(root, fake)) == {"unchanged": 2}  # and pushing agrees now

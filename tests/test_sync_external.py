"""External items (``US-004E``) end to end on GitHub, JIRA and Azure DevOps: progress
comments only where the item lives, never created anywhere, gated as upsert-external."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from specweave_git.config.load import load_config
from specweave_git.context import Context
from specweave_git.gitio.repo import open_repo
from specweave_git.net.secret import Secret
from specweave_git.specs.specweave import story_ref
from specweave_git.sync.audit import log_dir, log_files
from specweave_git.sync.engine import SyncOptions, run_sync
from specweave_git.sync.external import external_rendering, skip_reason
from specweave_git.sync.items import Check, Item, read_desired
from specweave_git.sync.providers import jira_render as jr
from specweave_git.sync.report import ItemResult, SyncReport
from tests.fakes.jira_state import adf_text
from tests.sync_support import ALL_ALLOWED, feature_file, story_file, write_repo

USER = Context("user", "test")
PLATFORMS = ("github", "jira", "ado")
SPECS = ".specweave/docs/internal/specs/widgets"
STORY_KEY = "FS-001/US-004E"
PERMS = {"canRead": True, "canUpsert": True, "canUpdateStatus": True}
# What each tracker shows for the statuses used here (SpecWeave's default mappings).
SHOWN = {
    "github": {"active": "open", "completed": "closed"},
    "jira": {"active": "In Progress", "completed": "Done"},
    "ado": {"active": "Active", "completed": "Closed"},
}
TARGETS = {
    "github": {"owner": "acme", "repo": "widgets"},
    "jira": {"domain": "acme.atlassian.net", "projectKey": "PROJ"},
    "ado": {"organization": "acme", "project": "widgets"},
}
ID_KEY = {"github": "issue", "jira": "issue", "ado": "workItem"}
FEATURE_ID_KEY = {"github": "milestone", "jira": "epic", "ado": "workItem"}


class Tracker:
    """One platform's fake behind a common face: seed a human's item, read it back."""

    def __init__(self, platform: str, fake: Any) -> None:
        self.platform = platform
        self.fake = fake

    def config(self, **settings: bool) -> dict[str, Any]:
        base: dict[str, Any] = copy.deepcopy(ALL_ALLOWED)
        base["settings"].update(settings)
        base["orchestration"]["permissions"] = {self.platform: dict(PERMS)}
        base[self.platform] = {"enabled": True, **TARGETS[self.platform]}
        return {"sync": base}

    def sync(self, root: Path) -> SyncReport:
        token = {"github": "token", "ado": "pat"}.get(self.platform)  # JIRA's: from the env
        opts = SyncOptions(
            platforms=(self.platform,),
            token=Secret(getattr(self.fake, token)) if token else None,
            base_url=self.fake.url,
            http_options={"sleep": self.fake.sleeps.append},
            budget=1000,
            living_docs=False,
        )
        return run_sync(open_repo(root), load_config(root), opts, context=USER)

    def seed(self, *, labelled: bool = False) -> str:
        """A story a human made at the tracker; its id as the spec records it.
        ``labelled``: with the label (tag) our listing selects by."""
        labels = ["specweave"] if labelled else []
        if self.platform == "github":
            made = self.fake.add_issue("Checkout is slow", "Pls fix", labels=labels)
            return str(made["number"])
        if self.platform == "jira":
            doc = jr.doc(jr.paragraph(jr.text("Pls fix")))
            made = self.fake.add_issue("Checkout is slow", description=doc, labels=labels)
            return str(made["key"])
        fields = {"System.Title": "Checkout is slow", "System.Description": "<p>Pls fix</p>"}
        if labelled:
            fields["System.Tags"] = "specweave"
        return str(self.fake.add_item("widgets", "User Story", fields)["id"])

    def rename(self, ident: str, title: str) -> None:
        """A human's edit of the title at the tracker."""
        if self.platform == "github":
            issue = self.fake.issues[int(ident)]
            issue.update(title=title, updated_at=self.fake._now())
        elif self.platform == "jira":
            issue = next(i for i in self.fake.issues.values() if i["key"] == ident)
            issue["fields"]["summary"] = title
            self.fake.touch(issue)
        else:
            self.fake.edit(int(ident), {"System.Title": title})

    def seed_feature(self) -> str:
        """A feature (milestone, Epic, Feature) a human made at the tracker; its id."""
        if self.platform == "github":
            return str(self.fake.add_milestone("Imported")["number"])
        if self.platform == "jira":
            return str(self.fake.add_issue("Imported", issue_type="Epic")["key"])
        return str(self.fake.add_item("widgets", "Feature", {"System.Title": "Imported"})["id"])

    def parent_of_story(self, title_prefix: str) -> str | None:
        """The feature id the story we created (title ``[FS-012E][US-001] ...``) links to."""
        if self.platform == "github":
            [issue] = [i for i in self.fake.issues.values() if i["title"].startswith(title_prefix)]
            return str(issue["milestone"]["number"]) if issue.get("milestone") else None
        if self.platform == "jira":
            [issue] = [
                i for i in self.fake.issues.values()
                if i["fields"]["summary"].startswith(title_prefix)
            ]  # fmt: skip
            parent = issue["fields"].get("parent")
            return str(parent["key"]) if parent else None
        [item] = [
            i for i in self.fake.items.values()
            if str(i["fields"]["System.Title"]).startswith(title_prefix)
        ]  # fmt: skip
        links = [r["url"] for r in item.get("relations") or [] if "Reverse" in r["rel"]]
        return links[0].rpartition("/")[2] if links else None

    def _item(self, ident: str) -> dict[str, Any]:
        if self.platform == "github":
            return dict(self.fake.issues[int(ident)])
        if self.platform == "jira":
            return dict(next(i for i in self.fake.issues.values() if i["key"] == ident))
        return dict(self.fake.items[int(ident)])

    def shown(self, ident: str) -> tuple[str, str, str]:
        """(title, body, status) of the tracker's item."""
        item = self._item(ident)
        if self.platform == "github":
            return item["title"], item["body"], item["state"]
        fields = item["fields"]
        if self.platform == "jira":
            return fields["summary"], adf_text(fields["description"]), fields["status"]["name"]
        return fields["System.Title"], fields["System.Description"], fields["System.State"]

    def comments(self, ident: str) -> list[str]:
        if self.platform == "github":
            return [c["body"] for c in self.fake.comments_on(int(ident))]
        if self.platform == "jira":
            return [jr.adf_text(c["body"]) for c in self.fake.comments[self._item(ident)["id"]]]
        # HTML: compared as its text.
        return [re.sub(r"<[^>]+>", "", c["text"]) for c in self.fake.comments.get(int(ident), [])]

    def touches(self, ident: str, since: int) -> list[str]:
        """Requests after the ``since``-th that name the item (by number, key or id)."""
        if self.platform == "github":
            names = [f"/issues/{ident}"]
        elif self.platform == "jira":
            names = [f"/issue/{ident}", f"/issue/{self._item(ident)['id']}"]
        else:
            names = [f"/workitems/{ident}"]

        def hit(path: str) -> bool:
            p = path.lower().partition("?")[0].rstrip("/")
            return any(p.endswith(n.lower()) or n.lower() + "/" in p for n in names)

        return [f"{r.method} {r.path}" for r in self.fake.requests[since:] if hit(r.path)]


@pytest.fixture(params=PLATFORMS)
def tracker(request: pytest.FixtureRequest) -> Tracker:
    name = {"github": "fake_github", "jira": "jira_env", "ado": "fake_ado"}[request.param]
    return Tracker(request.param, request.getfixturevalue(name))


def e_story(
    ids: dict[str, str],
    *,
    status: str = "active",
    title: str = "Speed up checkout",
    criterion: str = "pages load in 2 s",
    second_done: bool = False,
    origin: str = "jira",
    feature: str = "FS-001",
) -> str:
    external = "".join(f"  {p}:\n    {ID_KEY[p]}: {i}\n" for p, i in ids.items())
    return (
        "---\n"
        f'id: US-004E\nfeature: {feature}\ntitle: "{title}"\nstatus: {status}\n'
        f"external_source: {origin}\n" + (f"external:\n{external}" if ids else "") + "---\n\n"
        f"# US-004E: {title}\n\n"
        "## Acceptance Criteria\n\n"
        f"- [x] **AC-US4E-01**: {criterion}\n"
        f"- [{'x' if second_done else ' '}] **AC-US4E-02**: no timeouts\n"
    )


def write_story(root: Path, text: str, feature: str = "FS-001") -> None:
    path = root / SPECS / feature / "us-004e-checkout.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def result_of(report: SyncReport, key: str) -> ItemResult:
    [platform] = report.platforms
    return next(r for r in platform.items if r.key == key)


def audit_records(root: Path) -> list[dict[str, Any]]:
    lines = [ln for f in log_files(log_dir(root)) for ln in f.read_text().splitlines()]
    return [json.loads(ln) for ln in lines if ln.strip()]


# -- the rule, as pure functions ------------------------------------------------------


AC1 = Check("AC-US4E-01", "pages load", True)
AC2 = Check("AC-US4E-02", "no timeouts", False)


def story(**kw: Any) -> Item:
    base: dict[str, Any] = {
        "kind": "story", "key": STORY_KEY, "id": "US-004E", "feature": "FS-001",
        "title": "Speed up checkout", "status": "active", "criteria": (AC1, AC2),
    }  # fmt: skip
    base.update(kw)
    return Item(**base)


@pytest.mark.parametrize(
    ("changes", "same_progress"),
    [
        ({"title": "Reworded"}, True),
        ({"criteria": (Check("AC-US4E-01", "reworded", True), AC2)}, True),
        ({"tasks": (Check("T-001E", "a task", True),)}, True),
        ({"narrative": ("**As a** shopper",)}, True),
        ({"status": "completed"}, False),
        ({"criteria": (AC1, Check("AC-US4E-02", "no timeouts", True))}, False),
        ({"criteria": (AC1,)}, False),
    ],
)  # fmt: skip
def test_only_status_and_criteria_done_key_the_progress(
    changes: dict[str, Any], same_progress: bool
) -> None:
    status = {"state": "open"}
    before = external_rendering(story(), status).hash("content")
    after = external_rendering(story(**changes), status).hash("content")
    assert (before == after) is same_progress


@pytest.mark.parametrize(
    ("kw", "platform", "expected"),
    [
        ({"origin": "jira"}, "github", "external item from jira: not created on github"),
        ({"external": {"jira.issue": "PROJ-1"}}, "ado",
         "external item from jira: not created on ado"),
        ({"origin": "ado", "external": {"github.issue": "7"}}, "github",
         "external item from ado: its recorded github item was not found; not created"),
        ({}, "jira", "external item (E suffix) with no jira id: not created on jira"),
        ({"meta_external": {"ado.workItem": "3"}}, "jira",
         "external item from ado: not created on jira"),
    ],
)  # fmt: skip
def test_the_skip_reason_names_where_the_item_came_from(
    kw: dict[str, Any], platform: str, expected: str
) -> None:
    assert skip_reason(story(**kw), platform) == expected


@pytest.mark.parametrize(
    ("number", "expected"), [("1", "US-001"), ("012", "US-012"), ("4E", "US-004E")]
)
def test_story_refs_keep_the_e_suffix(number: str, expected: str) -> None:
    assert story_ref(number) == expected


def test_external_ids_are_read_from_living_docs_and_increments(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / SPECS / "FS-012E").mkdir(parents=True)
    (root / SPECS / "FS-012E/FEATURE.md").write_text(
        "---\nid: FS-012E\ntitle: Imported\nstatus: active\nexternal_source: github\n---\n"
    )
    write_story(root, e_story({"github": "5"}, feature="FS-012E"), "FS-012E")
    inc = root / ".specweave/increments/0001-more"
    inc.mkdir(parents=True)
    (inc / "spec.md").write_text(
        "---\nfeature: FS-012E\nstatus: active\n---\n\n### US-007E: Also imported\n\n"
        "- [x] **AC-US7E-01**: done thing\n"
    )
    items = {i.key: i for i in read_desired(root).items}
    assert sorted(items) == ["FS-012E", "FS-012E/US-004E", "FS-012E/US-007E"]
    assert items["FS-012E"].origin == "github"
    e4 = items["FS-012E/US-004E"]
    assert (e4.origin, e4.external, e4.status) == ("jira", {"github.issue": "5"}, "active")
    assert [(c.id, c.done) for c in e4.criteria] == [("AC-US4E-01", True), ("AC-US4E-02", False)]
    assert [(c.id, c.done) for c in items["FS-012E/US-007E"].criteria] == [("AC-US7E-01", True)]


# -- end to end, per tracker -------------------------------------------------------------


def test_an_external_story_gets_one_comment_per_progress_change_and_no_edits(
    tracker: Tracker, tmp_path: Path
) -> None:
    ident = tracker.seed()
    root = write_repo(tmp_path / "r", 0, cfg=tracker.config())
    write_story(root, e_story({tracker.platform: ident}))
    shown = SHOWN[tracker.platform]

    first = tracker.sync(root)
    assert result_of(first, STORY_KEY).ops == ("comment", "set_status")
    [comment] = tracker.comments(ident)
    assert "SpecWeave progress for US-004E: status active" in comment
    assert "acceptance criteria 1/2 done" in comment
    title, body, status = tracker.shown(ident)
    assert (title, status) == ("Checkout is slow", shown["active"])
    assert "Pls fix" in body and "specweave" not in body

    # A status change: exactly one more comment, and the status moves.
    write_story(root, e_story({tracker.platform: ident}, status="completed"))
    second = tracker.sync(root)
    assert result_of(second, STORY_KEY).ops == ("comment", "set_status")
    comments = tracker.comments(ident)
    assert len(comments) == 2 and "status completed" in comments[1]
    assert tracker.shown(ident)[2] == shown["completed"]

    # Nothing changed, then only what progress does not count: no comment, no request.
    for text in (
        e_story({tracker.platform: ident}, status="completed"),
        e_story({tracker.platform: ident}, status="completed", title="Faster", criterion="2 s"),
    ):
        write_story(root, text)
        before = len(tracker.fake.requests)
        again = tracker.sync(root)
        assert result_of(again, STORY_KEY).outcome == "unchanged"
        assert again.platforms[0].writes == 0
        assert tracker.touches(ident, before) == []
        assert len(tracker.comments(ident)) == 2

    # Criteria progress alone: one comment, no status write.
    write_story(root, e_story({tracker.platform: ident}, status="completed", second_done=True))
    fifth = tracker.sync(root)
    assert result_of(fifth, STORY_KEY).ops == ("comment",)
    comments = tracker.comments(ident)
    assert len(comments) == 3 and "acceptance criteria 2/2 done" in comments[2]
    assert tracker.shown(ident)[:2] == (title, body)  # never edited
    ops = {r["operation"] for r in audit_records(root) if r.get("call") == "add_progress_comment"}
    assert ops == {"upsert-external"}
    assert tracker.fake.invalid == []


def test_an_external_item_without_an_id_here_is_never_created(
    tracker: Tracker, tmp_path: Path
) -> None:
    origin = "jira" if tracker.platform != "jira" else "github"
    root = write_repo(tmp_path / "r", 0, cfg=tracker.config())
    (root / SPECS / "FS-001/FEATURE.md").unlink()
    (root / SPECS / "FS-012E").mkdir()
    (root / SPECS / "FS-012E/FEATURE.md").write_text(
        feature_file("FS-012E", "Imported").replace(
            "---\n\n", f"external_source: {origin}\n---\n\n"
        )
    )
    write_story(root, e_story({}, origin=origin, feature="FS-012E"), "FS-012E")
    for _ in range(2):
        before = len(tracker.fake.requests)
        report = tracker.sync(root)
        [platform] = report.platforms
        why = f"external item from {origin}: not created on {tracker.platform}"
        assert [(r.key, r.outcome, r.reason) for r in platform.items] == [
            ("FS-012E", "skipped", why),
            ("FS-012E/US-004E", "skipped", why),
        ]
        assert platform.summary()["skipped"] == 2 and platform.writes == 0
        assert tracker.fake.writes == 0
        # Skipped before any request: the run only lists the tracker.
        assert all(r.method in ("GET", "POST") for r in tracker.fake.requests[before:])
        assert len(tracker.fake.requests) - before <= 2
    assert tracker.fake.invalid == []


def test_without_can_update_external_items_the_comment_is_denied_and_recorded(
    tracker: Tracker, tmp_path: Path
) -> None:
    ident = tracker.seed()
    root = write_repo(tmp_path / "r", 0, cfg=tracker.config(canUpdateExternalItems=False))
    write_story(root, e_story({tracker.platform: ident}))
    report = tracker.sync(root)
    result = result_of(report, STORY_KEY)
    # The status change is its own permission (canUpdateStatus): it still happens.
    assert (result.outcome, result.ops) == ("updated", ("set_status",))
    assert "comment denied: sync.settings.canUpdateExternalItems is false" in result.reason
    assert tracker.comments(ident) == []
    assert tracker.shown(ident)[0] == "Checkout is slow"
    denied = [
        r for r in audit_records(root)
        if r.get("call") == "add_progress_comment" and r["decision"] == "denied"
    ]  # fmt: skip
    assert [(r["operation"], r["item"]) for r in denied] == [("upsert-external", "US-004E")]
    assert not any("comment" in r.path for r in tracker.fake.requests)
    assert tracker.fake.invalid == []


def test_our_stories_of_an_external_feature_link_to_its_tracker_item(
    tracker: Tracker, tmp_path: Path
) -> None:
    feature = tracker.seed_feature()
    root = write_repo(tmp_path / "r", 0, cfg=tracker.config())
    (root / SPECS / "FS-001/FEATURE.md").unlink()
    ids = f"external:\n  {tracker.platform}:\n    {FEATURE_ID_KEY[tracker.platform]}: {feature}\n"
    (root / SPECS / "FS-012E").mkdir()
    (root / SPECS / "FS-012E/FEATURE.md").write_text(
        feature_file("FS-012E", "Imported").replace("---\n\n", ids + "---\n\n")
    )
    (root / SPECS / "FS-012E/us-001-story-1.md").write_text(story_file("FS-012E", 1))
    first = tracker.sync(root)
    assert result_of(first, "FS-012E/US-001").outcome == "created"
    assert tracker.parent_of_story("[FS-012E][US-001]") == feature
    # A milestone takes no comments (GitHub); an Epic or a Feature gets the progress.
    expected = () if tracker.platform == "github" else ("comment", "set_status")
    assert result_of(first, "FS-012E").ops == expected
    again = tracker.sync(root)
    assert {r.outcome for r in again.platforms[0].items} == {"unchanged"}
    assert again.platforms[0].writes == 0
    assert tracker.fake.invalid == []


def test_a_human_edit_of_a_listed_external_item_is_neither_a_change_nor_a_conflict(
    tracker: Tracker, tmp_path: Path
) -> None:
    # Labelled like ours, the item is in every listing with its own title and body: the
    # plan must not read them as content of ours (a conflict when progress changes too).
    ident = tracker.seed(labelled=True)
    root = write_repo(tmp_path / "r", 0, cfg=tracker.config())
    write_story(root, e_story({tracker.platform: ident}))
    tracker.sync(root)
    tracker.rename(ident, "Renamed by a human")
    write_story(root, e_story({tracker.platform: ident}, status="completed"))
    both = tracker.sync(root)
    assert result_of(both, STORY_KEY).ops == ("comment", "set_status")
    assert len(tracker.comments(ident)) == 2
    tracker.rename(ident, "Renamed again")
    for _ in range(2):
        again = tracker.sync(root)
        assert result_of(again, STORY_KEY).outcome == "unchanged"
        assert again.platforms[0].writes == 0
    assert tracker.shown(ident)[0] == "Renamed again"
    assert len(tracker.comments(ident)) == 2
    assert tracker.fake.invalid == []

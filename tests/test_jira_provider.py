"""The JIRA client, the JIRA rendering and the provider's single operations, against the
contract-validating fake JIRA over loopback."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from specweave_git.config.load import load_config
from specweave_git.context import Context
from specweave_git.net.errors import Unauthorized
from specweave_git.net.jira import JiraClient
from specweave_git.sync.gate import Gate
from specweave_git.sync.items import Check, Item
from specweave_git.sync.plan import decide, written
from specweave_git.sync.providers import jira_render as jr
from specweave_git.sync.providers.jira import JiraProvider, build
from tests.fakes.jira import FakeJira
from tests.fakes.jira_state import adf_text


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2021-01-17T12:34:00.000+0000", "2021-01-17T12:34:00Z"),  # JIRA's own form
        ("2026-01-01T00:00:01.000+00:00", "2026-01-01T00:00:01Z"),
        ("2026-01-01T10:00:00.000+1100", "2025-12-31T23:00:00Z"),
        ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z"),
        ("not a time", ""),
        (None, ""),
    ],
)
def test_jira_timestamps_become_sortable_utc(stamp: str | None, expected: str) -> None:
    assert jr.utc(stamp) == expected


@pytest.mark.parametrize(
    ("since", "zone", "expected"),
    [
        ("2026-01-01T10:30:45Z", "UTC", "2026-01-01 10:29"),
        ("2026-01-01T10:30:45Z", "Australia/Sydney", "2026-01-01 21:29"),
        ("2026-07-01T10:30:45Z", "America/Los_Angeles", "2026-07-01 03:29"),
        ("2026-01-01T10:30:45Z", "Not/AZone", "2026-01-01 10:29"),
        ("2026-01-01T10:30:45Z", None, "2026-01-01 10:29"),
    ],
)
def test_the_cursor_is_a_jql_date_in_the_users_zone_a_minute_early(
    since: str, zone: str | None, expected: str
) -> None:
    assert jr.jql_time(since, zone) == expected


def story_item(**kw: Any) -> Item:
    fields: dict[str, Any] = {
        "kind": "story",
        "key": "FS-001/US-001",
        "id": "US-001",
        "feature": "FS-001",
        "title": "Log in",
        "status": "active",
        "priority": "P1",
        "narrative": ("**As a** user",),
        "criteria": (
            Check("AC-US1-01", "can log in", True),
            Check("AC-US1-02", "sees errors", False),
        ),
        "tasks": (Check("T-001", "form", False),),
        "path": ".specweave/docs/internal/specs/w/FS-001/us-001.md",
    }
    fields.update(kw)
    return Item(**fields)


def test_a_story_renders_as_adf_with_checklists_and_a_findable_marker() -> None:
    item = story_item()
    doc = jr.story_doc(item)
    assert adf_text(doc)  # the fake's own reading agrees it is text-bearing ADF
    assert jr.adf_text(doc).splitlines() == [
        "Feature: FS-001 · Priority: P1",
        "As a user",
        "## Acceptance Criteria",
        "[x] AC-US1-01: can log in",
        "[ ] AC-US1-02: sees errors",
        "## Tasks",
        "[ ] T-001: form",
        "---",
        "Synced by specweave-git from .specweave/docs/internal/specs/w/FS-001/us-001.md: "
        "edit the spec, not this issue.",
        "specweave:FS-001/US-001",
    ]
    assert jr.marker_key(doc) == "FS-001/US-001"
    rendering = jr.render(item, jr.StatusMap({}))
    assert rendering.content["labels"] == ["priority-p1", "specweave"]
    assert rendering.content["parent"] == "FS-001"
    assert rendering.status == {"state": "in progress"}


MARKED = jr.doc(jr.paragraph(jr.text("specweave:FS-002/US-007")))


@pytest.mark.parametrize(
    ("issue", "expected"),
    [
        ({"fields": {"summary": "x", "description": MARKED}}, "FS-002/US-007"),
        ({"fields": {"summary": "[FS-001][US-003] Title", "description": None}}, "FS-001/US-003"),
        ({"fields": {"summary": "FS-004: Epic", "issuetype": {"name": "Epic"}}}, "FS-004"),
        ({"fields": {"summary": "FS-004: not an epic", "issuetype": {"name": "Story"}}}, None),
        ({"fields": {"summary": "Human story", "description": "plain wiki text"}}, None),
    ],
)  # fmt: skip
def test_an_issue_is_keyed_by_its_marker_else_its_summary(
    issue: dict[str, Any], expected: str | None
) -> None:
    assert jr.issue_key(issue) == expected


@pytest.mark.parametrize(
    ("name", "category", "expected"),
    [
        ("In Progress", "indeterminate", "active"),
        ("done", "done", "completed"),
        ("In Review", "indeterminate", "active"),  # unmapped: by its category
        ("Backlog", "new", "planning"),
        ("Weird", "", None),
    ],
)
def test_a_jira_status_reads_back_as_a_specweave_status(
    name: str, category: str, expected: str | None
) -> None:
    assert jr.StatusMap({}).reverse(name, category) == expected


# -- the client --------------------------------------------------------------------------


def test_search_follows_next_page_tokens(fake_jira: FakeJira) -> None:
    for n in range(230):
        fake_jira.add_issue(f"issue {n}", labels=["specweave"])
    with fake_jira.client() as jira:
        keys = [
            i["key"] for i in jira.search("project = PROJ ORDER BY key ASC", fields=["summary"])
        ]
    assert keys == [f"PROJ-{n}" for n in range(1, 231)]
    assert fake_jira.server.count("POST", "/search/jql") == 3


def test_a_search_is_retried_after_a_5xx_but_a_create_is_not(fake_jira: FakeJira) -> None:
    fake_jira.server.fail_next(2, 502, match="POST /rest/api/3/search/jql")
    fake_jira.server.fail_next(1, 502, match="POST /rest/api/3/issue")
    with fake_jira.client() as jira:
        assert list(jira.search("project = PROJ")) == []
        with pytest.raises(Exception, match="HTTP 502"):
            jira.create_issue(
                {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"}, "summary": "x"}
            )
    assert fake_jira.server.count("POST", "/search/jql") == 3
    assert fake_jira.issues == {}  # the 502 came first; the create was not repeated blindly


def test_429_retry_after_is_honoured_on_a_create(fake_jira: FakeJira) -> None:
    fake_jira.server.rate_limit_next(1, retry_after="3", match="POST /rest/api/3/issue")
    with fake_jira.client() as jira:
        made = jira.create_issue(
            {"project": {"key": "PROJ"}, "issuetype": {"name": "Task"}, "summary": "x"}
        )
    assert made["key"] == "PROJ-1" and len(fake_jira.issues) == 1
    assert fake_jira.sleeps == [3.0]


@pytest.mark.filterwarnings("ignore:Unsupported scheme type")  # openapi-core and OAuth2
@pytest.mark.parametrize(
    ("email", "token"),
    [
        ("bot@example.com", "wrong-token-0123456789"),
        (None, None),
    ],
)
def test_a_rejected_credential_says_what_to_set_and_never_shows_the_token(
    fake_jira: FakeJira, email: str | None, token: str | None
) -> None:
    jira = JiraClient(email=email, token=token, base_url=fake_jira.url)
    with jira, pytest.raises(Unauthorized) as info:
        jira.myself()
    text = f"{info.value} {jira!r} {jira.http!r}"
    assert "Client must be authenticated" in text and "JIRA_API_TOKEN" in text
    assert (token or fake_jira.token) not in text


def test_jira_errors_name_the_field(fake_jira: FakeJira) -> None:
    with fake_jira.client() as jira, pytest.raises(Exception) as info:
        jira.create_issue(
            {
                "project": {"key": "PROJ"},
                "issuetype": {"name": "Story"},
                "summary": "x",
                "labels": ["two words"],
            }
        )
    assert "HTTP 400: labels: The label 'two words' contains spaces" in str(info.value)


@pytest.mark.parametrize(
    ("jql", "expected"),
    [
        ('project = PROJ AND labels = "specweave"', ["PROJ-3", "PROJ-1"]),  # key DESC
        ("labels in (other, specweave) ORDER BY key DESC", ["PROJ-3", "PROJ-2", "PROJ-1"]),
        ('text ~ "login form"', ["PROJ-3"]),
        ("key in (PROJ-2, PROJ-3) AND issuetype = Epic", ["PROJ-2"]),
        ('updated >= "2026/01/01 00:00" AND updated < "2026-01-01 00:01" ORDER BY created',
         ["PROJ-1", "PROJ-2", "PROJ-3"]),
        ("status = Done", []),
        ("assignee = me", "Field 'assignee' does not exist"),
        ('updated >= "yesterday"', "Date value 'yesterday' for field is invalid"),
    ],
)  # fmt: skip
def test_the_fakes_jql_subset(fake_jira: FakeJira, jql: str, expected: list[str] | str) -> None:
    fake_jira.add_issue("a", labels=["specweave"])
    fake_jira.add_issue("b", issue_type="Epic", labels=["other"])
    fake_jira.add_issue("the login form", labels=["specweave"])
    with fake_jira.client() as jira:
        if isinstance(expected, str):
            with pytest.raises(Exception, match=expected):
                list(jira.search(jql))
        else:
            assert [i["key"] for i in jira.search(jql)] == expected


# -- the provider: items created in JIRA get comments only -------------------------------


class Audit:
    def __init__(self) -> None:
        self.records: list[Mapping[str, Any]] = []

    def record(self, **kw: Any) -> Mapping[str, Any]:
        self.records.append(kw)
        return kw


def provider(fake: FakeJira, tmp_path: Path, external: bool = True) -> tuple[JiraProvider, Audit]:
    settings = {
        "canUpsertInternalItems": True,
        "canUpdateExternalItems": external,
        "canUpdateStatus": True,
    }
    cfg = {
        "sync": {
            "settings": settings,
            "jira": {"enabled": True, "domain": "acme.atlassian.net", "projectKey": "PROJ"},
            "orchestration": {"permissions": {"jira": {
                "canRead": True, "canUpsert": True, "canUpdateStatus": True,
            }}},
        }
    }  # fmt: skip
    (tmp_path / ".specweave").mkdir(parents=True, exist_ok=True)
    (tmp_path / ".specweave/config.json").write_text(json.dumps(cfg))
    config = load_config(tmp_path)
    audit = Audit()
    gate = Gate(config, Context("user", "test"), audit)
    return build(config, gate, base_url=fake.url, http_options={"sleep": fake.sleeps.append}), audit


def test_an_item_that_came_from_jira_gets_a_comment_never_an_edit(
    creds_env: FakeJira, tmp_path: Path
) -> None:
    fake = creds_env
    human = fake.add_issue("Checkout is slow", description=jr.doc(jr.paragraph(jr.text("Pls fix"))))
    item = story_item(id="US-004E", key="FS-001/US-004E", external={"jira.issue": human["key"]})
    prov, audit = provider(fake, tmp_path)
    state = prov.fetch_all_state({})
    remote = prov.find_existing(item, state, prov.known_id(item))
    assert remote is not None and remote.id == human["id"]
    rendering = prov.render(item)
    action = decide(item.key, rendering, remote, None)
    assert action.writes == ("update", "set_status")
    result = prov.update(item, remote, rendering)
    assert result.ok and result.remote is not None and result.sent is not None
    assert human["fields"]["summary"] == "Checkout is slow"  # untouched
    assert adf_text(human["fields"]["description"]) == "Pls fix"
    [comment] = [jr.adf_text(c["body"]) for c in fake.comments[human["id"]]]
    assert comment.startswith("SpecWeave progress for US-004E: status active (JIRA: In Progress)")
    assert "AC-US1-02: sees errors" in comment
    assert not any(r.method == "PUT" for r in fake.requests)
    moved = prov.set_status(item, result.remote, rendering)
    assert moved.ok and human["fields"]["status"]["name"] == "In Progress"
    # Synced: the same spec next time is no write; a changed spec is one more comment.
    entry = written(result.remote, result.sent, None, ("content",))
    assert decide(item.key, rendering, result.remote, entry).content == "same"
    changed = prov.render(story_item(id="US-004E", key="FS-001/US-004E", status="completed"))
    assert decide(item.key, changed, result.remote, entry).content == "write"
    calls = {(r["operation"], r["reason"]) for r in audit.records if "comment" in r["call"]}
    assert calls == {  # an external item's write
        (
            "upsert-external",
            "allowed: sync.settings.canUpdateExternalItems and "
            "sync.orchestration.permissions.jira.canUpsert are true",
        )
    }
    prov.close()


def test_without_can_update_external_items_the_comment_is_denied(
    creds_env: FakeJira, tmp_path: Path
) -> None:
    fake = creds_env
    human = fake.add_issue("Human story")
    item = story_item(id="US-004E", key="FS-001/US-004E", external={"jira.issue": human["key"]})
    prov, _ = provider(fake, tmp_path, external=False)
    state = prov.fetch_all_state({})
    remote = prov.find_existing(item, state, prov.known_id(item))
    assert remote is not None
    result = prov.update(item, remote, prov.render(item))
    assert result.result == "denied"
    assert "sync.settings.canUpdateExternalItems is false" in result.reason
    assert fake.comments[human["id"]] == []
    created = prov.create(item, prov.render(item))
    assert created.result == "denied" and "came from JIRA" in created.reason
    prov.close()


@pytest.fixture
def creds_env(fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch) -> FakeJira:
    monkeypatch.setenv("JIRA_EMAIL", fake_jira.email)
    monkeypatch.setenv("JIRA_API_TOKEN", fake_jira.token)
    return fake_jira


@pytest.mark.parametrize(
    ("jira", "pointer"),
    [
        ({"domain": "acme.atlassian.net"}, "/sync/jira/projectKey"),
        ({"projectKey": "PROJ"}, "/sync/jira/domain"),
    ],
)
def test_an_incomplete_jira_config_is_a_usage_error(
    tmp_path: Path, jira: dict[str, Any], pointer: str
) -> None:
    from specweave_git.errors import UsageError

    (tmp_path / ".specweave").mkdir()
    (tmp_path / ".specweave/config.json").write_text(json.dumps({"sync": {"jira": jira}}))
    config = load_config(tmp_path)
    with pytest.raises(UsageError, match=pointer):
        build(config, Gate(config, Context("user", "t"), Audit()))

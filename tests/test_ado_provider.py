"""The ADO client and mapping against FakeAdo: contract, auth, WIQL, rate limits, states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from specweave_git.net.ado import JSON_PATCH, AdoClient, field_op, pat_from
from specweave_git.net.errors import HttpError, NetworkError, Unauthorized
from specweave_git.sync.providers import ado_render as ar
from tests.fakes.ado import FakeAdo

WIQL = "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"


def title(text: str) -> list[dict[str, Any]]:
    return [field_op("System.Title", text)]


@pytest.mark.parametrize(
    ("content_type", "status", "invalid"),
    [
        (JSON_PATCH, 200, 0),
        ("application/json", 400, 1),  # ADO takes a JSON Patch document only as json-patch
    ],
)
def test_the_contract_refuses_a_create_sent_as_plain_json(
    fake_ado: FakeAdo, content_type: str, status: int, invalid: int
) -> None:
    auth = httpx.BasicAuth("", fake_ado.pat)
    resp = httpx.post(
        f"{fake_ado.url}/acme/widgets/_apis/wit/workitems/$Feature",
        params={"api-version": "7.1"},
        content=b'[{"op": "add", "path": "/fields/System.Title", "value": "x"}]',
        headers={"Content-Type": content_type},
        auth=auth,
    )
    assert resp.status_code == status
    assert len(fake_ado.invalid) == invalid
    assert len(fake_ado.items) == 1 - invalid
    fake_ado.invalid.clear()  # the fixture fails on any left: this one was the point


def test_the_contract_requires_an_api_version(fake_ado: FakeAdo) -> None:
    auth = httpx.BasicAuth("", fake_ado.pat)
    resp = httpx.post(
        f"{fake_ado.url}/acme/widgets/_apis/wit/wiql", json={"query": WIQL}, auth=auth
    )
    assert resp.status_code == 400
    assert "api-version" in fake_ado.invalid[0][1]
    fake_ado.invalid.clear()


@pytest.mark.parametrize(
    ("env", "token", "expected"),
    [
        ("from-env-0123", None, "from-env-0123"),
        ("from-env-0123", "given-4567", "from-env-0123"),
        (None, "given-4567", "given-4567"),
        (None, "ghs_NotAnAdoTokenAtAll0123456789", None),  # never send a GitHub token
        (None, None, None),
    ],
)
def test_the_pat_comes_from_the_environment_first(
    monkeypatch: pytest.MonkeyPatch, env: str | None, token: str | None, expected: str | None
) -> None:
    if env is not None:
        monkeypatch.setenv("AZURE_DEVOPS_PAT", env)
    got = pat_from(token)
    assert (got.reveal() if got else None) == expected
    assert "given" not in repr(AdoClient("acme", "widgets", token, base_url="http://x"))


@pytest.mark.parametrize(("pat", "error"), [(None, Unauthorized), ("wrong-pat-0000", Unauthorized)])
def test_a_missing_or_wrong_pat_is_refused(
    fake_ado: FakeAdo, pat: str | None, error: type[Exception]
) -> None:
    client = AdoClient("acme", "widgets", pat, base_url=fake_ado.url)
    with pytest.raises(error) as info:
        client.query_wiql(WIQL)
    assert "TF400813" in str(info.value)
    assert fake_ado.requests[-1].status == 401


@pytest.mark.parametrize(
    ("clause", "precise", "expected"),
    [
        ("[System.Tags] CONTAINS 'specweave'", True, [1]),
        ("[System.Tags] CONTAINS 'spec'", True, []),  # whole tags only
        ("[System.WorkItemType] = 'User Story'", True, [2]),
        ("[System.State] IN ('New', 'Active')", True, [1, 2]),
        ("[System.ChangedDate] >= '{mark}'", True, [2]),
        ("[System.Id] > 1", True, [2]),
    ],
)
def test_wiql_subset(fake_ado: FakeAdo, clause: str, precise: bool, expected: list[int]) -> None:
    fake_ado.add_item("widgets", "Feature", {"System.Title": "f", "System.Tags": "specweave"})
    mark = fake_ado.now()
    fake_ado.add_item("widgets", "User Story", {"System.Title": "s", "System.State": "Active"})
    client = fake_ado.client()
    result = client.query_wiql(f"{WIQL} AND {clause.format(mark=mark)}", time_precision=precise)
    assert [w["id"] for w in result["workItems"]] == expected
    assert result["asOf"] > mark


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (f"{WIQL} AND [System.ChangedDate] >= '2026-01-01T00:00:00Z'", "TF51005"),
        (f"{WIQL} OR [System.Id] = 1", "TF51006"),
    ],
)
def test_wiql_refuses_what_ado_refuses(fake_ado: FakeAdo, query: str, code: str) -> None:
    with pytest.raises(HttpError) as info:
        fake_ado.client().query_wiql(query, time_precision=False)
    assert info.value.status == 400 and code in info.value.message


def test_throttling_and_delays_are_honoured(fake_ado: FakeAdo) -> None:
    client = fake_ado.client()
    fake_ado.throttle_next(1, retry_after="3")
    assert client.query_wiql(WIQL)["workItems"] == []
    assert fake_ado.sleeps == [3.0]
    assert [r.status for r in fake_ado.requests] == [429, 200]
    fake_ado.pace_next(1, retry_after="2")
    client.query_wiql(WIQL)  # answered, but ADO asks for a pause before the next one
    assert len(fake_ado.sleeps) == 1
    client.query_wiql(WIQL)
    assert 1.5 < fake_ado.sleeps[1] <= 2.0


@pytest.mark.parametrize(
    ("path", "method", "status", "retried"),
    [
        ("wiql", "query", 503, True),  # a read sent as POST: safe to repeat
        ("wiql", "query", 0, True),  # the connection dropped: still a read
        ("workitemsbatch", "batch", 503, True),
        ("workitems/$Feature", "create", 503, False),  # a create could land twice
        ("workitems/$Feature", "create", 0, False),
    ],
)
def test_only_reads_are_retried_after_a_server_failure(
    fake_ado: FakeAdo, path: str, method: str, status: int, retried: bool
) -> None:
    client = fake_ado.client()
    ident = fake_ado.add_item("widgets", "Feature", {"System.Title": "f"})["id"]
    fake_ado.server.fail_next(1, status, match=path)
    calls: dict[str, Callable[[], object]] = {
        "query": lambda: client.query_wiql(WIQL),
        "batch": lambda: client.get_work_items_batch([ident]),
        "create": lambda: client.create_work_item("Feature", title("g")),
    }
    if retried:
        calls[method]()
    else:
        with pytest.raises((HttpError, NetworkError)):
            calls[method]()
    assert fake_ado.server.count("POST", path.split("$")[0]) == (2 if retried else 1)
    assert len(fake_ado.items) == 1  # nothing created twice, nor by the failed create


def test_a_stale_revision_is_refused_and_changes_nothing(fake_ado: FakeAdo) -> None:
    client = fake_ado.client()
    item = client.create_work_item("User Story", title("one"))
    fake_ado.edit(item["id"], {"System.Title": "a human's edit"})
    stale = [{"op": "test", "path": "/rev", "value": 1}, *title("ours")]
    with pytest.raises(HttpError) as info:
        client.update_work_item(item["id"], stale)
    assert info.value.status == 412 and "TF26071" in info.value.message
    assert fake_ado.items[item["id"]]["fields"]["System.Title"] == "a human's edit"


def test_one_parent_only_and_links_need_a_target(fake_ado: FakeAdo) -> None:
    client = fake_ado.client()
    parent = client.create_work_item("Feature", title("f"))["id"]
    link = {
        "op": "add",
        "path": "/relations/-",
        "value": {"rel": ar.PARENT, "url": client.work_item_url(parent)},
    }
    story = client.create_work_item("User Story", [*title("s"), link])
    assert [r["url"] for r in story["relations"]] == [fake_ado.api_url(parent)]
    with pytest.raises(HttpError) as info:
        client.update_work_item(story["id"], [link])
    assert info.value.status == 400 and "only one Parent" in info.value.message
    gone = {**link, "value": {"rel": ar.PARENT, "url": client.work_item_url(999)}}
    with pytest.raises(HttpError):
        client.create_work_item("User Story", [*title("t"), gone])


@pytest.mark.parametrize(
    ("configured", "process", "wtype", "expected"),
    [
        ("Active", "Agile", "User Story", "Active"),
        ("Active", "Scrum", "Product Backlog Item", "Committed"),
        ("Active", "Scrum", "Feature", "In Progress"),
        ("Active", "Basic", "Issue", "Doing"),
        ("Closed", "Scrum", "Product Backlog Item", "Done"),
        ("Closed", "Basic", "Epic", "Done"),
        ("New", "Basic", "Issue", "To Do"),
        ("Approved", "Scrum", "Product Backlog Item", "Approved"),  # the type has it: kept
        ("Removed", "Basic", "Issue", "Removed"),  # Basic has no such state: ADO decides
        ("On Hold", "Agile", "User Story", "On Hold"),  # unknown everywhere: sent as is
        ("Active", None, "Custom Type", "Active"),
    ],
)
def test_send_state_translates_by_category(
    configured: str, process: str | None, wtype: str, expected: str
) -> None:
    assert ar.send_state(configured, process, wtype) == expected


@pytest.mark.parametrize(
    ("wtype", "state", "expected"),
    [
        ("User Story", None, "Agile"),
        ("Product Backlog Item", None, "Scrum"),
        ("Issue", None, "Basic"),
        ("Epic", None, "Basic"),
        ("Feature", None, None),  # Agile and Scrum both have it
        ("Feature", "In Progress", "Scrum"),
        ("Feature", "Resolved", "Agile"),
        ("Requirement", None, None),
    ],
)
def test_process_of_a_type(wtype: str, state: str | None, expected: str | None) -> None:
    assert ar.process_of(wtype, state) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plain <b>&</b>", "<ul><li>[x] <b>AC-1</b>: Plain &lt;b&gt;&amp;&lt;/b&gt;</li></ul>"),
        (
            "**bold** and `code`",
            "<ul><li>[x] <b>AC-1</b>: <b>bold</b> and <code>code</code></li></ul>",
        ),
    ],
)
def test_checklists_are_escaped_html(text: str, expected: str) -> None:
    from specweave_git.sync.items import Check

    assert ar.checklist([Check("AC-1", text, True)]) == expected


@pytest.mark.parametrize(
    ("state", "tags", "expected"),
    [
        ("Active", [], "active"),  # a category, as rendered: Active, Committed, Doing
        ("In Progress", [], "active"),
        ("Completed", [], "completed"),
        ("Proposed", [], "planning"),
        ("Proposed", ["on-hold"], "paused"),
        ("Removed", [], "abandoned"),
        ("Resolved", [], None),  # no status maps to it
    ],
)
def test_a_state_reads_back_as_a_status(state: str, tags: list[str], expected: str | None) -> None:
    from specweave_git.config.model import StatusTarget

    table = {
        "planning": StatusTarget("New"),
        "active": StatusTarget("Active"),
        "paused": StatusTarget("New", tags=("on-hold",)),
        "completed": StatusTarget("Closed"),
        "abandoned": StatusTarget("Removed"),
    }
    statuses = ar.StatusMap.from_config(table)
    assert statuses.reverse(ar.category(state), tags) == expected

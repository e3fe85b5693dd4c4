"""GitHubClient against FakeGitHub: every contract operation, headers, env, fake behaviour."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from specweave_git.net.errors import Forbidden, HttpError, NotFound, RateLimited
from specweave_git.net.github import DEFAULT_API_URL, GitHubClient
from specweave_git.net.http import HttpClient
from tests.fakes import github_search
from tests.fakes.github import FakeGitHub

Call = Callable[[GitHubClient], Any]


def _pr(fake: FakeGitHub) -> int:
    return int(fake.add_pull("Add users", files=[("src/users.ts", "modified", 3, 1)])["number"])


# (operation id, setup on the fake returning a context value, the call, check on the result)
OPERATIONS: list[
    tuple[
        str, Callable[[FakeGitHub], Any], Callable[[GitHubClient, Any], Any], Callable[[Any], bool]
    ]
] = [
    (
        "repos/get",
        lambda f: None,
        lambda gh, _: gh.get_repo(),
        lambda r: r["full_name"] == "acme/widgets",
    ),
    (
        "rate-limit/get",
        lambda f: None,
        lambda gh, _: gh.rate_limit(),
        lambda r: r["resources"]["core"]["limit"] == 5000,
    ),
    (
        "issues/create",
        lambda f: f.add_milestone("M1"),
        lambda gh, ms: gh.create_issue("T", "B", labels=["a b"], milestone=ms["number"]),
        lambda r: r["labels"][0]["name"] == "a b" and r["milestone"]["title"] == "M1",
    ),
    (
        "issues/list-for-repo",
        lambda f: (f.add_issue("one"), _pr(f)),
        lambda gh, _: gh.list_issues(),
        lambda r: [i["title"] for i in r] == ["one"],
    ),
    (
        "issues/get",
        lambda f: f.add_issue("one"),
        lambda gh, i: gh.get_issue(i["number"]),
        lambda r: r["title"] == "one",
    ),
    (
        "issues/update",
        lambda f: f.add_issue("one"),
        lambda gh, i: gh.update_issue(
            i["number"], state="closed", state_reason="completed", milestone=None, title="two"
        ),
        lambda r: (r["state"], r["title"], r["closed_at"] is not None) == ("closed", "two", True),
    ),
    (
        "issues/list-comments",
        lambda f: f.add_comment(f.add_issue("x")["number"], "c1"),
        lambda gh, c: gh.list_comments(1),
        lambda r: [c["body"] for c in r] == ["c1"],
    ),
    (
        "issues/create-comment",
        lambda f: f.add_issue("x"),
        lambda gh, i: gh.create_comment(i["number"], "hello"),
        lambda r: r["body"] == "hello" and r["user"]["login"] == "github-actions[bot]",
    ),
    (
        "issues/update-comment",
        lambda f: f.add_comment(f.add_issue("x")["number"], "c1"),
        lambda gh, c: gh.update_comment(c["id"], "c2"),
        lambda r: r["body"] == "c2",
    ),
    (
        "issues/delete-comment",
        lambda f: f.add_comment(f.add_issue("x")["number"], "c1"),
        lambda gh, c: (gh.delete_comment(c["id"]), gh.list_comments(1))[1],
        lambda r: r == [],
    ),
    (
        "issues/add-labels",
        lambda f: f.add_issue("x", labels=["old"]),
        lambda gh, i: gh.add_labels(i["number"], ["new", "old"]),
        lambda r: [lbl["name"] for lbl in r] == ["old", "new"],
    ),
    (
        "issues/remove-label",
        lambda f: f.add_issue("x", labels=["area/api", "status: done"]),
        lambda gh, i: gh.remove_label(i["number"], "area/api"),
        lambda r: [lbl["name"] for lbl in r] == ["status: done"],
    ),
    (
        "issues/create-milestone",
        lambda f: None,
        lambda gh, _: gh.create_milestone(
            "Feature A", description="d", due_on="2026-02-01T00:00:00Z"
        ),
        lambda r: (r["title"], r["number"], r["state"]) == ("Feature A", 1, "open"),
    ),
    (
        "issues/list-milestones",
        lambda f: (f.add_milestone("A"), f.add_milestone("B", state="closed")),
        lambda gh, _: gh.list_milestones(state="all"),
        lambda r: [m["title"] for m in r] == ["A", "B"],
    ),
    (
        "issues/update-milestone",
        lambda f: f.add_milestone("A"),
        lambda gh, m: gh.update_milestone(m["number"], state="closed"),
        lambda r: r["state"] == "closed" and r["closed_at"],
    ),
    (
        "issues/create-label",
        lambda f: None,
        lambda gh, _: gh.create_label("specweave", "#0e8a16", "synced by specweave-git"),
        lambda r: (r["name"], r["color"]) == ("specweave", "0e8a16"),
    ),
    (
        "issues/list-labels-for-repo",
        lambda f: (f.add_label("a"), f.add_label("b")),
        lambda gh, _: gh.list_labels(),
        lambda r: [lbl["name"] for lbl in r] == ["a", "b"],
    ),
    (
        "pulls/get",
        _pr,
        lambda gh, n: gh.get_pull(n),
        lambda r: r["head"]["sha"] == "a" * 40 and r["base"]["ref"] == "main",
    ),
    (
        "pulls/list-files",
        _pr,
        lambda gh, n: gh.list_pull_files(n),
        lambda r: [(f["filename"], f["status"]) for f in r] == [("src/users.ts", "modified")],
    ),
    (
        "search/issues-and-pull-requests",
        lambda f: (
            f.add_issue("a", "has <!-- sw:US-001 -->", labels=["specweave"]),
            f.add_issue("b"),
        ),
        lambda gh, _: gh.search_issues(
            'repo:acme/widgets is:issue label:specweave in:body "sw:US-001"'
        ),
        lambda r: [i["title"] for i in r] == ["a"],
    ),
    (
        "checks/create",
        lambda f: None,
        lambda gh, _: gh.create_check_run("specweave-git", "b" * 40, status="in_progress"),
        lambda r: (r["status"], r["conclusion"]) == ("in_progress", None),
    ),
    (
        "checks/update",
        lambda f: f.client().create_check_run("specweave-git", "b" * 40, status="in_progress"),
        lambda gh, run: gh.update_check_run(
            run["id"],
            status="completed",
            conclusion="failure",
            output={"title": "2 findings", "summary": "see annotations"},
        ),
        lambda r: (
            (r["status"], r["conclusion"], r["output"]["title"])
            == ("completed", "failure", "2 findings")
        ),
    ),
]


@pytest.mark.parametrize(
    ("operation", "setup", "call", "check"), OPERATIONS, ids=[o[0] for o in OPERATIONS]
)
def test_every_operation_against_the_contract(
    operation: str,
    setup: Callable[[FakeGitHub], Any],
    call: Callable[[GitHubClient, Any], Any],
    check: Callable[[Any], bool],
) -> None:
    with FakeGitHub(validate_responses=True) as fake:
        context = setup(fake)
        with fake.client() as gh:
            result = call(gh, context)
        assert check(result), result
        # the fake's answers are GitHub-shaped too (validated against the same document)
        assert fake.server.invalid_responses == []
        assert fake.invalid == []


def test_operations_table_covers_the_contract() -> None:
    import json

    from tests.fakes.server import CONTRACTS

    doc = json.loads((CONTRACTS / "github.openapi.json").read_text())
    ids = {
        op["operationId"]
        for item in doc["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert ids == {o[0] for o in OPERATIONS}


def test_headers_sent(fake_github: FakeGitHub) -> None:
    with fake_github.client() as gh:
        gh.get_repo()
    headers = fake_github.requests[0].headers
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"
    assert headers["authorization"] == f"Bearer {fake_github.token}"
    assert headers["user-agent"].startswith("specweave-git/")
    assert fake_github.invalid == []


def test_token_and_url_come_from_the_environment(github_env: FakeGitHub) -> None:
    with GitHubClient("acme", "widgets") as gh:
        assert gh.base_url == github_env.url
        assert gh.get_repo()["name"] == "widgets"
        assert github_env.token not in repr(gh)
    assert github_env.requests[0].headers["authorization"] == f"Bearer {github_env.token}"
    assert github_env.invalid == []


def test_defaults_without_environment() -> None:
    gh = GitHubClient("acme", "widgets")
    assert (gh.base_url, gh.token) == (DEFAULT_API_URL, None)
    assert "Authorization" not in gh.http._headers(DEFAULT_API_URL + "/x", None)
    gh.close()


def test_list_uses_100_per_page_and_paginates(fake_github: FakeGitHub) -> None:
    number = fake_github.add_issue("x")["number"]
    for n in range(205):
        fake_github.add_comment(number, f"c{n}")
    with fake_github.client() as gh:
        bodies = [c["body"] for c in gh.list_comments(number)]
    assert bodies == [f"c{n}" for n in range(205)]
    assert [r.query["per_page"] for r in fake_github.requests] == [["100"]] * 3
    assert fake_github.invalid == []


def test_read_only_token_gets_githubs_403(fake_github: FakeGitHub) -> None:
    fake_github.read_only = True
    number = fake_github.add_issue("x")["number"]
    with fake_github.client() as gh:
        assert gh.get_issue(number)["title"] == "x"  # reads still work
        with pytest.raises(Forbidden) as info:
            gh.create_comment(number, "hi")
    assert info.value.message == "Resource not accessible by integration"
    assert info.value.documentation_url
    assert fake_github.invalid == []


@pytest.mark.parametrize(
    ("call", "error", "status"),
    [
        (lambda gh: gh.get_issue(99), NotFound, 404),
        (lambda gh: gh.get_pull(1), NotFound, 404),  # number 1 is an issue, not a PR
        (lambda gh: gh.create_label("dup"), HttpError, 422),
        (lambda gh: gh.remove_label(1, "absent"), NotFound, 404),
    ],
)
def test_errors_are_typed(
    fake_github: FakeGitHub, call: Call, error: type[HttpError], status: int
) -> None:
    fake_github.add_issue("x")
    fake_github.add_label("dup")
    with fake_github.client() as gh, pytest.raises(error) as info:
        call(gh)
    assert info.value.status == status
    assert fake_github.invalid == []


def test_validation_failed_message_names_the_field(fake_github: FakeGitHub) -> None:
    fake_github.add_label("dup")
    with fake_github.client() as gh, pytest.raises(HttpError) as info:
        gh.create_label("DUP")
    assert "Validation Failed: Label name already_exists" in str(info.value)
    assert fake_github.invalid == []


@pytest.mark.parametrize(
    ("method", "path", "body", "why"),
    [
        (
            "POST",
            "/repos/acme/widgets/issues",
            {"body": "no title"},
            "'title' is a required property",
        ),
        ("POST", "/repos/acme/widgets/issues/1/comments", {"text": "x"}, "'body' is a required"),
        ("PATCH", "/repos/acme/widgets/check-runs/1", {"status": "done"}, "InvalidRequestBody"),
        ("GET", "/repos/acme/widgets/wiki", None, "PathNotFound"),
        ("GET", "/search/issues", None, "MissingRequiredParameter"),
    ],
)
def test_the_fake_rejects_requests_that_break_the_contract(
    fake_github: FakeGitHub, method: str, path: str, body: Any, why: str
) -> None:
    client = HttpClient(fake_github.url, auth=fake_github.token, retries=0)
    with client, pytest.raises(HttpError) as info:
        client.request(method, path, json=body)
    assert info.value.status == 400
    assert "contract violation" in info.value.message
    assert len(fake_github.invalid) == 1
    assert why in fake_github.invalid[0][1]
    fake_github.invalid.clear()  # expected here; the fixture fails a test that leaves any


def test_the_response_validator_catches_a_wrong_shape() -> None:
    with FakeGitHub(validate_responses=True) as fake:
        number = fake.add_issue("x")["number"]
        del fake.issues[number]["node_id"]
        with fake.client() as gh:
            gh.get_issue(number)
    assert len(fake.server.invalid_responses) == 1
    assert "'node_id' is a required property" in fake.server.invalid_responses[0][1]


@pytest.mark.parametrize(
    ("q", "titles"),
    [
        ("repo:acme/widgets is:issue", ["story b", "story a"]),
        ("repo:other/repo", []),
        ("is:pr", ["a pr"]),
        ("label:specweave", ["story a"]),
        ('label:"needs spec"', ["story b"]),
        ("-label:specweave is:issue", ["story b"]),
        ('milestone:"Feature A"', ["story a"]),
        ("in:body marker-123", ["story a"]),
        ("in:title marker-123", []),
        ("is:closed", ["story b"]),
        ("state:open is:issue", ["story a"]),
        ("story", ["story b", "story a"]),
        ("no:milestone is:issue", ["story b"]),
        ("author:octocat is:issue", ["story b", "story a"]),
    ],
)
def test_search_query_parser(fake_github: FakeGitHub, q: str, titles: list[str]) -> None:
    ms = fake_github.add_milestone("Feature A")
    fake_github.add_issue(
        "story a", "body <!-- marker-123 -->", labels=["specweave"], milestone=ms["number"]
    )
    fake_github.add_issue("story b", "other", labels=["needs spec"], state="closed")
    fake_github.add_pull("a pr")
    with fake_github.client() as gh:
        assert [i["title"] for i in gh.search_issues(q)] == titles
    assert fake_github.invalid == []


def test_search_parse_tokens() -> None:
    query = github_search.parse('repo:a/b -label:"x y" in:body "two words" plain')
    assert query.qualifiers == [
        ("repo", "a/b", False),
        ("label", "x y", True),
        ("in", "body", False),
    ]
    assert query.terms == ["two words", "plain"]


def test_fault_rate_is_seeded_and_survived(fake_github: FakeGitHub) -> None:
    fake_github.server.set_error_rate(0.3)
    with fake_github.client(retries=6) as gh:
        for _ in range(10):
            assert gh.get_repo()["name"] == "widgets"
    failures = [r for r in fake_github.requests if r.status == 502]
    assert failures  # seeded: the same requests fail on every run
    assert len(fake_github.sleeps) == len(failures)
    assert fake_github.invalid == []


def test_rate_limit_headers_and_exhaustion(fake_github: FakeGitHub) -> None:
    fake_github.rate_limit = fake_github.rate_remaining = 3
    with fake_github.client(max_wait=1) as gh:
        gh.get_repo()
        response = gh.http.request("GET", "/repos/acme/widgets/labels")
        assert response.headers["x-ratelimit-remaining"] == "1"
        gh.get_repo()  # 304: free
        gh.list_labels()
        assert gh.rate_limit()["rate"]["remaining"] == 0
        with pytest.raises(RateLimited) as info:
            gh.get_issue(1)
    assert info.value.status == 403
    assert info.value.reset_at >= fake_github.rate_reset
    assert "rate limit" in str(info.value)
    assert fake_github.invalid == []

"""HttpClient against the fake GitHub over loopback: retries, rate limits, pages, ETags, secrets."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from specweave_git.net.errors import (
    Forbidden,
    HttpError,
    NetError,
    NetworkError,
    RateLimited,
    Unauthorized,
)
from specweave_git.net.http import HttpClient, parse_link, parse_retry_after
from specweave_git.net.secret import Secret, redact
from tests.fakes.github import FakeGitHub

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
REPO = "/repos/acme/widgets"


def make_client(fake: FakeGitHub, sleeps: list[float], **kw: object) -> HttpClient:
    kw.setdefault("clock", lambda: NOW)
    return HttpClient(fake.url, auth=fake.token, sleep=sleeps.append, **kw)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("Thu, 01 Jan 2026 00:00:30 GMT", 30.0),
        ("Wed, 31 Dec 2025 23:59:00 GMT", 0.0),  # in the past: no wait
        ("soon", None),
    ],
)
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            '<https://a/x?page=2>; rel="next", <https://a/x?page=5>; rel="last"',
            {"next": "https://a/x?page=2", "last": "https://a/x?page=5"},
        ),
        ("<https://a/x?page=1>; rel=first", {"first": "https://a/x?page=1"}),
        (
            '<https://a/?q=a,b>; rel="prev first"',
            {"prev": "https://a/?q=a,b", "first": "https://a/?q=a,b"},
        ),
        ("", {}),
    ],
)
def test_parse_link(header: str, expected: dict[str, str]) -> None:
    assert parse_link(header) == expected


def test_429_with_retry_after_sleeps_that_long(fake_github: FakeGitHub) -> None:
    fake_github.server.rate_limit_next(retry_after="7")
    sleeps: list[float] = []
    with make_client(fake_github, sleeps) as client:
        assert client.get(REPO)["full_name"] == "acme/widgets"
        assert sleeps == [7.0]
        assert client.stats["GET"] == 2
    assert fake_github.invalid == []


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected_sleep"),
    [
        (503, {"Retry-After": "Thu, 01 Jan 2026 00:00:30 GMT"}, {"message": "busy"}, 30.0),
        (403, {"Retry-After": "5"}, {"message": "secondary rate limit"}, 5.0),
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 10)},
            {"message": "API rate limit exceeded"},
            11.0,
        ),
        (403, {}, {"message": "You have exceeded a secondary rate limit."}, 60.0),
    ],
)
def test_rate_limit_waits(
    fake_github: FakeGitHub,
    status: int,
    headers: dict[str, str],
    body: dict[str, str],
    expected_sleep: float,
) -> None:
    fake_github.server.fail_next(1, status, body=body, headers=headers)
    sleeps: list[float] = []
    with make_client(fake_github, sleeps) as client:
        assert client.get(REPO)["name"] == "widgets"
    assert sleeps == [expected_sleep]
    assert fake_github.invalid == []


def test_wait_beyond_the_cap_raises_rate_limited_without_sleeping(fake_github: FakeGitHub) -> None:
    fake_github.rate_remaining = 0
    fake_github.rate_reset = int(NOW) + 3600
    sleeps: list[float] = []
    with make_client(fake_github, sleeps) as client, pytest.raises(RateLimited) as info:
        client.get(REPO)
    assert sleeps == []
    assert info.value.reset_at == NOW + 3601
    assert info.value.status == 403
    assert "rate limit exceeded" in str(info.value)
    assert fake_github.invalid == []


def test_plain_403_is_forbidden_and_not_retried(fake_github: FakeGitHub) -> None:
    fake_github.read_only = True
    sleeps: list[float] = []
    with make_client(fake_github, sleeps) as client, pytest.raises(Forbidden) as info:
        client.request("POST", f"{REPO}/labels", json={"name": "x"})
    assert client.stats.total == 1
    assert sleeps == []
    assert "Resource not accessible by integration" in str(info.value)
    assert "POST /repos/acme/widgets/labels: HTTP 403" in str(info.value)
    assert fake_github.invalid == []


def test_5xx_is_retried_with_growing_jittered_backoff(fake_github: FakeGitHub) -> None:
    fake_github.server.fail_next(3, 502)
    sleeps: list[float] = []
    with make_client(fake_github, sleeps, backoff=1.0) as client:
        assert client.get(REPO)["name"] == "widgets"
        assert client.stats["GET"] == 4
        assert client.stats.retries == 3
    # attempt n waits between half and all of 1 s * 2**n
    for n, slept in enumerate(sleeps):
        assert 2**n / 2 <= slept <= 2**n
    assert len(sleeps) == 3
    assert fake_github.invalid == []


def test_5xx_exhausted_raises_http_error(fake_github: FakeGitHub) -> None:
    fake_github.server.fail_next(10, 503, body={"message": "unicorns"})
    sleeps: list[float] = []
    with make_client(fake_github, sleeps, retries=2) as client, pytest.raises(HttpError) as info:
        client.get(REPO)
    assert info.value.status == 503
    assert info.value.message == "unicorns"
    assert fake_github.server.count("GET") == 3
    assert len(sleeps) == 2
    assert fake_github.invalid == []


@pytest.mark.parametrize(
    ("fault", "requests", "ok"),
    [
        # A 502 after POST may mean "created anyway": no blind retry.
        ({"status": 502}, 1, False),
        # A rate limit means "not done": retry.
        ({"status": 429, "headers": {"Retry-After": "1"}}, 2, True),
        # No answer at all after the request was sent: unknown outcome, no retry.
        ({"status": 0}, 1, False),
    ],
)
def test_post_is_retried_only_when_it_certainly_did_nothing(
    fake_github: FakeGitHub, fault: dict[str, object], requests: int, ok: bool
) -> None:
    fake_github.add_pull()
    fake_github.server.fail_next(1, **fault)  # type: ignore[arg-type]
    sleeps: list[float] = []
    with make_client(fake_github, sleeps) as client:
        try:
            client.request("POST", f"{REPO}/issues/1/comments", json={"body": "hi"})
            created = True
        except NetError:
            created = False
    assert created is ok
    assert fake_github.server.count("POST") == requests
    assert fake_github.invalid == []


def test_dropped_connection_on_get_is_retried(fake_github: FakeGitHub) -> None:
    fake_github.server.fail_next(1, 0)
    sleeps: list[float] = []
    with make_client(fake_github, sleeps) as client:
        assert client.get(REPO)["name"] == "widgets"
    assert len(sleeps) == 1
    assert fake_github.invalid == []


def test_read_timeout_is_retried(fake_github: FakeGitHub) -> None:
    fake_github.server.delay_next(0.6)
    sleeps: list[float] = []
    with make_client(fake_github, sleeps, timeout=0.15) as client:
        assert client.get(REPO)["name"] == "widgets"
    assert len(sleeps) == 1
    assert fake_github.invalid == []


def test_connection_refused_is_network_error_after_retries() -> None:
    sleeps: list[float] = []
    client = HttpClient(
        f"http://127.0.0.1:{free_port()}", auth="tok-secret-1234", retries=3, sleep=sleeps.append
    )
    with client, pytest.raises(NetworkError) as info:
        client.get("/rate_limit")
    assert len(sleeps) == 3
    assert info.value.attempts == 4
    assert client.stats["GET"] == 4
    assert "GET /rate_limit: ConnectError" in str(info.value)
    assert info.value.hint


def test_pagination_follows_link_over_250_items(fake_github: FakeGitHub) -> None:
    for n in range(250):
        fake_github.add_label(f"label-{n:03d}")
    sleeps: list[float] = []
    with make_client(fake_github, sleeps) as client:
        names = [lbl["name"] for lbl in client.paginate(f"{REPO}/labels", params={"per_page": 100})]
        assert client.stats["GET"] == 3
    assert names == [f"label-{n:03d}" for n in range(250)]
    pages = [r.query.get("page", ["1"])[0] for r in fake_github.requests]
    assert pages == ["1", "2", "3"]
    assert fake_github.invalid == []


def test_etag_304_costs_a_request_and_returns_the_cached_body(fake_github: FakeGitHub) -> None:
    issue = fake_github.add_issue("first title")
    path = f"{REPO}/issues/{issue['number']}"
    sleeps: list[float] = []
    with make_client(fake_github, sleeps) as client:
        first = client.request("GET", path)
        second = client.request("GET", path)
        assert (first.from_cache, second.from_cache) == (False, True)
        assert second.json() == first.json()
        assert client.stats["GET"] == 2
        assert client.stats.not_modified == 1
        fake_github.issues[issue["number"]]["title"] = "changed"
        third = client.request("GET", path)
    assert (third.from_cache, third.json()["title"]) == (False, "changed")
    assert [r.status for r in fake_github.requests] == [200, 304, 200]
    assert fake_github.requests[1].headers["if-none-match"] == first.headers["etag"]
    assert fake_github.invalid == []


@pytest.mark.parametrize(
    "action",
    ["bad-token", "forbidden", "echoed-token", "refused", "rate-limited", "retry-logged"],
)
def test_the_token_never_shows(
    fake_github: FakeGitHub, caplog: pytest.LogCaptureFixture, action: str
) -> None:
    caplog.set_level(10, logger="specweave_git")
    token = fake_github.token
    sleeps: list[float] = []
    base = f"http://127.0.0.1:{free_port()}" if action == "refused" else fake_github.url
    if action == "bad-token":
        token = "ghp_WrongTokenWrongToken0000"
    client = HttpClient(base, auth=Secret(token), sleep=sleeps.append, retries=1)
    if action == "forbidden":
        fake_github.read_only = True
    if action == "echoed-token":
        fake_github.server.fail_next(1, 400, body={"message": f"token {token} is odd"})
    if action == "rate-limited":
        fake_github.server.fail_next(1, 429, headers={"Retry-After": "3600"})
    if action == "retry-logged":
        fake_github.server.fail_next(2, 500, body={"message": f"boom {token}"})
    texts = [repr(client), str(client)]
    with client:
        try:
            if action == "retry-logged":
                client.request("GET", f"{REPO}/labels")
            else:
                client.request("POST", f"{REPO}/labels", json={"name": "x"})
        except NetError as exc:
            texts += [str(exc), repr(exc), str(exc.args), json.dumps(vars(exc), default=str)]
    texts.append(caplog.text)
    assert all(token not in t for t in texts)
    assert len(texts) > 3  # every case raised
    expected = {
        "bad-token": "HTTP 401",
        "forbidden": "HTTP 403",
        "echoed-token": "token *** is odd",
        "refused": "ConnectError",
        "rate-limited": "HTTP 429",
        "retry-logged": "boom ***",
    }[action]
    assert expected in texts[2]
    if action == "retry-logged":
        assert "retrying in" in caplog.text
    assert fake_github.invalid == []


def test_the_token_goes_only_to_the_api_origin(fake_github: FakeGitHub) -> None:
    sleeps: list[float] = []
    with make_client(fake_github, sleeps) as client:
        client.get(REPO)
        # A URL some response named (a redirect, a "next" link) on another host.
        elsewhere = client._headers("https://elsewhere.example/x", None)
    assert fake_github.requests[0].headers["authorization"] == f"Bearer {fake_github.token}"
    assert "Authorization" not in elsewhere
    assert fake_github.invalid == []


def test_unauthorized_has_a_hint(fake_github: FakeGitHub) -> None:
    client = HttpClient(fake_github.url, auth="wrong-token-000", sleep=lambda s: None)
    with client, pytest.raises(Unauthorized) as info:
        client.get(REPO)
    assert info.value.status == 401
    assert "Bad credentials" in str(info.value)
    assert "token" in (info.value.hint or "")
    assert fake_github.invalid == []


@pytest.mark.parametrize(
    ("render", "expected"),
    [
        (repr, "Secret('***')"),
        (str, "***"),
        (lambda s: f"{s}", "***"),
        (lambda s: f"{s!r:>4}", "Secret('***')"),
        (lambda s: "%s" % s, "***"),  # noqa: UP031 - the old style must redact too
        (lambda s: s.reveal(), "hunter2-token"),
        (lambda s: redact("a hunter2-token b", [s]), "a *** b"),
        (lambda s: redact("abc", ["ab", None, ""]), "abc"),  # too short to redact
    ],
)
def test_secret_renders_redacted(render: object, expected: str) -> None:
    assert render(Secret("hunter2-token")) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    "use",
    [lambda s: "Bearer " + s, lambda s: json.dumps(s), lambda s: __import__("pickle").dumps(s)],
)
def test_secret_refuses_silent_leaks(use: object) -> None:
    with pytest.raises(TypeError):
        use(Secret("hunter2-token"))  # type: ignore[operator]


def test_importing_the_net_modules_does_not_import_httpx() -> None:
    code = (
        "import sys, specweave_git.net.http, specweave_git.net.github, "
        "specweave_git.notify.pr_comment; print('httpx' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

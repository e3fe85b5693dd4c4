"""The sticky PR comment against FakeGitHub: lifecycle, marker, escaping, trimming, forks."""

from __future__ import annotations

import pytest

from specweave_git.net.errors import NotFound
from specweave_git.notify.pr_comment import (
    ALL_CLEAR,
    MAX_BODY,
    build_body,
    escape_markdown_user_text,
    find_sticky,
    trim,
    upsert_sticky_comment,
)
from tests.fakes.github import FakeGitHub

MARKER = "<!-- specweave-git:drift-report -->"
REPORT = (
    "## specweave-git drift check\n\n"
    "| Rule | Subject |\n| --- | --- |\n| `route-missing` | GET /users |\n"
)


def test_lifecycle_create_update_unchanged_all_clear(fake_github: FakeGitHub) -> None:
    pr = fake_github.add_pull()["number"]
    fake_github.add_comment(pr, "LGTM", login="reviewer")
    with fake_github.client() as gh:
        first = upsert_sticky_comment(gh, pr, REPORT, has_findings=True)
        assert first.action == "created" and first.wrote
        assert fake_github.writes == 1

        again = upsert_sticky_comment(gh, pr, REPORT, has_findings=True)
        assert (again.action, again.comment_id, again.wrote) == (
            "unchanged",
            first.comment_id,
            False,
        )
        assert fake_github.writes == 1  # identical body: no write

        changed = REPORT + "| `param-removed` | createUser |\n"
        update = upsert_sticky_comment(gh, pr, changed, has_findings=True)
        assert (update.action, update.comment_id) == ("updated", first.comment_id)

        clear = upsert_sticky_comment(gh, pr, "", has_findings=False)
        assert (clear.action, clear.comment_id) == ("updated", first.comment_id)
        still_clear = upsert_sticky_comment(gh, pr, "", has_findings=False)
        assert still_clear.action == "unchanged"
    bodies = [c["body"] for c in fake_github.comments_on(pr)]
    assert bodies == ["LGTM", f"{MARKER}\n{ALL_CLEAR}"]
    assert fake_github.writes == 3
    assert first.url and first.url.endswith(f"#issuecomment-{first.comment_id}")
    assert fake_github.invalid == []


def test_nothing_to_say_and_no_comment_is_skipped(fake_github: FakeGitHub) -> None:
    pr = fake_github.add_pull()["number"]
    with fake_github.client() as gh:
        outcome = upsert_sticky_comment(gh, pr, "No discrepancies.", has_findings=False)
    assert outcome.action == "skipped"
    assert fake_github.writes == 0
    assert fake_github.comments_on(pr) == []
    assert fake_github.invalid == []


def test_a_quoted_marker_is_not_our_comment(fake_github: FakeGitHub) -> None:
    pr = fake_github.add_pull()["number"]
    quote = f"> {MARKER}\n> the bot said this\n\nwhy?"
    fake_github.add_comment(pr, quote, login="reviewer")
    fake_github.add_comment(pr, f"Look: {MARKER}", login="reviewer")
    with fake_github.client() as gh:
        outcome = upsert_sticky_comment(gh, pr, REPORT, has_findings=True)
    assert outcome.action == "created"
    comments = fake_github.comments_on(pr)
    assert [c["body"] for c in comments[:2]] == [quote, f"Look: {MARKER}"]  # untouched
    assert comments[2]["body"].startswith(MARKER)
    assert fake_github.invalid == []


def test_finds_our_comment_among_many_pages(fake_github: FakeGitHub) -> None:
    pr = fake_github.add_pull()["number"]
    for n in range(150):
        fake_github.add_comment(pr, f"chatter {n}", login="reviewer")
    ours = fake_github.add_comment(pr, f"{MARKER}\nold report", login="github-actions[bot]")
    for n in range(60):
        fake_github.add_comment(pr, f"more {n}", login="reviewer")
    with fake_github.client() as gh:
        outcome = upsert_sticky_comment(gh, pr, REPORT, has_findings=True)
    assert (outcome.action, outcome.comment_id) == ("updated", ours["id"])
    assert fake_github.server.count("GET", "/comments") == 3
    assert fake_github.invalid == []


@pytest.mark.parametrize(
    ("comments", "expected"),
    [
        # a human pasted a whole report first; the bot's own comment wins
        ([(1, "alice", "User"), (2, "github-actions[bot]", "Bot")], 2),
        # two bot comments (a race of two runs): the oldest stays the sticky one
        ([(5, "github-actions[bot]", "Bot"), (3, "github-actions[bot]", "Bot")], 3),
        # another bot (a GitHub App token) before a human
        ([(1, "alice", "User"), (4, "specweave-app[bot]", "Bot")], 4),
        ([(7, "alice", "User")], 7),
        ([], None),
    ],
)
def test_find_sticky_prefers_the_bot(
    comments: list[tuple[int, str, str]], expected: int | None
) -> None:
    found = find_sticky(
        [
            {"id": i, "body": f"{MARKER}\nx", "user": {"login": login, "type": kind}}
            for i, login, kind in comments
        ],
        "specweave-git:drift-report",
        bot_login="github-actions[bot]",
    )
    assert (found["id"] if found else None) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ends the marker -->", "ends the marker --&gt;"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a | b", "a \\| b"),
        ("line one\nline two\r\nthree", "line one<br>line two<br>three"),
        ("Tom & Jerry", "Tom &amp; Jerry"),
        ("`code` *bold* _it_ [link]", "\\`code\\` \\*bold\\* \\_it\\_ \\[link\\]"),
        ("trailing backslash \\", "trailing backslash \\\\"),
        ("@Controller('users')", "@\u200bController('users')"),
        ("plain text 123", "plain text 123"),
    ],
)
def test_escape_markdown_user_text(text: str, expected: str) -> None:
    escaped = escape_markdown_user_text(text)
    assert escaped == expected
    assert "-->" not in escaped and "<script" not in escaped and "\n" not in escaped


def test_trimmed_under_the_limit_with_a_link(fake_github: FakeGitHub) -> None:
    pr = fake_github.add_pull()["number"]
    rows = [f"| `symbol-missing` | fn{n:05d} {'x' * 80} |" for n in range(2000)]
    body = "## report\n\n| Rule | Subject |\n| --- | --- |\n" + "\n".join(rows) + "\n"
    url = "https://github.example.test/acme/widgets/actions/runs/42"
    with fake_github.client() as gh:
        outcome = upsert_sticky_comment(gh, pr, body, has_findings=True, report_url=url)
    assert outcome.action == "created"
    posted = fake_github.comments_on(pr)[0]["body"]
    assert len(posted) <= MAX_BODY
    kept = sum(1 for line in posted.splitlines() if line.startswith("| `symbol-missing`"))
    assert posted.endswith(f"… {2000 - kept} more findings truncated — full report: {url}")
    assert posted.splitlines()[5 : 5 + kept] == rows[:kept]  # the head, cut at a row
    assert fake_github.invalid == []


LIST = "# head\n\n" + "".join(f"- finding {n:03d}\n" for n in range(40))
FENCE = "# head\n\n```ts\n" + "".join(f"const x{n} = {n};\n" for n in range(40)) + "```\n"
DETAILS = "<details>\n<summary>all</summary>\n\n" + "".join(f"line {n}\n" for n in range(40))
TABLE = "| Rule | Subject |\n| --- | --- |\n" + "".join(f"| r | s{n:03d} |\n" for n in range(40))


@pytest.mark.parametrize(
    ("text", "limit", "closing", "footer"),
    [
        ("short", 100, None, None),
        (LIST, 300, None, r"… (\d+) more findings truncated — full report: https://r$"),
        (FENCE, 300, "```", r"… (\d+) more lines truncated — full report: https://r$"),
        (DETAILS, 300, "</details>", r"… (\d+) more lines truncated — full report: https://r$"),
        (TABLE, 300, None, r"… (\d+) more findings truncated — full report: https://r$"),
    ],
)
def test_trim_cuts_at_lines_and_closes_blocks(
    text: str, limit: int, closing: str | None, footer: str | None
) -> None:
    import re

    out = trim(text.rstrip("\n"), limit, report_url="https://r")
    assert len(out) <= limit
    if footer is None:
        assert out == text
        return
    head = out.partition("\n\n… ")[0]
    match = re.search(footer, out)
    assert match, out
    body_lines = head.split("\n")
    if closing:
        assert body_lines[-1] == closing
        body_lines = body_lines[:-1]
    assert text.startswith("\n".join(body_lines) + "\n")  # a prefix of whole lines
    dropped = text.rstrip("\n").split("\n")[len(body_lines) :]
    assert int(match.group(1)) == len(dropped)  # every dropped line is a finding / counted


def test_body_starts_with_the_marker() -> None:
    assert build_body("hi\n", marker="m:x") == "<!-- m:x -->\nhi"
    with pytest.raises(ValueError, match="cannot contain"):
        build_body("hi", marker="evil -->")


def test_fork_pr_read_only_token_is_forbidden_not_an_error(fake_github: FakeGitHub) -> None:
    pr = fake_github.add_pull()["number"]
    fake_github.read_only = True
    with fake_github.client() as gh:
        outcome = upsert_sticky_comment(gh, pr, REPORT, has_findings=True)
    assert outcome.action == "forbidden"
    assert (
        "read-only" in outcome.message
        and "Resource not accessible by integration" in outcome.message
    )
    assert fake_github.server.count("POST") == 1  # tried once, not retried
    assert fake_github.comments_on(pr) == []
    assert fake_github.invalid == []


def test_missing_pr_is_a_clear_error(fake_github: FakeGitHub) -> None:
    with fake_github.client() as gh, pytest.raises(NotFound) as info:
        upsert_sticky_comment(gh, 404, REPORT, has_findings=True)
    assert "pull request #404 not found in acme/widgets" in str(info.value)
    assert fake_github.writes == 0
    assert fake_github.invalid == []

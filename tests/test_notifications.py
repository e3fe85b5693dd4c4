"""Notifications in git notes: model, store, fold of state records, CLI, the pending line."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.config import defaults
from specweave_git.config.model import build
from specweave_git.errors import UsageError
from specweave_git.gitio.notes import NOTES_REF, append_note, read_note
from specweave_git.gitio.repo import open_repo
from specweave_git.notify.model import Notification, StateChange, dumps, make_id
from specweave_git.notify.store import (
    add_notification,
    cleanup,
    expired,
    find,
    list_notifications,
    load,
    notify_config_allows,
    pending_counts,
    set_status,
)
from specweave_git.notify.terminal import pending_line, summary

from .conftest import Repo

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def note(
    type_: str = "drift", severity: str = "warning", title: str = "t", **kw: Any
) -> Notification:
    kw.setdefault("created_at", NOW)
    return Notification.new(type_, severity, title, **kw)


def state_line(nid: str, status: str, at: datetime, by: str = "someone") -> str:
    return dumps(StateChange(nid, status, at.strftime("%Y-%m-%dT%H:%M:%SZ"), by).to_json())


# ---------------------------------------------------------------- model


@pytest.mark.parametrize(
    "n",
    [
        note(),
        note("sync-failure", "critical", "GitHub said 502", message="retry later"),
        note("job-complete", "info", "nightly scan", data={"job": "discrepancyCheck", "n": 3}),
        note("conflict", "warning", "ünïcode — title", commit="a" * 40),
    ],
)
def test_to_json_from_json_round_trip(n: Notification) -> None:
    line = dumps(n.to_json())
    assert "\n" not in line
    back = Notification.from_json(json.loads(line))
    assert back == n
    assert json.loads(line)["kind"] == "notification"


@pytest.mark.parametrize(
    ("fields", "same"),
    [
        ({}, True),
        ({"message": "other message"}, True),  # the message is not part of the id
        ({"severity": "critical"}, True),
        ({"title": "other"}, False),
        ({"type_": "conflict"}, False),
        ({"commit": "b" * 40}, False),
        ({"created_at": NOW + timedelta(seconds=1)}, False),
    ],
)
def test_id_is_a_stable_hash_of_type_commit_title_created(
    fields: dict[str, Any], same: bool
) -> None:
    base = note()
    other = note(**fields)
    assert len(base.id) == 12
    assert int(base.id, 16) >= 0
    assert base.id == make_id("drift", "", "t", "2026-03-01T12:00:00Z")
    assert (other.id == base.id) is same


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "info", "t"), "unknown notification type"),
        (("drift", "fatal", "t"), "unknown severity"),
    ],
)
def test_new_refuses_unknown_type_or_severity(args: tuple[str, str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Notification.new(*args)


GOOD = note().to_json()


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "check"},
        {"severity": "fatal"},
        {"severity": 3},
        {"status": "deleted"},
        {"data": [1, 2]},
        {"created_at": "yesterday"},
        {"title": None},
    ],
)
def test_from_json_rejects_a_malformed_record(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Notification.from_json({**GOOD, **changes})


# ---------------------------------------------------------------- store


def test_add_and_list_on_head_and_on_a_given_commit(repo: Repo) -> None:
    first = repo.commit("first")
    head = repo.commit("second")
    r = open_repo(repo.path)
    assert list_notifications(r) == []
    a = add_notification(r, note(title="on head", created_at=ago(2)))
    b = add_notification(r, note(title="on first", commit=first, created_at=ago(1)))
    assert a.commit == head
    assert a.id == make_id("drift", head, "on head", a.created_at)
    assert b.commit == first
    assert list_notifications(r) == [b, a]  # newest first
    assert len(read_note(r, head)) == 1
    assert len(read_note(r, first)) == 1


def test_many_notifications_on_one_commit(repo: Repo) -> None:
    head = repo.commit("first")
    r = open_repo(repo.path)
    added = [add_notification(r, note(title=f"n{i}", created_at=ago(i))) for i in range(5)]
    assert list_notifications(r) == added
    lines = read_note(r, head)
    assert [json.loads(line)["title"] for line in lines] == [f"n{i}" for i in range(5)]


# (changes as (status, days ago), visible without --all, status)
FOLDS = [
    ([], True, "pending"),
    ([("dismissed", 1)], False, "dismissed"),
    ([("archived", 1)], False, "archived"),
    ([("dismissed", 2), ("archived", 1)], False, "archived"),
    # latest wins by time, not by line order (a notes merge sorts lines)
    ([("archived", 1), ("dismissed", 2)], False, "archived"),
    ([("archived", 2), ("dismissed", 1)], False, "dismissed"),
    # the same second: archived is the stronger decision
    ([("archived", 1), ("dismissed", 1)], False, "archived"),
]


@pytest.mark.parametrize(("changes", "visible", "status"), FOLDS)
def test_state_records_fold_latest_wins(
    repo: Repo, changes: list[tuple[str, int]], visible: bool, status: str
) -> None:
    head = repo.commit("first")
    r = open_repo(repo.path)
    n = add_notification(r, note(created_at=ago(10)))
    other = add_notification(r, note(title="untouched", created_at=ago(10)))
    append_note(r, head, [state_line(n.id, s, ago(d)) for s, d in changes])
    assert (n.id in {x.id for x in list_notifications(r)}) is visible
    everything = {x.id: x.status for x in list_notifications(r, include_all=True)}
    assert everything == {n.id: status, other.id: "pending"}


@pytest.mark.parametrize("status", ["dismissed", "archived"])
def test_set_status_appends_and_never_rewrites(repo: Repo, status: str) -> None:
    head = repo.commit("first")
    r = open_repo(repo.path)
    n = add_notification(r, note())
    before = read_note(r, head)
    changed = set_status(r, n.id[:6], status, "Ann <ann@example.com>", now=NOW)
    assert changed.status == status
    after = read_note(r, head)
    assert after[: len(before)] == before
    assert json.loads(after[-1]) == {
        "kind": "state",
        "id": n.id,
        "status": status,
        "at": "2026-03-01T12:00:00Z",
        "by": "Ann <ann@example.com>",
    }
    # again: nothing more is written
    set_status(r, n.id, status, "Ann <ann@example.com>", now=NOW)
    assert read_note(r, head) == after
    assert [c.status for c in load(r).history[n.id]] == [status]


def test_set_status_writes_to_the_commit_of_the_notification(repo: Repo) -> None:
    first = repo.commit("first")
    head = repo.commit("second")
    r = open_repo(repo.path)
    n = add_notification(r, note(commit=first))
    set_status(r, n.id, "dismissed", "x")
    assert read_note(r, head) == []
    assert json.loads(read_note(r, first)[-1])["kind"] == "state"


def test_set_status_refuses_pending(repo: Repo) -> None:
    repo.commit("first")
    r = open_repo(repo.path)
    n = add_notification(r, note())
    with pytest.raises(ValueError, match="dismissed or archived"):
        set_status(r, n.id, "pending", "x")


# (retention days, [(days old, status)], archived count, still pending)
CLEANUPS = [
    (30, [], 0, 0),
    (30, [(1, "pending"), (29, "pending")], 0, 2),
    (30, [(31, "pending"), (29, "pending")], 1, 1),
    (30, [(31, "dismissed"), (40, "pending"), (45, "archived")], 2, 0),
    (7, [(8, "pending"), (6, "pending"), (7.5, "dismissed")], 2, 1),
]


@pytest.mark.parametrize(("days", "ages", "archived", "pending"), CLEANUPS)
def test_cleanup_archives_what_is_older_than_the_retention(
    repo: Repo, days: int, ages: list[tuple[float, str]], archived: int, pending: int
) -> None:
    repo.commit("first")
    r = open_repo(repo.path)
    for i, (age, status) in enumerate(ages):
        n = add_notification(r, note(title=f"n{i}", created_at=ago(age)))
        if status != "pending":
            set_status(r, n.id, status, "x", now=ago(age - 0.5))
    assert len(expired(r, days, NOW)) == archived
    assert cleanup(r, days, NOW) == archived
    assert len(list_notifications(r)) == pending
    assert cleanup(r, days, NOW) == 0  # nothing left to archive
    statuses = [n.status for n in list_notifications(r, include_all=True)]
    assert statuses.count("archived") == archived + sum(1 for _, s in ages if s == "archived")


def test_cleanup_writes_one_note_update_per_commit(repo: Repo) -> None:
    first = repo.commit("first")
    repo.commit("second")
    r = open_repo(repo.path)
    for i in range(3):
        add_notification(r, note(title=f"n{i}", commit=first, created_at=ago(60)))
    before = int(repo.git("rev-list", "--count", NOTES_REF))
    assert cleanup(r, 30, NOW) == 3
    assert int(repo.git("rev-list", "--count", NOTES_REF)) == before + 1


def _seed_ids(repo: Repo, ids: list[str]) -> None:
    head = repo.commit("first")
    r = open_repo(repo.path)
    lines = [dumps({**note(title=nid).to_json(), "id": nid, "commit": head}) for nid in ids]
    append_note(r, head, lines)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("abcd11112222", "abcd11112222"),
        ("abcd1", "abcd11112222"),
        ("ABCD2", "abcd22223333"),
        ("ffff0000aaaa", "ffff0000aaaa"),
        ("ffff", "ffff0000aaaa"),
    ],
)
def test_find_by_id_or_unique_prefix(repo: Repo, given: str, expected: str) -> None:
    _seed_ids(repo, ["abcd11112222", "abcd22223333", "ffff0000aaaa"])
    assert find(open_repo(repo.path), given).id == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("abcd", "ambiguous: abcd11112222, abcd22223333"),
        ("fff", "too short"),
        ("0123", "unknown notification id '0123'"),
        ("abcd11112222x", "unknown notification id 'abcd11112222x'"),
    ],
)
def test_find_ambiguous_or_unknown_is_a_usage_error(repo: Repo, given: str, message: str) -> None:
    _seed_ids(repo, ["abcd11112222", "abcd22223333", "ffff0000aaaa"])
    with pytest.raises(UsageError, match=message) as info:
        find(open_repo(repo.path), given)
    assert info.value.exit_code == 2
    assert given in str(info.value)


@pytest.mark.parametrize(
    "junk",
    [
        "not json at all",
        "{broken json",
        "[1, 2, 3]",
        '"a string"',
        '{"kind": "check", "summary": {"major": 1}, "exit_code": 1}',
        '{"kind": "from-the-future", "id": "x"}',
        '{"kind": "notification", "id": "bad", "severity": "meh"}',
        '{"kind": "state", "id": "x", "status": "exploded", "at": "2026-01-01T00:00:00Z"}',
        '{"no": "kind"}',
        "[" * 100_000,
    ],
)
def test_lines_that_are_not_notifications_are_ignored(repo: Repo, junk: str) -> None:
    head = repo.commit("first")
    r = open_repo(repo.path)
    a = add_notification(r, note(title="a", created_at=ago(1)))
    append_note(r, head, [junk])
    b = add_notification(r, note(title="b"))
    assert list_notifications(r, include_all=True) == [b, a]
    assert pending_counts(r) == {"info": 0, "warning": 2, "critical": 0}


def test_a_plain_text_note_by_someone_else_is_ignored(repo: Repo) -> None:
    first = repo.commit("first")
    head = repo.commit("second")
    repo.git("notes", "--ref", NOTES_REF, "add", "-m", "Reviewed-by: Bob\n\nok", first)
    r = open_repo(repo.path)
    assert list_notifications(r) == []
    n = add_notification(r, note())
    assert list_notifications(r) == [n]
    assert n.commit == head


def _config(**notifications: Any) -> Any:
    doc = copy.deepcopy(defaults())
    section = doc["sync"]["orchestration"]["notifications"]
    types = notifications.pop("types", {})
    section.update(notifications)
    section["types"].update(types)
    return build(doc, path=None, raw={})


@pytest.mark.parametrize(
    ("config", "type_", "allowed"),
    [
        ({}, "drift", True),
        ({}, "job-complete", False),  # jobComplete defaults to false
        ({}, "permission-denied", True),  # no switch: always
        ({}, "job-failed", True),
        ({"types": {"jobComplete": True}}, "job-complete", True),
        ({"types": {"syncFailure": False}}, "sync-failure", False),
        ({"types": {"importComplete": False}}, "import-complete", False),
        ({"types": {"discrepancy": False}}, "drift", True),
        ({"enabled": False}, "drift", False),
        ({"enabled": False}, "conflict", False),
    ],
)
def test_notify_config_allows(config: dict[str, Any], type_: str, allowed: bool) -> None:
    assert notify_config_allows(_config(**config), type_) is allowed


@pytest.mark.parametrize(
    ("counts", "line"),
    [
        ({"info": 0, "warning": 0, "critical": 0}, None),
        (
            {"info": 1, "warning": 0, "critical": 0},
            "1 pending notification — specweave-git notifications list",
        ),
        (
            {"info": 1, "warning": 1, "critical": 1},
            "3 pending notifications (1 critical, 1 warning) — specweave-git notifications list",
        ),
        (
            {"info": 0, "warning": 0, "critical": 2},
            "2 pending notifications (2 critical) — specweave-git notifications list",
        ),
    ],
)
def test_summary_line(counts: dict[str, int], line: str | None) -> None:
    assert summary(counts) == line


def test_pending_line_counts_only_pending(repo: Repo) -> None:
    repo.commit("first")
    r = open_repo(repo.path)
    assert pending_line(r) is None
    add_notification(r, note(severity="critical", title="a"))
    b = add_notification(r, note(severity="info", title="b"))
    add_notification(r, note(severity="warning", title="c"))
    set_status(r, b.id, "dismissed", "x")
    assert pending_line(r) == (
        "2 pending notifications (1 critical, 1 warning) — specweave-git notifications list"
    )


# ---------------------------------------------------------------- CLI


def cli(repo: Repo, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["notifications", *argv, "--repo", str(repo.path)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def seeded(repo: Repo) -> dict[str, Notification]:
    repo.commit("first")
    r = open_repo(repo.path)
    now = datetime.now(timezone.utc)
    rows = {
        "old": note("sync-failure", "critical", "GitHub 502", created_at=now - timedelta(days=40)),
        "week": note("drift", "warning", "spec drifted", created_at=now - timedelta(days=5)),
        "new": note("job-complete", "info", "nightly scan", created_at=now - timedelta(hours=1)),
    }
    return {k: add_notification(r, n) for k, n in rows.items()}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ((), ["new", "week", "old"]),
        (("--type", "drift"), ["week"]),
        (("--severity", "critical"), ["old"]),
        (("--since", "7d"), ["new", "week"]),
        (("--since", "2h"), ["new"]),
        (("--since", "2w"), ["new", "week"]),
        (("--since", "2000-01-01"), ["new", "week", "old"]),
        (("--since", "2999-01-01T00:00:00Z"), []),
        (("--type", "drift", "--severity", "info"), []),
    ],
)
def test_cli_list_filters(
    repo: Repo,
    seeded: dict[str, Notification],
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    expected: list[str],
) -> None:
    code, out, _ = cli(repo, capsys, "list", *argv, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert [n["id"] for n in doc["notifications"]] == [seeded[k].id for k in expected]
    code, out, _ = cli(repo, capsys, "list", *argv)
    assert code == 0
    if expected:
        rows = [line.split("  ")[0] for line in out.splitlines()]
        assert rows == [seeded[k].id for k in expected]
    else:
        assert out == "no pending notifications\n"


def test_cli_list_text_columns(
    repo: Repo, seeded: dict[str, Notification], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(repo, capsys, "list", "--severity", "warning")
    n = seeded["week"]
    assert code == 0
    assert out == f"{n.id}  warning  drift  {n.created_at}  spec drifted\n"


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (("--since", "7x"), "--since"),
        (("--since", "last tuesday"), "--since"),
        (("--since", "d"), "--since"),
        (("--type", "bogus"), "--type"),
        (("--severity", "fatal"), "--severity"),
    ],
)
def test_cli_list_bad_filters_exit_2_naming_the_flag(
    repo: Repo,
    seeded: dict[str, Notification],
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    flag: str,
) -> None:
    code, out, err = cli(repo, capsys, "list", *argv)
    assert code == 2
    assert out == ""
    assert f"error: {flag}: " in err


@pytest.mark.parametrize(("action", "status"), [("dismiss", "dismissed"), ("archive", "archived")])
def test_cli_dismiss_archive_show(
    repo: Repo,
    seeded: dict[str, Notification],
    capsys: pytest.CaptureFixture[str],
    action: str,
    status: str,
) -> None:
    n = seeded["week"]
    code, out, _ = cli(repo, capsys, action, n.id[:5])
    assert (code, out) == (0, f"{status} {n.id} drift: spec drifted\n")
    code, out, _ = cli(repo, capsys, action, n.id)
    assert (code, out) == (0, f"{n.id} is already {status}: spec drifted\n")
    _, out, _ = cli(repo, capsys, "list", "--format", "json")
    assert n.id not in {x["id"] for x in json.loads(out)["notifications"]}
    _, out, _ = cli(repo, capsys, "list", "--all")
    assert f"spec drifted [{status}]" in out
    code, out, _ = cli(repo, capsys, "show", n.id, "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["notification"]["status"] == status
    assert [(h["status"], h["by"]) for h in doc["history"]] == [
        (status, "Test User <test@example.com>")
    ]
    code, out, _ = cli(repo, capsys, "show", n.id[:6])
    assert code == 0
    assert out.splitlines()[:2] == [f"{n.id}  warning  drift  {status}", "title: spec drifted"]
    assert f"{status} by Test User <test@example.com> at " in out


@pytest.mark.parametrize("action", ["show", "dismiss", "archive"])
def test_cli_unknown_id_exits_2(
    repo: Repo,
    seeded: dict[str, Notification],
    capsys: pytest.CaptureFixture[str],
    action: str,
) -> None:
    code, out, err = cli(repo, capsys, action, "0000dead")
    assert (code, out) == (2, "")
    assert "unknown notification id '0000dead'" in err


@pytest.mark.parametrize(
    ("retention", "archived"),
    [(None, ["old"]), (3, ["week", "old"]), (100, [])],  # newest first
)
def test_cli_cleanup_uses_the_configured_retention(
    repo: Repo,
    seeded: dict[str, Notification],
    capsys: pytest.CaptureFixture[str],
    retention: int | None,
    archived: list[str],
) -> None:
    if retention is not None:
        notifications = {"notifications": {"retentionDays": retention}}
        config = {"sync": {"orchestration": notifications}}
        repo.write(".specweave/config.json", json.dumps(config))
    days = retention or 30
    noun = "notification" if len(archived) == 1 else "notifications"
    code, out, _ = cli(repo, capsys, "cleanup", "--dry-run")
    assert code == 0
    summary_line = f"{len(archived)} {noun} older than {days} days would be archived"
    assert out.splitlines()[-1] == summary_line
    assert [line.split()[2] for line in out.splitlines()[:-1]] == [seeded[k].id for k in archived]
    _, out, _ = cli(repo, capsys, "list", "--format", "json")
    assert len(json.loads(out)["notifications"]) == 3  # a dry run changes nothing
    code, out, _ = cli(repo, capsys, "cleanup")
    assert (code, out) == (0, f"archived {len(archived)} {noun} older than {days} days\n")
    _, out, _ = cli(repo, capsys, "list", "--format", "json")
    left = {n["id"] for n in json.loads(out)["notifications"]}
    assert left == {n.id for k, n in seeded.items() if k not in archived}


# ---------------------------------------------------------------- check's pending line


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("tty", "fmt", "context", "shown"),
    [
        (True, "text", None, True),
        (False, "text", None, False),
        (True, "json", None, False),
        (True, "text", "hook", False),
        (True, "text", "ci", True),
    ],
)
def test_check_prints_the_pending_line_on_a_terminal_only(
    repo: Repo,
    seeded: dict[str, Notification],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tty: bool,
    fmt: str,
    context: str | None,
    shown: bool,
) -> None:
    if context:
        monkeypatch.setenv("SPECWEAVE_CONTEXT", context)
    err = Tty() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    code = main(["check", "--repo", str(repo.path), "--format", fmt])
    assert code == 0
    line = "3 pending notifications (1 critical, 1 warning) — specweave-git notifications list"
    assert (line in err.getvalue()) is shown
    assert line not in capsys.readouterr().out


# Runs check with stderr on a real terminal and says whether notify was imported.
PTY_WRAPPER = """
import sys
from specweave_git.cli.main import main
code = main(["check"])
sys.stdout.write(f"code={code} notify={'specweave_git.notify.store' in sys.modules}\\n")
"""


@pytest.mark.parametrize(
    ("context", "shown"),
    [("user", True), ("hook", False)],
)
def test_check_on_a_real_pty(
    repo: Repo, seeded: dict[str, Notification], context: str, shown: bool
) -> None:
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", PTY_WRAPPER],
            cwd=repo.path,
            stderr=slave,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "SPECWEAVE_CONTEXT": context},
            check=False,
            timeout=60,
        )
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other side is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    terminal = b"".join(chunks).decode()
    assert proc.stdout.splitlines()[-1] == f"code=0 notify={shown}"
    assert ("3 pending notifications (1 critical, 1 warning)" in terminal) is shown

"""Run-context detection and the recursion guard (DESIGN §7)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from specweave_git import context
from specweave_git.context import GUARD_ENV, detect, guard_blocks, recursion_guard
from specweave_git.errors import EXIT_USAGE, UsageError


@pytest.mark.parametrize(
    ("env", "name", "reason"),
    [
        ({}, "user", "no hook or CI"),
        ({"SPECWEAVE_CONTEXT": "hook"}, "hook", "SPECWEAVE_CONTEXT"),
        ({"SPECWEAVE_CONTEXT": "ci"}, "ci", "SPECWEAVE_CONTEXT"),
        ({"SPECWEAVE_CONTEXT": "schedule"}, "schedule", "SPECWEAVE_CONTEXT"),
        ({"SPECWEAVE_CONTEXT": "user", "PRE_COMMIT": "1"}, "user", "SPECWEAVE_CONTEXT"),
        ({"SPECWEAVE_CONTEXT": " Hook "}, "hook", "SPECWEAVE_CONTEXT"),
        ({"SPECWEAVE_CONTEXT": ""}, "user", "no hook or CI"),  # empty means "detect"
        ({"PRE_COMMIT": "1"}, "hook", "PRE_COMMIT=1"),
        ({"PRE_COMMIT": "1", "GITHUB_ACTIONS": "true"}, "hook", "PRE_COMMIT=1"),
        ({"GIT_INDEX_FILE": "/r/.git/index.lock"}, "hook", "GIT_INDEX_FILE"),
        ({"PRE_COMMIT_FROM_REF": "abc"}, "hook", "PRE_COMMIT_FROM_REF"),
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "schedule"},
            "schedule",
            "GITHUB_EVENT_NAME=schedule",
        ),
        ({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}, "ci", "event push"),
        ({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request"}, "ci", "pull_request"),
        ({"GITHUB_ACTIONS": "true"}, "ci", "GITHUB_ACTIONS=true"),
        ({"GITLAB_CI": "true"}, "ci", "GITLAB_CI"),
        ({"CI": "true"}, "ci", "CI is set"),
        ({"CI": "1"}, "ci", "CI is set"),
        ({"CI": "false"}, "user", "no hook or CI"),
        ({"TF_BUILD": "True"}, "ci", "TF_BUILD"),
        ({"JENKINS_URL": "https://ci.example"}, "ci", "JENKINS_URL"),
    ],
)
def test_detect(env: dict[str, str], name: str, reason: str) -> None:
    ctx = detect(env)
    assert ctx.name == name
    assert reason in ctx.reason
    assert ctx.network_allowed is (name != "hook")


@pytest.mark.parametrize("value", ["robot", "HOOKS", "c i", "1"])
def test_invalid_context_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError) as exc:
        detect({"SPECWEAVE_CONTEXT": value})
    assert exc.value.exit_code == EXIT_USAGE
    assert "SPECWEAVE_CONTEXT" in str(exc.value) and repr(value.strip()) in str(exc.value)


@pytest.mark.parametrize(
    ("value", "skipped"),
    [
        ("true", True),
        ("1", True),
        ("yes", True),
        ("YES", True),
        (" on ", True),
        ("no", False),
        ("0", False),
        ("false", False),
        ("", False),
    ],
)
@pytest.mark.parametrize("flag", context.LEGACY_SKIP_FLAGS)
def test_legacy_skip_flags(flag: str, value: str, skipped: bool) -> None:
    ctx = detect({flag: value, "CI": "true"})
    assert (flag in ctx.skip_flags) is skipped
    assert ctx.external_sync_allowed is (not skipped)
    assert (flag in ctx.describe()) is skipped


def test_hook_never_allows_external_sync() -> None:
    ctx = detect({"PRE_COMMIT": "1"})
    assert not ctx.external_sync_allowed
    assert "no network" in ctx.describe()


# --- recursion guard -------------------------------------------------------------------


def _write_guard(state: Path, token: str, pid: int, created: float, ttl: float = 600) -> Path:
    state.mkdir(parents=True, exist_ok=True)
    path = state / f"guard-{token}.json"
    data = {"pid": pid, "created": created, "ttl": ttl, "token": token}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: the pid is gone
    return proc.pid


def test_guard_blocks_own_token_only(tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert not guard_blocks(state, {})  # no state dir at all
    with recursion_guard(state) as extra:
        token = extra[GUARD_ENV]
        assert guard_blocks(state, extra)
        assert not guard_blocks(state, {GUARD_ENV: "0" * 16})
        assert not guard_blocks(state, {})
    assert not guard_blocks(state, extra)  # released
    assert list(state.iterdir()) == []
    assert len(token) == 16


def test_two_holders_do_not_overwrite_each_other(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with recursion_guard(state) as first, recursion_guard(state) as second:
        assert guard_blocks(state, first) and guard_blocks(state, second)
    assert list(state.iterdir()) == []


@pytest.mark.parametrize(
    ("pid", "age", "blocks"),
    [
        ("self", 10, True),
        ("self", 599, True),
        ("self", 601, False),  # older than the TTL
        ("self", -3600, False),  # created in the future: clock trouble, not a live guard
        ("dead", 10, False),  # owner is gone
        (0, 10, False),
        (-1, 10, False),
    ],
)
def test_stale_guards_are_removed(
    tmp_path: Path, pid: object, age: float, blocks: bool, caplog: pytest.LogCaptureFixture
) -> None:
    import os

    owner = {"self": os.getpid(), "dead": _dead_pid()}.get(str(pid), pid)
    assert isinstance(owner, int)
    now = time.time()
    token = "a1" * 8
    path = _write_guard(tmp_path, token, owner, now - age)
    with caplog.at_level(logging.WARNING, logger="specweave_git"):
        assert guard_blocks(tmp_path, {GUARD_ENV: token}, now=now) is blocks
    assert path.exists() is blocks
    assert ("stale recursion guard" in caplog.text) is (not blocks)


@pytest.mark.parametrize(
    "content",
    ["", "{not json", "[]", "42", '{"pid": 1}', '{"pid": "x", "created": 1, "token": "t"}'],
)
def test_unreadable_guard_is_removed(tmp_path: Path, content: str) -> None:
    path = tmp_path / f"guard-{'b2' * 8}.json"
    path.write_text(content, encoding="utf-8")
    assert not guard_blocks(tmp_path, {GUARD_ENV: "b2" * 8})
    assert not path.exists()


def test_stale_guard_of_others_is_swept_without_a_token(tmp_path: Path) -> None:
    stale = _write_guard(tmp_path, "c3" * 8, _dead_pid(), time.time())
    assert not guard_blocks(tmp_path, {})
    assert not stale.exists()


def test_token_cannot_name_another_file(tmp_path: Path) -> None:
    import os

    live = _write_guard(tmp_path, "d4" * 8, os.getpid(), time.time())
    assert not guard_blocks(tmp_path, {GUARD_ENV: "../" + "d4" * 8})
    assert live.exists()


def test_recursion_guard_cleans_up_on_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), recursion_guard(tmp_path) as extra:
        assert guard_blocks(tmp_path, extra)
        raise RuntimeError("boom")
    assert not guard_blocks(tmp_path, extra)
    assert list(tmp_path.iterdir()) == []


def test_guard_reaches_a_real_child_process(tmp_path: Path) -> None:
    """What a hook fired by our own `git commit` sees: the token in its environment."""
    import os

    code = (
        "import sys; from pathlib import Path; from specweave_git.context import guard_blocks;"
        "sys.exit(0 if guard_blocks(Path(sys.argv[1])) else 1)"
    )
    with recursion_guard(tmp_path) as extra:
        inside = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=os.environ | extra)
        outside = subprocess.run([sys.executable, "-c", code, str(tmp_path)])
    assert (inside.returncode, outside.returncode) == (0, 1)

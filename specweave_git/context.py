"""Who is running us (hook / ci / schedule / user) and the recursion guard (DESIGN §7)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import UsageError
from .log import get_logger
from .record import FrozenRecord, set_field

log = get_logger(__name__)

CONTEXTS = ("hook", "ci", "schedule", "user")
LEGACY_SKIP_FLAGS = ("SKIP_EXTERNAL_SYNC", "SKIP_US_SYNC", "SKIP_GITHUB_SYNC")
GUARD_ENV = "SPECWEAVE_GIT_GUARD"
GUARD_TTL_SECONDS = 600.0
_TRUE = {"1", "true", "yes", "on"}
# Environment variables set by CI systems other than GitHub Actions.
_OTHER_CI = ("GITLAB_CI", "BUILDKITE", "CIRCLECI", "JENKINS_URL", "TF_BUILD", "TRAVIS", "CI")


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _TRUE


class Context(FrozenRecord):
    __slots__ = ("name", "reason", "skip_flags")

    name: str  # hook | ci | schedule | user
    reason: str  # why we decided so, for `specweave-git context`
    skip_flags: tuple[str, ...]  # legacy SKIP_* flags that are set

    def __init__(self, name: str, reason: str, skip_flags: tuple[str, ...] = ()) -> None:
        set_field(self, "name", name)
        set_field(self, "reason", reason)
        set_field(self, "skip_flags", skip_flags)

    @property
    def network_allowed(self) -> bool:
        """In hook context nothing touches the network, ever."""
        return self.name != "hook"

    @property
    def external_sync_allowed(self) -> bool:
        return self.network_allowed and not self.skip_flags

    def describe(self) -> str:
        text = f"context: {self.name} ({self.reason})"
        if self.skip_flags:
            text += f"; external sync skipped by {', '.join(self.skip_flags)}"
        if not self.network_allowed:
            text += "; no network in this context"
        return text


def detect(env: Mapping[str, str] | None = None) -> Context:
    """Detect the context from the environment, as DESIGN §7 says."""
    env = os.environ if env is None else env
    skips = tuple(f for f in LEGACY_SKIP_FLAGS if truthy(env.get(f)))
    explicit = env.get("SPECWEAVE_CONTEXT", "").strip()
    if explicit:
        value = explicit.lower()
        if value not in CONTEXTS:
            raise UsageError(
                f"unknown context {explicit!r}; expected one of {', '.join(CONTEXTS)}",
                file="environment",
                pointer="SPECWEAVE_CONTEXT",
            )
        return Context(value, "SPECWEAVE_CONTEXT is set", skips)
    if env.get("PRE_COMMIT") == "1":
        return Context("hook", "PRE_COMMIT=1 (run by pre-commit)", skips)
    for var in ("GIT_INDEX_FILE", "PRE_COMMIT_FROM_REF"):
        if env.get(var):
            return Context("hook", f"git hook environment ({var} is set)", skips)
    if env.get("GITHUB_ACTIONS") == "true":
        if env.get("GITHUB_EVENT_NAME") == "schedule":
            return Context("schedule", "GITHUB_ACTIONS=true, GITHUB_EVENT_NAME=schedule", skips)
        event = env.get("GITHUB_EVENT_NAME", "?")
        return Context("ci", f"GITHUB_ACTIONS=true, event {event}", skips)
    for var in _OTHER_CI:
        if truthy(env.get(var)) or (var == "JENKINS_URL" and env.get(var)):
            return Context("ci", f"{var} is set", skips)
    return Context("user", "no hook or CI environment detected", skips)


# --- recursion guard -------------------------------------------------------------------
#
# One file per holder, ``guard-<token>.json``: two runs in the same work tree (two
# terminals, an editor and a terminal) each hold their own guard, so neither overwrites
# the other's and lets its hooks recurse. The token travels to our git children in
# SPECWEAVE_GIT_GUARD; a hook blocks only while the file for that token is fresh.

_TOKEN = re.compile(r"\A[0-9a-f]{16}\Z")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        # os.kill(pid, 0) on Windows *terminates* the process (TerminateProcess).
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _guard_file(state_dir: Path, token: str) -> Path:
    return state_dir / f"guard-{token}.json"


def _stale_reason(path: Path, now: float) -> tuple[str | None, str | None]:
    """(why the guard is stale or None, its token); unreadable counts as stale."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pid = int(data["pid"])
        created = float(data["created"])
        ttl = float(data.get("ttl", GUARD_TTL_SECONDS))
        token = str(data["token"])
    except (OSError, ValueError, KeyError, TypeError):
        return "unreadable", None
    if not _pid_alive(pid):
        return f"owner pid {pid} gone", token
    # A creation time far in the future (clock change, copied file) is as stale as an
    # old one; otherwise it would block for ever.
    if abs(now - created) > ttl:
        return f"older than {ttl:.0f}s (pid {pid})", token
    return None, token


def guard_blocks(
    state_dir: Path, env: Mapping[str, str] | None = None, now: float | None = None
) -> bool:
    """True when this process was started by our own git call and must exit at once.

    A guard whose owner is gone, that is older than its TTL or that cannot be read is
    stale: it is removed (with a log line) and does not block.
    """
    env = os.environ if env is None else env
    token = env.get(GUARD_ENV, "").strip()
    now = time.time() if now is None else now
    try:
        paths = sorted(state_dir.glob("guard-*.json"))
    except OSError:
        return False
    blocks = False
    for path in paths:
        why, owner = _stale_reason(path, now)
        if why is not None:
            log.warning("removed stale recursion guard %s (%s)", path, why)
            with contextlib.suppress(OSError):
                path.unlink()
        elif _TOKEN.match(token) and owner == token and path == _guard_file(state_dir, token):
            blocks = True
    return blocks


@contextlib.contextmanager
def recursion_guard(state_dir: Path, ttl: float = GUARD_TTL_SECONDS) -> Iterator[dict[str, str]]:
    """Hold the guard while we run git commands that may fire our own hooks.

    Yields the environment additions to pass to those child processes.
    """
    import secrets  # not at import: it costs ~5 ms (hmac, OpenSSL, random), a hook needs none

    state_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(8)
    path = _guard_file(state_dir, token)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps({"pid": os.getpid(), "created": time.time(), "ttl": ttl, "token": token}),
        encoding="utf-8",
    )
    tmp.replace(path)  # a reader never sees a half-written guard
    try:
        yield {GUARD_ENV: token}
    finally:
        with contextlib.suppress(OSError):
            path.unlink()

"""Who is running us (hook / ci / schedule / user) and the recursion guard (DESIGN §7)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

log = logging.getLogger(__name__)

CONTEXTS = ("hook", "ci", "schedule", "user")
LEGACY_SKIP_FLAGS = ("SKIP_EXTERNAL_SYNC", "SKIP_US_SYNC", "SKIP_GITHUB_SYNC")
GUARD_ENV = "SPECWEAVE_GIT_GUARD"
GUARD_TTL_SECONDS = 600.0
_TRUE = {"1", "true", "yes", "on"}
# Environment variables set by CI systems other than GitHub Actions.
_OTHER_CI = ("GITLAB_CI", "BUILDKITE", "CIRCLECI", "JENKINS_URL", "TF_BUILD", "TRAVIS", "CI")


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _TRUE


@dataclass(frozen=True, slots=True)
class Context:
    name: str  # hook | ci | schedule | user
    reason: str  # why we decided so, for `specweave-git context`
    skip_flags: tuple[str, ...] = ()  # legacy SKIP_* flags that are set

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
    if env.get("GIT_INDEX_FILE") or env.get("PRE_COMMIT_FROM_REF"):
        return Context("hook", "git hook environment (GIT_INDEX_FILE)", skips)
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


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _guard_file(state_dir: Path) -> Path:
    return state_dir / "guard.json"


def guard_blocks(
    state_dir: Path, env: Mapping[str, str] | None = None, now: float | None = None
) -> bool:
    """True when this process was started by our own git call and must exit at once.

    A guard whose owner is gone or that is older than its TTL is stale: it is removed
    (with a log line) and does not block.
    """
    env = os.environ if env is None else env
    token = env.get(GUARD_ENV)
    path = _guard_file(state_dir)
    if not path.exists():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pid = int(data["pid"])
        created = float(data["created"])
        ttl = float(data.get("ttl", GUARD_TTL_SECONDS))
        owner_token = str(data["token"])
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("removed unreadable recursion guard %s", path)
        with contextlib.suppress(OSError):
            path.unlink()
        return False
    now = time.time() if now is None else now
    if not _pid_alive(pid) or now - created > ttl:
        why = "owner pid gone" if not _pid_alive(pid) else f"older than {ttl:.0f}s"
        log.warning("removed stale recursion guard %s (pid %d, %s)", path, pid, why)
        with contextlib.suppress(OSError):
            path.unlink()
        return False
    return token is not None and token == owner_token


@contextlib.contextmanager
def recursion_guard(state_dir: Path, ttl: float = GUARD_TTL_SECONDS) -> Iterator[dict[str, str]]:
    """Hold the guard while we run git commands that may fire our own hooks.

    Yields the environment additions to pass to those child processes.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(8)
    path = _guard_file(state_dir)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps({"pid": os.getpid(), "created": time.time(), "ttl": ttl, "token": token}),
        encoding="utf-8",
    )
    tmp.replace(path)
    try:
        yield {GUARD_ENV: token}
    finally:
        with contextlib.suppress(OSError):
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("token") == token:
                path.unlink()

"""The one helper every git call goes through: a clean environment, bytes out, clear errors."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from ..errors import CommandError, GitError

# A hook inherits GIT_DIR, GIT_WORK_TREE, GIT_PREFIX, ... from the git process that runs
# it; passed on, they point our git calls at the wrong repository or work tree
# (pre-commit/pre-commit#300). Everything GIT_* is dropped except what must survive:
_KEEP_EXACT = frozenset(
    {
        # Partial commits (`git commit FILE`, `-p`) run hooks against a temporary index;
        # "the staged change" is what *that* index holds.
        "GIT_INDEX_FILE",
        # Objects written during a push/receive live in a quarantine directory until the
        # hook accepts them.
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        # Configuration injected by the caller (CI systems pass tokens this way).
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_SYSTEM",
        # Transport and authentication.
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_SSH_VARIANT",
        "GIT_ASKPASS",
        "GIT_TERMINAL_PROMPT",
        "GIT_EXEC_PATH",
        "GIT_ALLOW_PROTOCOL",
        "GIT_PROTOCOL_FROM_USER",
    }
)
_KEEP_PREFIX = (
    "GIT_AUTHOR_",
    "GIT_COMMITTER_",
    "GIT_CONFIG_KEY_",
    "GIT_CONFIG_VALUE_",
    "GIT_SSL_",
    "GIT_HTTP_",
    "GIT_TRACE",  # debugging our own calls with GIT_TRACE=1 must keep working
)


def _kept(name: str) -> bool:
    return not name.startswith("GIT_") or name in _KEEP_EXACT or name.startswith(_KEEP_PREFIX)


def clean_env(
    base: Mapping[str, str] | None = None, env_extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment for a git child: inherited ``GIT_*`` dropped except the kept ones."""
    base = os.environ if base is None else base
    env = {k: v for k, v in base.items() if _kept(k)}
    # Never wait for a password on a terminal nobody is watching (hooks, CI).
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    # Read-only commands (diff-files, status) may refresh the index opportunistically;
    # inside a hook the committing git holds index.lock, so never try.
    env["GIT_OPTIONAL_LOCKS"] = "0"
    # Messages we match on ("not a git repository", "unknown revision") stay English.
    env["LC_ALL"] = "C"
    env.pop("LANGUAGE", None)
    if env_extra:
        env.update(env_extra)
    return env


def index_file_env(top: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``GIT_INDEX_FILE`` made absolute against the top level (git resolves it from there).

    Empty when the variable is not set. Computed once when the repository is opened, so a
    call made from any directory reads the same index the committing git is using.
    """
    base = os.environ if base is None else base
    value = base.get("GIT_INDEX_FILE")
    if not value:
        return {}
    path = Path(value)
    return {"GIT_INDEX_FILE": str(path if path.is_absolute() else top / path)}


def git(
    *args: str,
    cwd: Path,
    input: bytes | None = None,
    env_extra: Mapping[str, str] | None = None,
    check: bool = True,
) -> bytes:
    """Run ``git -c core.quotepath=off ARGS`` in ``cwd`` and return its stdout.

    A non-zero exit raises ``CommandError`` (command, exit code, stdout, stderr) when
    ``check`` is true; callers that expect failures use ``run`` and read the result.
    """
    proc = run(*args, cwd=cwd, input=input, env_extra=env_extra)
    if check and proc.returncode != 0:
        raise CommandError(list(proc.args), proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


def run(
    *args: str,
    cwd: Path,
    input: bytes | None = None,
    env_extra: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run git and return the completed process whatever its exit code."""
    cmd = ["git", "-c", "core.quotepath=off", *args]
    try:
        return subprocess.run(
            cmd,
            cwd=cwd,
            input=input,
            capture_output=True,
            env=clean_env(env_extra=env_extra),
            check=False,
        )
    except FileNotFoundError as e:
        # Either git itself or the working directory is missing; say which.
        if not Path(cwd).is_dir():
            raise GitError("not a directory", file=str(cwd)) from e
        raise GitError("git is not installed or not on PATH") from e
    except NotADirectoryError as e:
        raise GitError("not a directory", file=str(cwd)) from e
    except ValueError as e:  # an argument with a NUL byte
        raise GitError(f"invalid argument for git: {e}") from e


def stderr_text(proc: subprocess.CompletedProcess[bytes]) -> str:
    """Git's complaint in one line: the first ``fatal:``/``error:`` line without its prefix,
    followed by the explanation lines git prints under it (hints dropped)."""
    lines = [ln.strip() for ln in proc.stderr.decode(errors="replace").splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("hint:")]
    if not lines:
        return f"git exited with {proc.returncode}"
    prefixes = ("fatal: ", "error: ")
    first = next((i for i, ln in enumerate(lines) if ln.startswith(prefixes)), len(lines) - 1)
    main = lines[first]
    for prefix in prefixes:
        main = main.removeprefix(prefix)
    # e.g. "detected dubious ownership ..." is followed by the `safe.directory` command.
    detail = [ln for ln in lines[first + 1 :] if not ln.startswith(prefixes)]
    return f"{main} ({' '.join(detail)})" if detail else main


def split_z(out: bytes) -> list[str]:
    """Split NUL-terminated ``-z`` output into paths (git paths are UTF-8 here)."""
    if not out:
        return []
    items = out.split(b"\0")
    if items and items[-1] == b"":
        items.pop()
    return [item.decode("utf-8", errors="surrogateescape") for item in items]

"""Shared by the hook tests: a project repository, git runs with their output, and this
checkout committed as a pre-commit hook repository with one pre-commit home per session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

PROJECT = Path(__file__).resolve().parents[1]
PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))
HOOK_IDS = ("specweave-git-check", "specweave-git-fix", "specweave-git-pre-push")

APP = "src/app.ts"
DOCS = "docs/api.md"
NOTES = "NOTES.md"  # markdown outside the spec globs: the file filter matches, no spec
APP_TEXT = """import express from "express";
const app = express();
// version: base
app.get("/api/items/:id", (req, res) => res.json({}));
"""
DOCS_TEXT = "# Items API\n\n## GET /api/items/:id\n\nReturns one item.\n"
NEW_ROUTE = 'app.post("/api/items", (req, res) => res.json({}));\n'
NEW_ROUTE_DOC = "\n## POST /api/items\n\nCreates an item.\n"


class HookRepo(NamedTuple):
    path: Path  # a committed snapshot of this checkout
    rev: str
    home: Path  # PRE_COMMIT_HOME with the hook environment already built


def git(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run git (and the hooks it fires) and return the completed process, output merged."""
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )


def ok(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = git(cwd, *args, env=env)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stdout}"
    return proc.stdout


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def append(root: Path, rel: str, text: str) -> None:
    with (root / rel).open("a", encoding="utf-8") as f:
        f.write(text)


def closed_port() -> int:
    """A loopback port nothing listens on: a connection to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def offline_env(port: int) -> dict[str, str]:
    """The environment with every proxy variable pointed at a closed loopback port."""
    proxy = f"http://127.0.0.1:{port}"
    names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
    env = {**os.environ, **dict.fromkeys(names, proxy)}
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    return env


def config_yaml(hook: HookRepo, *hook_ids: str) -> str:
    hooks = "".join(f"  - id: {h}\n" for h in hook_ids)
    return f"repos:\n- repo: {hook.path}\n  rev: {hook.rev}\n  hooks:\n{hooks}"


def plain_hook(root: Path, *extra: str) -> None:
    """The tool as a plain `.git/hooks/pre-commit` script (no pre-commit framework)."""
    hooks = Path(ok(root, "rev-parse", "--path-format=absolute", "--git-common-dir").strip())
    script = hooks / "hooks" / "pre-commit"
    script.parent.mkdir(exist_ok=True)
    command = " ".join([f'"{sys.executable}" -m specweave_git check --staged', *extra])
    script.write_text(f"#!/bin/sh\nexec {command}\n")
    script.chmod(0o755)


def project(root: Path, install: str, hook: HookRepo | None, *hook_ids: str) -> None:
    """A committed Express project whose spec documents its one route, with the hook
    installed as ``plain`` script or through ``pre-commit``."""
    ok(root, "init", "-q")
    write(root, APP, APP_TEXT)
    write(root, DOCS, DOCS_TEXT)
    write(root, NOTES, "notes\n")
    if install == "pre-commit":
        assert hook is not None
        write(root, ".pre-commit-config.yaml", config_yaml(hook, *(hook_ids or HOOK_IDS[:1])))
    ok(root, "add", "-A")
    ok(root, "commit", "-q", "-m", "initial")
    if install == "pre-commit":
        types = ["--hook-type", "pre-commit"]
        if "specweave-git-pre-push" in hook_ids:
            types += ["--hook-type", "pre-push"]
        proc = subprocess.run(
            [PRE_COMMIT, "install", *types], cwd=root, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
    else:
        plain_hook(root)


def _snapshot_env(home: Path) -> dict[str, str]:
    # Session fixtures run before the per-test clean environment: build one here.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        GIT_AUTHOR_NAME="Test User",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test User",
        GIT_COMMITTER_EMAIL="test@example.com",
        GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
        GIT_COMMITTER_DATE="2026-01-01T00:00:00Z",
        GIT_CONFIG_NOSYSTEM="1",
        PRE_COMMIT_HOME=str(home),
    )
    return env


def _copy_checkout(dest: Path) -> None:
    """Tracked and untracked, not ignored files of this checkout, as they are on disk."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT,
        capture_output=True,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    ).stdout
    for rel in sorted({p for p in out.decode().split("\0") if p}):
        src = PROJECT / rel
        if not src.is_file():
            continue  # deleted in the work tree
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    """This checkout as pre-commit will clone it, its hook environment built once.

    Deterministic paths and commit dates: a test module importing this fixture again
    finds the snapshot and the environment already there.
    """
    base = tmp_path_factory.getbasetemp()
    snap, home = base / "hook-repo", base / "pre-commit-home"
    env = _snapshot_env(home)
    if not (snap / ".git").exists():
        _copy_checkout(snap)
        for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
            proc = git(snap, *args, env=env)
            assert proc.returncode == 0, proc.stdout
    rev = ok(snap, "rev-parse", "HEAD", env=env).strip()
    hook = HookRepo(snap, rev, home)
    scratch = base / "pre-commit-install"
    if not scratch.exists():
        scratch.mkdir()
        write(scratch, ".pre-commit-config.yaml", config_yaml(hook, *HOOK_IDS))
        ok(scratch, "init", "-q", env=env)
        # Builds the virtualenv and pip-installs the snapshot with its dependencies.
        proc = subprocess.run(
            [PRE_COMMIT, "install-hooks"], cwd=scratch, env=env, capture_output=True, text=True
        )
        log = home / "pre-commit.log"
        detail = log.read_text() if log.exists() else proc.stderr
        assert proc.returncode == 0, f"pre-commit could not build the hook env:\n{detail}"
    return hook


@pytest.fixture
def hook_home(hook_repo: HookRepo, monkeypatch: pytest.MonkeyPatch) -> HookRepo:
    """``hook_repo`` with PRE_COMMIT_HOME set for the git commands the test runs."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(hook_repo.home))
    return hook_repo

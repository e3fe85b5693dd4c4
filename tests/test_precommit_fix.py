"""The fix hook (`check --staged --fix`) as a real pre-commit hook: trivial drift fails the
commit once with the spec rewritten, and passes after `git add`; real drift is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ._hooks import (
    APP,
    APP_TEXT,
    DOCS,
    DOCS_TEXT,
    NEW_ROUTE,
    HookRepo,
    append,
    git,
    hook_home,
    hook_repo,
    ok,
    plain_hook,
    project,
    write,
)

__all__ = ["hook_home", "hook_repo"]  # fixtures, imported for pytest

RENAMED = APP_TEXT.replace('"/api/items/:id"', '"/api/items/:itemId"')


@pytest.fixture(params=["plain", "pre-commit"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    if request.param == "pre-commit":
        project(path, "pre-commit", request.getfixturevalue("hook_home"), "specweave-git-fix")
    else:
        project(path, "plain", None)
        plain_hook(path, "--fix")
    return path


def test_trivial_drift_fails_once_with_the_spec_rewritten_then_passes(root: Path) -> None:
    write(root, APP, RENAMED)
    ok(root, "add", APP)
    first = git(root, "commit", "-m", "rename the parameter")
    assert first.returncode == 1, first.stdout
    assert "route-param-renamed" in first.stdout and "Traceback" not in first.stdout
    spec = (root / DOCS).read_text(encoding="utf-8")
    assert spec == DOCS_TEXT.replace("## GET /api/items/:id", "## GET /api/items/:itemId")
    assert ok(root, "diff", "--name-only").split() == [DOCS]  # rewritten, left to review
    assert ok(root, "rev-list", "--count", "HEAD").strip() == "1"

    ok(root, "add", DOCS)
    second = git(root, "commit", "-m", "rename the parameter")
    assert second.returncode == 0, second.stdout
    assert sorted(ok(root, "show", "--name-only", "--format=", "HEAD").split()) == [DOCS, APP]
    assert ok(root, "status", "--porcelain") == ""


def test_pre_commit_reports_the_rewritten_file(tmp_path: Path, hook_home: HookRepo) -> None:
    path = tmp_path / "project"
    path.mkdir()
    project(path, "pre-commit", hook_home, "specweave-git-fix")
    write(path, APP, RENAMED)
    ok(path, "add", APP)
    proc = git(path, "commit", "-m", "rename")
    assert re.search(r"specweave-git drift check \(fix trivial drift\)\.+Failed", proc.stdout)
    assert "- files were modified by this hook" in proc.stdout


def test_real_drift_is_refused_and_no_spec_is_touched(root: Path) -> None:
    append(root, APP, NEW_ROUTE)
    ok(root, "add", APP)
    proc = git(root, "commit", "-m", "route")
    assert proc.returncode == 1 and "route-undocumented" in proc.stdout, proc.stdout
    assert (root / DOCS).read_text(encoding="utf-8") == DOCS_TEXT
    assert ok(root, "diff", "--name-only") == ""

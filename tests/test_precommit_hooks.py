"""`.pre-commit-hooks.yaml` driven by the real pre-commit: the manifest, its file filter,
commits refused or passed, the pre-push range, and the push scope behind it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from specweave_git import __version__
from specweave_git.code.languages import _SUFFIXES
from specweave_git.code.values import ENV_FILES
from specweave_git.gitio.push import push_scope
from specweave_git.gitio.repo import ZERO_OID, open_repo

from ._hooks import (
    APP,
    DOCS,
    HOOK_IDS,
    NEW_ROUTE,
    NEW_ROUTE_DOC,
    PRE_COMMIT,
    PROJECT,
    HookRepo,
    append,
    git,
    hook_home,
    hook_repo,
    ok,
    project,
    write,
)
from .conftest import Repo

__all__ = ["hook_home", "hook_repo"]  # fixtures, imported for pytest

MANIFEST = PROJECT / ".pre-commit-hooks.yaml"


def hooks() -> dict[str, dict[str, object]]:
    return {h["id"]: h for h in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}


def test_manifest_is_valid_for_pre_commit() -> None:
    proc = subprocess.run(
        [PRE_COMMIT, "validate-manifest", str(MANIFEST)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = hooks()
    assert tuple(found) == HOOK_IDS
    for h in found.values():
        assert h["language"] == "python" and h["pass_filenames"] is False
    assert found["specweave-git-check"]["entry"] == "specweave-git check --staged"
    assert found["specweave-git-fix"]["entry"] == "specweave-git check --staged --fix"
    assert found["specweave-git-pre-push"]["stages"] == ["pre-push"]


# (path, does a change to it run the commit hooks)
FILTER_CASES = [
    ("src/routes/users.ts", True),
    ("web/App.TSX", True),
    ("app/main.py", True),
    ("lib/index.mjs", True),
    (".specweave/increments/0001-users/spec.md", True),
    (".specweave/config.json", True),
    (".specweave/drift-baseline.json", True),
    (".specweave/increments/0001-users/metadata.json", True),
    ("docs/api.markdown", True),
    ("README.md", True),
    ("services/api/.env.example", True),
    (".env.sample", True),
    (".env", False),
    ("logo.png", False),
    ("Makefile", False),
    ("package.json", False),
    ("src/styles.css", False),
    ("notes.txt", False),
]


@pytest.mark.parametrize(("path", "runs"), FILTER_CASES)
def test_file_filter(path: str, runs: bool) -> None:
    # pre-commit matches `files` with re.search on the repository-relative path.
    for hook_id in ("specweave-git-check", "specweave-git-fix"):
        pattern = str(hooks()[hook_id]["files"])
        assert bool(re.search(pattern, path)) is runs


@pytest.mark.parametrize(
    "name", [f"src/module{s}" for s, _ in _SUFFIXES] + [f"api/{e}" for e in ENV_FILES]
)
def test_file_filter_covers_every_file_the_check_reads(name: str) -> None:
    assert re.search(str(hooks()["specweave-git-check"]["files"]), name)


@pytest.fixture
def root(tmp_path: Path, hook_home: HookRepo) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    project(path, "pre-commit", hook_home, "specweave-git-check", "specweave-git-pre-push")
    return path


def test_commit_adding_an_undocumented_route_is_refused_readably(root: Path) -> None:
    append(root, APP, NEW_ROUTE)
    ok(root, "add", "-A")
    proc = git(root, "commit", "-m", "route")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert re.fullmatch(r"specweave-git drift check\.+Failed", lines[0])
    assert "- hook id: specweave-git-check" in lines
    report = proc.stdout.split("- exit code: 1", 1)[1]
    assert re.search(r"major\s+route-undocumented\s+POST /api/items", report)
    assert "code: src/app.ts:5" in report
    assert "recommendation: document POST /api/items" in report
    assert "Traceback" not in proc.stdout
    assert ok(root, "rev-list", "--count", "HEAD").strip() == "1"


def test_clean_commit_passes(root: Path) -> None:
    append(root, APP, NEW_ROUTE)
    append(root, DOCS, NEW_ROUTE_DOC)
    ok(root, "add", "-A")
    proc = git(root, "commit", "-m", "route")
    assert proc.returncode == 0, proc.stdout
    assert re.search(r"specweave-git drift check\.+Passed", proc.stdout)


def test_commit_of_other_files_skips_the_hook(root: Path) -> None:
    write(root, "logo.png", "not really a png")
    ok(root, "add", "-A")
    proc = git(root, "commit", "-m", "logo")
    assert proc.returncode == 0, proc.stdout
    assert re.search(r"specweave-git drift check\.+\(no files to check\)Skipped", proc.stdout)


def _remote_head(root: Path, branch: str) -> str:
    out = ok(root, "ls-remote", "origin", f"refs/heads/{branch}").split()
    return out[0] if out else ""


def test_pre_push_checks_the_pushed_range(root: Path) -> None:
    remote = root.parent / "remote.git"
    ok(root.parent, "init", "-q", "--bare", str(remote))
    ok(root, "remote", "add", "origin", str(remote))
    passed = re.compile(r"specweave-git drift check \(pushed commits\)\.+Passed")

    # A new history: the whole tree is checked, and it is clean.
    proc = git(root, "push", "origin", "main")
    assert proc.returncode == 0 and passed.search(proc.stdout), proc.stdout

    # An undocumented route that skipped the commit hook is stopped at the push.
    append(root, APP, NEW_ROUTE)
    ok(root, "commit", "-q", "--no-verify", "-am", "route")
    before = _remote_head(root, "main")
    proc = git(root, "push", "origin", "main")
    assert proc.returncode != 0
    assert "checking the pushed commits" in proc.stdout and "route-undocumented" in proc.stdout
    assert _remote_head(root, "main") == before

    # Documented in a second commit: the range holds both, and passes.
    append(root, DOCS, NEW_ROUTE_DOC)
    ok(root, "commit", "-q", "-am", "docs")
    proc = git(root, "push", "origin", "main")
    assert proc.returncode == 0 and passed.search(proc.stdout), proc.stdout
    assert _remote_head(root, "main") == ok(root, "rev-parse", "HEAD").strip()

    # A new branch is checked for its own commits only (main's are on the remote).
    ok(root, "checkout", "-q", "-b", "feat")
    append(root, APP, 'app.delete("/api/items/:id", (req, res) => res.json({}));\n')
    ok(root, "commit", "-q", "--no-verify", "-am", "delete route")
    main_tip = ok(root, "rev-parse", "main").strip()
    proc = git(root, "push", "origin", "feat")
    assert proc.returncode != 0 and "DELETE /api/items/:id" in proc.stdout, proc.stdout
    assert f"checking the pushed commits {main_tip[:12]}.." in proc.stdout
    assert _remote_head(root, "feat") == ""


def test_the_first_push_of_a_history_checks_its_whole_tree(root: Path) -> None:
    remote = root.parent / "remote.git"
    ok(root.parent, "init", "-q", "--bare", str(remote))
    ok(root, "remote", "add", "origin", str(remote))
    append(root, APP, NEW_ROUTE)
    ok(root, "commit", "-q", "--no-verify", "-am", "route")
    proc = git(root, "push", "origin", "main")
    assert proc.returncode != 0, proc.stdout
    head = ok(root, "rev-parse", "HEAD").strip()
    assert f"checking the whole tree of {head[:12]}" in proc.stdout
    assert "route-undocumented" in proc.stdout and _remote_head(root, "main") == ""


def test_a_deletion_only_commit_skips_the_commit_hook_and_is_caught_at_push(
    root: Path,
) -> None:
    remote = root.parent / "remote.git"
    ok(root.parent, "init", "-q", "--bare", str(remote))
    ok(root, "remote", "add", "origin", str(remote))
    ok(root, "push", "-q", "origin", "main")
    ok(root, "rm", "-q", APP)
    proc = git(root, "commit", "-m", "drop the app")
    assert proc.returncode == 0, proc.stdout  # no file left for the filter to match
    proc = git(root, "push", "origin", "main")
    assert proc.returncode != 0 and "route-missing" in proc.stdout, proc.stdout


def test_pre_merge_commit_stage_checks_a_clean_merge(tmp_path: Path, hook_home: HookRepo) -> None:
    root = tmp_path / "project"
    root.mkdir()
    project(root, "pre-commit", hook_home, "specweave-git-check")
    proc = subprocess.run(
        [PRE_COMMIT, "install", "--hook-type", "pre-merge-commit"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    ok(root, "checkout", "-q", "-b", "side")
    append(root, APP, NEW_ROUTE)
    ok(root, "commit", "-q", "--no-verify", "-am", "route")
    ok(root, "checkout", "-q", "main")
    proc = git(root, "merge", "--no-ff", "--no-edit", "side")
    assert proc.returncode != 0 and "route-undocumented" in proc.stdout, proc.stdout
    assert ok(root, "rev-list", "--count", "HEAD").strip() == "1"


# --- the push scope behind `hook pre-push` -----------------------------------------------
#
# History: A (root) - B on main, origin/main at A; feat: B - C. Refs in the table are
# names resolved in the test; "missing" is a commit id this repository does not have.

PUSH_CASES = [
    # (from, to, remote, expected kind, expected base, expected head)
    ("A", "C", None, "range", "A", "C"),
    ("B", "C", "origin", "range", "B", "C"),
    (None, "C", None, "all", None, "C"),
    (None, None, None, "all", None, "C"),  # HEAD
    ("zero", "zero", "origin", "none", None, None),
    ("zero", "C", "origin", "range", "A", "C"),  # new branch: from before B
    ("zero", "A", "origin", "none", None, "A"),  # the remote has all of it
    ("zero", "C", "upstream", "all", None, "C"),  # no branch of that remote: a new history
    ("missing", "C", "origin", "range", "A", "C"),  # force push over an unfetched commit
]


@pytest.mark.parametrize(("frm", "to", "remote", "kind", "base", "head"), PUSH_CASES)
def test_push_scope(
    repo: Repo,
    frm: str | None,
    to: str | None,
    remote: str | None,
    kind: str,
    base: str | None,
    head: str | None,
) -> None:
    repo.write("a.txt", "a\n")
    ids = {"A": repo.commit("A")}
    repo.write("b.txt", "b\n")
    ids["B"] = repo.commit("B")
    repo.git("checkout", "-q", "-b", "feat")
    repo.write("c.txt", "c\n")
    ids["C"] = repo.commit("C")
    repo.git("update-ref", "refs/remotes/origin/main", ids["A"])
    ids["zero"] = ZERO_OID
    ids["missing"] = "1234567" * 5 + "89abc"

    def named(value: str | None) -> str | None:
        return None if value is None else ids[value]

    scope = push_scope(open_repo(repo.path), named(frm), named(to), remote)
    assert (scope.kind, scope.base, scope.head) == (kind, named(base), named(head))
    assert scope.reason


def readme_snippet() -> str:
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- precommit-snippet:begin -->")[1].split(
        "<!-- precommit-snippet:end -->"
    )
    return block[0].strip().removeprefix("```yaml").removesuffix("```")


def test_readme_snippet_works_as_pasted(tmp_path: Path, hook_home: HookRepo) -> None:
    snippet = readme_snippet()
    config = yaml.safe_load(snippet)
    (entry,) = config["repos"]
    assert entry["rev"] == f"v{__version__}"
    assert {h["id"] for h in entry["hooks"]} <= set(hooks())
    # The same text with this checkout's snapshot as the repository and its commit as rev.
    pasted = snippet.replace(entry["repo"], str(hook_home.path)).replace(
        entry["rev"], hook_home.rev
    )
    root = tmp_path / "project"
    root.mkdir()
    project(root, "pre-commit", hook_home)
    write(root, ".pre-commit-config.yaml", pasted)
    ok(root, "commit", "-q", "--no-verify", "-am", "config from the README")
    proc = subprocess.run([PRE_COMMIT, "validate-config"], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
    append(root, APP, NEW_ROUTE)
    ok(root, "add", "-A")
    proc = git(root, "commit", "-m", "route")
    assert proc.returncode == 1 and "route-undocumented" in proc.stdout, proc.stdout

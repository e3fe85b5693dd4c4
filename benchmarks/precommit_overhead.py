"""Cost of the hook under pre-commit: a clean commit's `specweave-git-check` vs a no-op hook.

Builds a small Express + spec repository, stages a documented change (the check passes)
and measures, in one run, `pre-commit run --hook-stage pre-commit` with (a) a no-op hook
(`language: system`, `entry: true`) and (b) the check hook; prints both medians, the
ratio, and the bare `check --staged` and `python -c pass` for reference.

By default (b) runs the installed console script as a `language: system` hook (the same
code pre-commit's virtualenv would run). `--from-repo` instead installs this checkout as
pre-commit does (`language: python`, a committed snapshot, its own virtualenv: slow once).

    python benchmarks/precommit_overhead.py [--runs 15] [--from-repo]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import GIT_ENV, cli, git, time_cmd

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))
FILES = r"(?i)(\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|py|pyi|md|markdown)$|^\.specweave/)"


def project(root: Path, routes: int = 30) -> None:
    """An Express app of `routes` resources, each documented in its own spec."""
    (root / "src").mkdir(parents=True)
    (root / "docs").mkdir()
    lines = ['import express from "express";', "const app = express();"]
    for i in range(routes):
        lines.append(f'app.get("/api/r{i}/:id", (req, res) => res.json({{}}));')
        (root / "docs" / f"r{i}.md").write_text(f"# R{i}\n\n## GET /api/r{i}/:id\n")
    (root / "src" / "app.ts").write_text("\n".join(lines) + "\n")


def snapshot(dest: Path) -> str:
    """This checkout committed in `dest` (pre-commit clones a hook repository at a rev)."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"],
        cwd=ROOT,
        env=GIT_ENV,
        check=True,
        capture_output=True,
    ).stdout
    for rel in filter(None, out.decode().split("\0")):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "snapshot")
    return git(dest, "rev-parse", "HEAD").strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--from-repo", action="store_true", help="install the hook as pre-commit does")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "repo"
        project(root)
        noop = (
            "repos:\n- repo: local\n  hooks:\n  - id: noop\n    name: noop\n"
            "    entry: 'true'\n    language: system\n    pass_filenames: false\n"
            f"    files: '{FILES}'\n"
        )
        if opts.from_repo:
            rev = snapshot(base / "hook-repo")
            check = (
                f"repos:\n- repo: {base / 'hook-repo'}\n  rev: {rev}\n"
                "  hooks:\n  - id: specweave-git-check\n"
            )
        else:
            entry = " ".join([*cli(), "check", "--staged"])
            check = (
                "repos:\n- repo: local\n  hooks:\n  - id: specweave-git-check\n"
                f"    name: check\n    entry: '{entry}'\n    language: system\n"
                f"    pass_filenames: false\n    files: '{FILES}'\n"
            )
        (base / "noop.yaml").write_text(noop)
        (base / "check.yaml").write_text(check)
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "initial")
        # The clean commit: a new route, documented in the same change.
        with (root / "src" / "app.ts").open("a") as f:
            f.write('app.post("/api/r0", (req, res) => res.json({}));\n')
        with (root / "docs" / "r0.md").open("a") as f:
            f.write("\n## POST /api/r0\n")
        git(root, "add", "-A")
        env = {**GIT_ENV, "PRE_COMMIT_HOME": str(base / "pre-commit-home")}
        if opts.from_repo:
            subprocess.run(
                [PRE_COMMIT, "install-hooks", "-c", str(base / "check.yaml")],
                cwd=root,
                env=env,
                check=True,
                capture_output=True,
            )

        def run(config: str) -> list[str]:
            return [PRE_COMMIT, "run", "--hook-stage", "pre-commit", "-c", str(base / config)]

        ok = (0,)
        t_noop, s_noop = time_cmd(run("noop.yaml"), root, opts.runs, env, ok)
        t_check, s_check = time_cmd(run("check.yaml"), root, opts.runs, env, ok)
        t_bare, _ = time_cmd([*cli(), "check", "--staged"], root, opts.runs, env, ok)
        t_py, _ = time_cmd([sys.executable, "-c", "pass"], root, opts.runs, env, ok)
        how = "this checkout, installed by pre-commit" if opts.from_repo else "console script"
        print(f"hook: {how}; {opts.runs} runs each, medians")
        print(f"pre-commit run, no-op hook       {t_noop:8.1f} ms")
        print(f"pre-commit run, specweave-git    {t_check:8.1f} ms")
        print(f"ratio check / no-op              {t_check / t_noop:8.2f}")
        print(f"added by the check               {t_check - t_noop:8.1f} ms")
        print(f"check --staged alone             {t_bare:8.1f} ms")
        print(f"python -c pass                   {t_py:8.1f} ms")
        print(f"samples no-op: {', '.join(f'{s:.0f}' for s in s_noop)}")
        print(f"samples check: {', '.join(f'{s:.0f}' for s in s_check)}")


if __name__ == "__main__":
    main()

"""Hook latency: `check --staged` in a ~5,000-file repository vs Python start-up.

Generates a repository of TS modules and 300 spec markdown files, stages a change to 5
TS files, and measures in one run (medians): `python -c pass`, `git diff --cached`,
`specweave-git check --staged --format json`; then the same change in a 200-file
repository (scaling ratio). Targets: check <= 6x Python start-up; scaling <= 1.3.

    python benchmarks/hook_latency.py [--files 5000] [--runs 7] [--profile]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import GIT_ENV, cli, git, time_cmd

SPECS = 300


def module_source(i: int, rng: random.Random) -> str:
    lines = [f'import {{ helper{(i + 1) % 50} }} from "../shared/helper{(i + 1) % 50}";', ""]
    lines.append(
        f"export interface Record{i} {{\n  id: string;\n  value{i}: number;\n  note?: string;\n}}\n"
    )
    for j in range(rng.randint(2, 4)):
        lines.append(
            f"export function op{i}_{j}(id: string, count: number = {j}): Record{i} {{\n"
            f"  return {{ id, value{i}: count + helper{(i + 1) % 50}() }};\n}}\n"
        )
    lines.append(f'export const VERSION_{i} = "{i}.0";\n')
    return "\n".join(lines)


def routes_source(k: int) -> str:
    return (
        'import { Router } from "express";\n'
        f"export const router{k} = Router();\n"
        f'router{k}.get("/items{k}/:id", (req, res) => res.json({{}}));\n'
        f'router{k}.post("/items{k}", (req, res) => res.json({{}}));\n'
    )


def spec_source(s: int, modules: int) -> str:
    i = (s * 13) % modules
    return (
        f"---\nincrement: {s:04d}-feature\ntitle: Feature {s}\nstatus: active\n---\n\n"
        f"# Feature {s}\n\n### US-001: Story {s}\n\n**Acceptance Criteria**:\n"
        f"- [ ] **AC-US1-01**: does thing {s}\n\n## API\n\n"
        f"### op{i}_0(id: string, count?: number): Record{i}\n\n"
        f"```ts\ninterface Record{i} {{\n  id: string;\n  value{i}: number;\n"
        "  note?: string;\n}\n```\n" + (f"\n## GET /api/items{s % 20}/:id\n" if s < 20 else "")
    )


def build(root: Path, total: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    specs = min(SPECS, max(10, total // 16))
    modules = total - specs - 50 - 21
    (root / "src/shared").mkdir(parents=True)
    for h in range(50):
        (root / f"src/shared/helper{h}.ts").write_text(
            f"export function helper{h}(): number {{\n  return {h};\n}}\n"
        )
    for i in range(modules):
        d = root / f"src/mod{i // 100}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"m{i}.ts").write_text(module_source(i, rng))
    (root / "src/routes").mkdir(parents=True)
    imports = []
    for k in range(20):
        (root / f"src/routes/r{k}.ts").write_text(routes_source(k))
        imports.append(f'import {{ router{k} }} from "./routes/r{k}";')
    (root / "src/app.ts").write_text(
        'import express from "express";\n'
        + "\n".join(imports)
        + "\nconst app = express();\n"
        + "".join(f'app.use("/api", router{k});\n' for k in range(20))
        + "export default app;\n"
    )
    for s in range(specs):
        d = root / f".specweave/increments/{s:04d}-feature"
        d.mkdir(parents=True)
        (d / "spec.md").write_text(spec_source(s, modules))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    # The change: 5 modules edited (a new optional param, a new export, a body edit).
    changed = [f"src/mod{i // 100}/m{i}.ts" for i in (0, 13, 26, 39, 52)]
    for n, rel in enumerate(changed):
        p = root / rel
        text = p.read_text()
        if n % 2 == 0:
            text = text.replace("count: number = 0)", "count: number = 0, flag?: boolean)", 1)
        text += f"\nexport function added{n}(x: string): string {{\n  return x;\n}}\n"
        p.write_text(text)
    git(root, "add", "-A")
    return changed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--small", type=int, default=200)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--profile", action="store_true", help="cProfile one `check --all` run")
    args = ap.parse_args()
    tool = [*cli(), "check", "--staged", "--format", "json"]
    with tempfile.TemporaryDirectory(prefix="swg-hook-") as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        build(big, args.files)
        build(small, args.small)
        n_files = len(git(big, "ls-files").splitlines())
        # One run fills the parse cache, as every earlier commit's hook run would have.
        subprocess.run(tool, cwd=big, env=GIT_ENV, capture_output=True)
        subprocess.run(tool, cwd=small, env=GIT_ENV, capture_output=True)
        py, _ = time_cmd([sys.executable, "-c", "pass"], big, args.runs)
        gd, _ = time_cmd(["git", "diff", "--cached", "--stat"], big, args.runs)
        t_big, samples = time_cmd(tool, big, args.runs)
        t_small, _ = time_cmd(tool, small, args.runs)
        out = subprocess.run(tool, cwd=big, env=GIT_ENV, capture_output=True, text=True)
        result = json.loads(out.stdout)
        print(f"repository: {n_files} files ({SPECS} specs), 5 staged TS files")
        print(f"python -c pass          {py:8.1f} ms")
        print(f"git diff --cached       {gd:8.1f} ms")
        print(
            f"check --staged (5k)     {t_big:8.1f} ms   = {t_big / py:.2f}x python start-up"
            "   (target <= 6x)"
        )
        print(f"check --staged (200)    {t_small:8.1f} ms")
        print(f"scaling 5k / 200        {t_big / t_small:8.2f}      (target <= 1.3)")
        print(f"samples (5k): {', '.join(f'{s:.0f}' for s in samples)}")
        print(f"findings: {len(result['discrepancies'])}, summary {result['summary']}")
        if args.profile:
            import cProfile
            import pstats

            from specweave_git.cli.main import main as swg

            prof = cProfile.Profile()
            prof.enable()
            import contextlib
            import io

            with contextlib.redirect_stdout(io.StringIO()):
                swg(["check", "--all", "--format", "json", "--repo", str(big)])
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

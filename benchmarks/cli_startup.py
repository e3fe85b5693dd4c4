"""CLI start-up: `specweave-git --version` and `config validate` vs `python -c pass`.

Medians of several runs measured in the same run, printed as ratios.

    python benchmarks/cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import cli, git, time_cmd

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    example = ROOT / "examples" / "specweave-app"
    with tempfile.TemporaryDirectory(prefix="swg-startup-") as tmp:
        repo = Path(tmp)
        shutil.copytree(example / ".specweave", repo / ".specweave")
        git(repo, "init", "-q")
        py, _ = time_cmd([sys.executable, "-c", "pass"], repo, args.runs)
        version, _ = time_cmd([*cli(), "--version"], repo, args.runs)
        # Outside a repository there is no cache: every run validates with jsonschema.
        cold, _ = time_cmd([*cli(), "config", "validate", "--repo", str(example)], repo, args.runs)
        # In a repository the validated config is cached by content hash (DESIGN §11).
        warm, _ = time_cmd([*cli(), "config", "validate"], repo, args.runs)
    print(f"python -c pass                          {py:7.1f} ms")
    print(f"specweave-git --version                 {version:7.1f} ms   = {version / py:.2f}x")
    print(f"config validate (repo, cached)          {warm:7.1f} ms   = {warm / py:.2f}x")
    print(f"config validate (no repo: jsonschema)   {cold:7.1f} ms   = {cold / py:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

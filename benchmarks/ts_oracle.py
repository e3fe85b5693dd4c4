"""Oracle benchmark: the TypeScript compiler's exports vs ours on a generated TS code base.

    python benchmarks/ts_oracle.py [--entities N] [--seed S] [--runs 3] [-v]

Installs ``typescript@6`` into ``benchmarks/.work`` when missing (npm), generates the code
base into a temporary directory (``tscorpus.py``, seeded), extracts every module's exports
with the compiler API (``oracle/extract.js``: ``createProgram`` + ``getExportsOfModule``)
and with our analyzer (per module, before the one-symbol-per-declaration dedupe of
``link_symbols``), then prints name and parameter agreement and the timings (medians).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
TS_DIR = WORK / "node_modules" / "typescript"
EXTRACT = HERE / "oracle" / "extract.js"

sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import tscorpus  # noqa: E402

from specweave_git.code import js_symbols_link, surface  # noqa: E402
from specweave_git.code.cache import FactsCache  # noqa: E402
from specweave_git.code.select import SelectOptions, select  # noqa: E402
from specweave_git.model import Symbol  # noqa: E402

Sigs = list[list[tuple[str, bool]]]


def ensure_typescript() -> str:
    if not (TS_DIR / "package.json").exists():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("ts_oracle: npm is needed to install typescript@6")
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(WORK), "--no-audit", "--no-fund", "typescript@6"],
            check=True,
        )
    return str(json.loads((TS_DIR / "package.json").read_text())["version"])


def run_tsc(root: Path) -> tuple[dict[str, Any], float, float]:
    """(oracle JSON, ms measured inside the script, ms wall clock including Node start-up)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["node", str(EXTRACT), str(TS_DIR), str(root)], capture_output=True, check=True
    )
    wall = (time.perf_counter() - t0) * 1000
    data = json.loads(proc.stdout)
    return data, float(data["ms"]), wall


def run_tool(root: Path, cache_path: Path) -> tuple[dict[str, Any], float, int]:
    """(facts by path, ms for select + parse + cache write + link, files parsed)."""
    t0 = time.perf_counter()
    entries = [
        (p.relative_to(root).as_posix(), p.relative_to(root).as_posix())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    ]

    def load(blobs: list[str]) -> dict[str, bytes]:
        return {b: (root / b).read_bytes() for b in blobs}

    files, skipped = select(entries, SelectOptions())
    if skipped:
        raise SystemExit(f"ts_oracle: the corpus should not have skipped files: {skipped[:3]}")
    cache = FactsCache(cache_path)
    stats = surface.Stats()
    try:
        facts = surface.analyze_files(files, load, cache, stats)
        surface.link(facts, {}, stats)
    finally:
        cache.close()
    return facts, (time.perf_counter() - t0) * 1000, stats.files_parsed


def _sigs(raw: list[list[list[Any]]] | None) -> Sigs | None:
    if raw is None:
        return None
    return [[(str(n), bool(o)) for n, o in sig] for sig in raw]


def _tool_sigs(sym: Symbol) -> Sigs:
    return [[(p.name, p.optional) for p in sig.params] for sig in sym.signatures]


def tool_view(facts: dict[str, Any]) -> dict[str, dict[str, Symbol]]:
    """Per module, exported name -> Symbol, before link_symbols' dedupe."""
    linker = js_symbols_link._Linker(facts)
    out: dict[str, dict[str, Symbol]] = {}
    for path in sorted(facts):
        names: dict[str, Symbol] = {}
        for exported, target in linker.exports_of(path).items():
            decl = linker.decl(target)
            if decl is not None and (path, exported) not in linker.hidden:
                names[exported] = Symbol.from_json(dict(decl))
        out[path] = names
    return out


def compare(
    oracle: dict[str, dict[str, Any]], ours: dict[str, dict[str, Symbol]], verbose: bool
) -> tuple[int, int, int, int, list[str]]:
    names_ok = names_total = params_ok = params_total = 0
    notes: list[str] = []
    for path in sorted(set(oracle) | set(ours)):
        theirs = oracle.get(path, {})
        mine = ours.get(path, {})
        for name in sorted(set(theirs) | set(mine)):
            names_total += 1
            if name not in theirs or name not in mine:
                notes.append(f"{'MISSING' if name in theirs else 'EXTRA  '} {path} {name}")
                continue
            names_ok += 1
            t, sym = theirs[name], mine[name]
            pairs: list[tuple[str, Sigs | None, Sigs | None]] = []
            if t["fn"] is not None:
                pairs.append(
                    ("", _sigs(t["fn"]), _tool_sigs(sym) if sym.kind == "function" else None)
                )
            if t["ctor"] is not None:
                pairs.append(
                    (
                        "#constructor",
                        _sigs(t["ctor"]),
                        _tool_sigs(sym) if sym.kind == "class" else None,
                    )
                )
            methods = {m.name: _tool_sigs(m) for m in sym.members if m.kind == "method"}
            if t["fn"] is None and (t["methods"] or sym.kind in ("class", "interface")):
                for m in sorted(set(t["methods"]) | set(methods)):
                    pairs.append((f".{m}", _sigs(t["methods"].get(m)), methods.get(m)))
            for suffix, expected, got in pairs:
                params_total += 1
                if expected == got:
                    params_ok += 1
                else:
                    notes.append(f"PARAMS  {path} {name}{suffix}: tsc={expected} ours={got}")
    return names_ok, names_total, params_ok, params_total, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=len(tscorpus.ENTITIES))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every disagreement")
    ap.add_argument("--keep", metavar="DIR", help="write the corpus here and keep it")
    args = ap.parse_args(argv)

    version = ensure_typescript()
    with tempfile.TemporaryDirectory(prefix="ts-oracle-") as tmp:
        root = Path(args.keep).resolve() if args.keep else Path(tmp) / "corpus"
        n_files = tscorpus.generate(root, seed=args.seed, entities=args.entities)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        tsc_inner: list[float] = []
        tsc_wall: list[float] = []
        tool_ms: list[float] = []
        oracle: dict[str, Any] = {}
        facts: dict[str, Any] = {}
        for i in range(args.runs):
            # Interleaved so that both see the same machine load.
            oracle, inner, wall = run_tsc(root)
            tsc_inner.append(inner)
            tsc_wall.append(wall)
            facts, ms, parsed = run_tool(root, Path(tmp) / f"cache-{i}" / "facts.sqlite")
            if parsed != n_files:
                raise SystemExit(f"ts_oracle: cold cache parsed {parsed} of {n_files} files")
            tool_ms.append(ms)
        names_ok, names_total, params_ok, params_total, notes = compare(
            oracle["modules"], tool_view(facts), args.verbose
        )
    if args.verbose:
        for note in notes:
            print(note)
    inner_med = statistics.median(tsc_inner)
    wall_med = statistics.median(tsc_wall)
    tool_med = statistics.median(tool_ms)
    print(f"typescript {version}, node {_node_version()}, python {sys.version.split()[0]}")
    print(f"files                  {n_files} ({size / 1024:.0f} KiB), seed {args.seed}")
    print(f"exports compared       {names_total}")
    print(f"name agreement         {100 * names_ok / names_total:.2f}% ({names_ok}/{names_total})")
    print(
        f"param agreement        {100 * params_ok / params_total:.2f}% "
        f"({params_ok}/{params_total} callables)"
    )
    print(
        f"tsc time (in-process)  {inner_med:.0f} ms  "
        f"(createProgram..extraction, median of {args.runs})"
    )
    print(f"tsc time (with node)   {wall_med:.0f} ms  (whole `node extract.js` process)")
    print(f"tool time (cold cache) {tool_med:.0f} ms  (select + parse + cache write + link)")
    print(
        f"speed ratio            {inner_med / tool_med:.1f}x in-process, "
        f"{wall_med / tool_med:.1f}x with node"
    )
    if not args.verbose and notes:
        print(f"({len(notes)} disagreements; -v lists them)")
    return 0


def _node_version() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())

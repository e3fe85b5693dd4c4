"""`logs query`/`logs stats` over a large audit log: time and peak memory (RSS).

Writes N hash-chained audit records (default 1,000,000) over 10 UTC days, rotated into
10 MiB segments (`audit-DAY.jsonl`, `-1`, `-2`...) as the writer would, in a temporary
repository, then runs the real CLI in child processes and reads each child's own peak
RSS (`os.wait4`). Baselines measured in the same run: `wc -l` over the same files (the
cost of just reading them) and the peak RSS of `python -c pass`. The same full scan over
a tenth of the records shows whether memory grows with the log (it must not).

    python benchmarks/logs_query.py [--records 1000000] [--small 100000] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import GIT_ENV

DAYS = 10
SEGMENT_BYTES = 10 * 1024 * 1024  # logs.files.DEFAULT_MAX_BYTES
PLATFORMS = ("github", "jira", "ado")
OPERATIONS = ("read", "upsert-external", "update-status", "upsert-internal")
RESULTS = ('"success"', '"error"', '"denied"', "null", '"success"', '"dry-run"')
START = datetime(2026, 3, 1, tzinfo=timezone.utc)


def generate(root: Path, n: int) -> list[Path]:
    """n canonical audit records (sync.audit's exact line format and hash chain)."""
    directory = root / ".specweave" / "logs" / "sync"
    directory.mkdir(parents=True)
    step = timedelta(days=DAYS) / n
    prev = "0" * 64
    sha = hashlib.sha256
    files: list[Path] = []
    out = None
    day = ""
    segment = size = 0
    for i in range(n):
        moment = START + step * i
        ts = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if ts[:10] != day:
            day, segment, size = ts[:10], 0, 0
            out = _open(directory, day, segment, files, out)
        result = RESULTS[i % len(RESULTS)]
        kind = '"decision"' if result in ("null", '"denied"') else '"outcome"'
        ms = "12.5" if kind == '"outcome"' else "null"
        decision = '"denied"' if result == '"denied"' else '"allowed"'
        # Sorted keys, no spaces: sync.audit.canonical(); the hash covers all but itself.
        head = (
            f'{{"actor":"bench <bench@example.invalid>","call":"get_issue","context":"ci",'
            f'"decision":{decision},"duration_ms":{ms},'
        )
        tail = (
            f'"item":"US-{i % 5000:04d}","kind":{kind},"operation":"{OPERATIONS[i % 4]}",'
            f'"platform":"{PLATFORMS[i % 3]}","prev":"{prev}",'
            f'"reason":"allowed: sync.orchestration.permissions.{PLATFORMS[i % 3]}.canRead",'
            f'"result":{result},"run":"gh-{i // 1000}-1","seq":{i + 1},"ts":"{ts}"}}'
        )
        digest = sha((head + tail).encode()).hexdigest()
        line = f'{head}"hash":"{digest}",{tail}\n'.encode()
        if size and size + len(line) > SEGMENT_BYTES:
            segment, size = segment + 1, 0
            out = _open(directory, day, segment, files, out)
        assert out is not None
        out.write(line)
        size += len(line)
        prev = digest
    if out is not None:
        out.close()
    return files


def _open(directory: Path, day: str, segment: int, files: list[Path], old):  # type: ignore[no-untyped-def]
    if old is not None:
        old.close()
    name = f"audit-{day}.jsonl" if segment == 0 else f"audit-{day}-{segment}.jsonl"
    files.append(directory / name)
    return (directory / name).open("wb", buffering=1024 * 1024)


# Peak RSS of a child: ru_maxrss (getrusage, wait4) is useless here, as Linux carries the
# high-water mark of the process image before exec() over, so every child of this
# Python reports at least this Python's size. VmHWM in /proc/self/status is the current
# image's own peak; the child writes it at exit. The CLI runs through its real main().
_PEAK = (
    "import atexit, os, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            os.write(int(os.environ['PEAK_FD']), line.split()[1].encode())\n"
    "atexit.register(_peak)\n"
    "if len(sys.argv) > 1:\n"
    "    from specweave_git.cli.main import main\n"
    "    sys.exit(main(sys.argv[1:]))\n"
)


def measure(
    argv: list[str] | None, cwd: Path, cmd: list[str] | None = None
) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, bytes of stdout) of one child: the CLI with ``argv``
    (``[]``: a bare interpreter), or ``cmd`` (no RSS then: NaN)."""
    read_fd, write_fd = os.pipe()
    env = {**GIT_ENV, "PEAK_FD": str(write_fd)}
    if cmd is None:
        cmd = [sys.executable, "-c", _PEAK, *(argv or [])]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.PIPE, pass_fds=(write_fd,)
        )
        os.close(write_fd)
        _, err = proc.communicate()
        seconds = time.perf_counter() - start
        peak = os.read(read_fd, 64)
        os.close(read_fd)
        if proc.returncode != 0:
            raise SystemExit(
                f"{' '.join(cmd[:1] + cmd[3:])} exited {proc.returncode}: {err.decode()[-2000:]}"
            )
        size = out.seek(0, os.SEEK_END)
    rss = int(peak) / 1024 if peak else float("nan")  # VmHWM is in kB
    return seconds, rss, size


def make_repo(base: Path, name: str, n: int) -> tuple[Path, list[Path], float]:
    root = base / name
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, env=GIT_ENV, check=True)
    start = time.perf_counter()
    files = generate(root, n)
    return root, files, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="specweave-logs-bench-"))
    try:
        big, files, gen = make_repo(base, "big", args.records)
        small, _, _ = make_repo(base, "small", args.small)
        total = sum(p.stat().st_size for p in files)
        print(
            f"{args.records:,} records in {len(files)} files over {DAYS} days "
            f"({total / 2**20:.0f} MiB), generated in {gen:.1f} s; {args.small:,} for the "
            "small log"
        )
        rows: list[tuple[str, float, float, int]] = []

        def run(
            label: str, argv: list[str] | None, cwd: Path, cmd: list[str] | None = None
        ) -> None:
            seconds, rss, size = measure(argv, cwd, cmd)
            rows.append((label, seconds, rss, size))
            mem = f"{rss:7.1f} MiB" if rss == rss else "          "
            print(f"  {label:<56} {seconds:7.2f} s  {mem}  ({size:,} bytes out)")

        print("baselines:")
        run("python (bare interpreter)", [], big)
        run(f"wc -l over the {len(files)} files", None, big, ["wc", "-l", *map(str, files)])
        print(f"{args.records:,} records:")
        full = ["logs", "query", "--platform", "jira", "--limit", "1000000"]
        run("logs query --limit 50", ["logs", "query", "--limit", "50"], big)
        run("logs query --platform jira --limit 1000000 (full scan)", full, big)
        run("logs stats (full scan)", ["logs", "stats"], big)
        export = ["logs", "export", "--format", "jsonl", "--platform", "ado"]
        run("logs export --format jsonl --platform ado", export, big)
        print(f"{args.small:,} records:")
        run(f"{args.small:,}: logs query --platform jira (full scan)", full, small)
        run(f"{args.small:,}: logs stats (full scan)", ["logs", "stats"], small)
        # The hash chain walked record by record: memory must not grow with the log either.
        run(f"{args.small:,}: logs verify", ["logs", "verify"], small)
        run(f"{args.records:,}: logs verify", ["logs", "verify"], big)
        base_rss, big_scan, small_scan = rows[0][2], rows[3][2], rows[6][2]
        print(
            f"peak RSS of the full scan: {small_scan:.1f} MiB at {args.small:,} records, "
            f"{big_scan:.1f} MiB at {args.records:,} (bare interpreter {base_rss:.1f} MiB)"
        )
        summary = [
            {"run": r[0], "s": round(r[1], 3), "rss_mib": round(r[2], 1) if r[2] == r[2] else None}
            for r in rows
        ]
        print(json.dumps(summary))
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

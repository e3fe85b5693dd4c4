"""The sync audit log: one hash-chained JSONL record per gate decision and call outcome.

Records go to ``.specweave/logs/sync/audit-YYYY-MM-DD.jsonl`` (UTC days; past the size
cap a day continues in ``audit-YYYY-MM-DD-1.jsonl``, ``-2``..., see logs.files). Each has a
``seq`` (one more than the record before it), ``prev`` (the previous record's
``hash``; ``"0" * 64`` for the very first) and ``hash``: the SHA-256 of the record's
canonical JSON (sorted keys, no spaces, UTF-8) without the ``hash`` key. The chain runs
across the daily files. Appenders hold an ``flock`` on ``.audit.lock`` while they read
the last record and write theirs, so concurrent runs interleave whole lines and keep one
chain. In ``ci``/``schedule`` context the records are also buffered and appended to the
state ref by ``flush_to_state`` at the end of the run, so the trail outlives the runner.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..context import Context
from ..gitio.repo import Repo
from ..log import get_logger
from ..logs.files import DEFAULT_MAX_BYTES, daily_files, order_key, rotate_if_needed
from ..times import format_utc_ms

log = get_logger(__name__)

GENESIS = "0" * 64
LOG_DIR = Path(".specweave") / "logs" / "sync"
LOCK_NAME = ".audit.lock"
STATE_PREFIX = "audit/"
# One file per run and day, ``audit/YYYY-MM-DD/<run id>.jsonl``: two CI runs at once
# then never interleave their chains in one file (a merge would make a sound trail look
# reordered). Each file is one chain. Flat ``audit/YYYY-MM-DD.jsonl`` files are read too.
_STATE_FILE = re.compile(r"\Aaudit/\d{4}-\d{2}-\d{2}(?:/[^/]+)?\.jsonl\Z")
_STATE_CONTEXTS = frozenset({"ci", "schedule"})
_TAIL_CHUNK = 64 * 1024


def canonical(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON, its own ``hash`` key left out."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def log_dir(repo_root: Path) -> Path:
    return repo_root / LOG_DIR


def log_files(directory: Path) -> list[Path]:
    """The daily audit files of ``directory`` (size-cap segments included), oldest first
    (the chain's order)."""
    return daily_files(directory, "audit")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _chain_link(raw: bytes) -> tuple[int, str] | None:
    """(seq, hash) of a well-formed record line, else None."""
    try:
        rec = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(rec, dict):
        return None
    seq, digest = rec.get("seq"), rec.get("hash")
    if isinstance(seq, int) and isinstance(digest, str):
        return seq, digest
    return None


def last_link(path: Path) -> tuple[int, str] | None:
    """(seq, hash) of the last well-formed record of ``path``, reading only its tail.

    A line broken by a crash mid-write is skipped: the chain continues from the last
    good record and ``verify`` names the broken line.
    """
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        return None
    with fh:
        size = fh.seek(0, os.SEEK_END)
        chunk = _TAIL_CHUNK
        while True:
            start = max(0, size - chunk)
            fh.seek(start)
            lines = fh.read(size - start).split(b"\n")
            if start > 0:
                lines = lines[1:]  # may begin mid-line
            for raw in reversed(lines):
                if raw.strip():
                    link = _chain_link(raw)
                    if link is not None:
                        return link
            if start == 0:
                return None
            chunk *= 4


class AuditLog:
    """Appends audit records for one run.

    ``seed`` is the (seq, hash) to continue from when the directory holds no record yet:
    on an ephemeral CI runner, the last record already in the state ref.
    """

    def __init__(
        self,
        repo_root: Path,
        run_id: str,
        context: Context | str,
        actor: str,
        *,
        now: Callable[[], datetime] = _utcnow,
        to_state: bool | None = None,
        seed: tuple[int, str] | None = None,
        max_bytes: int | None = DEFAULT_MAX_BYTES,
    ) -> None:
        self.directory = log_dir(repo_root)
        self.run_id = run_id
        self.context = context if isinstance(context, str) else context.name
        self.actor = actor
        self._now = now
        self.to_state = self.context in _STATE_CONTEXTS if to_state is None else to_state
        self._seed = seed
        self.max_bytes = max_bytes  # a day's file past this continues in a -N segment
        self._pending: dict[str, list[str]] = {}  # day -> lines for the state ref
        self.written = 0

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        import fcntl

        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / LOCK_NAME).open("a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _tail(self) -> tuple[int, str]:
        link = _last_in(self.directory)
        if link is not None:
            return link
        return self._seed if self._seed is not None else (0, GENESIS)

    def record(
        self,
        *,
        kind: str,
        platform: str,
        operation: str,
        item: str | None,
        decision: str,
        reason: str,
        result: str | None,
        duration_ms: float | None = None,
        call: str | None = None,
        error: str | None = None,
    ) -> dict[str, Any]:
        """Append one record (``kind`` is ``decision`` or ``outcome``) and return it."""
        when = self._now().astimezone(timezone.utc)
        rec: dict[str, Any] = {
            "ts": format_utc_ms(when),
            "run": self.run_id,
            "context": self.context,
            "actor": self.actor,
            "kind": kind,
            "platform": platform,
            "operation": operation,
            "item": item,
            "call": call,
            "decision": decision,
            "reason": reason,
            "result": result,
            "duration_ms": duration_ms,
        }
        if error is not None:
            rec["error"] = error
        day = when.strftime("%Y-%m-%d")
        with self._locked():
            seq, prev = self._tail()
            rec["seq"] = seq + 1
            rec["prev"] = prev
            rec["hash"] = record_hash(rec)
            line = canonical(rec)
            target = rotate_if_needed(
                self.directory / f"audit-{day}.jsonl", self.max_bytes, len(line) + 1
            )
            with target.open("a+b") as fh:
                size = fh.seek(0, os.SEEK_END)
                if size:
                    fh.seek(size - 1)
                    if fh.read(1) != b"\n":
                        # A crash left half a line: end it, so it stays one named
                        # corrupt line instead of swallowing this record.
                        line = b"\n" + line
                fh.write(line + b"\n")
                fh.flush()
        self.written += 1
        if self.to_state:
            self._pending.setdefault(day, []).append(canonical(rec).decode())
        return rec

    def pending_state_lines(self) -> dict[str, list[str]]:
        """day -> record lines not yet appended to the state ref."""
        return {day: list(lines) for day, lines in self._pending.items()}

    def flush_to_state(self, repo: Repo) -> list[str]:
        """Append the buffered records to ``audit/YYYY-MM-DD/<run id>.jsonl`` in the state ref.

        Returns the state commits made (none when
        nothing was buffered). The buffer is emptied only after each day's append.
        """
        from ..gitio.state import append_state_lines

        commits = []
        for day in sorted(self._pending):
            lines = self._pending[day]
            message = f"audit: {len(lines)} record(s) of run {self.run_id}"
            path = f"{STATE_PREFIX}{day}/{self.run_id}.jsonl"
            commits.append(append_state_lines(repo, path, lines, message))
            del self._pending[day]
        return commits


def state_seed(repo: Repo) -> tuple[int, str] | None:
    """(seq, hash) of the last record in the state ref's audit files, or None."""
    from ..gitio.state import list_state_files, read_state_file

    names = sorted(n for n in list_state_files(repo, STATE_PREFIX) if _STATE_FILE.match(n))
    for name in reversed(names):
        data = read_state_file(repo, name) or b""
        for raw in reversed(data.split(b"\n")):
            link = _chain_link(raw) if raw.strip() else None
            if link is not None:
                return link
    return None


def actor_of(repo: Repo, env: Mapping[str, str] | None = None) -> str:
    """``GITHUB_ACTOR`` in GitHub Actions, else the git identity ``Name <email>``."""
    env = os.environ if env is None else env
    if env.get("GITHUB_ACTOR"):
        return env["GITHUB_ACTOR"]
    from ..gitio.repo import user_identity

    who = user_identity(repo)
    parts = [p for p in (who.name, f"<{who.email}>" if who.email else None) if p]
    return " ".join(parts) or "unknown"


def new_run_id(env: Mapping[str, str] | None = None, now: datetime | None = None) -> str:
    """``GITHUB_RUN_ID-ATTEMPT`` in Actions (links the record to the workflow run), else
    a UTC timestamp plus random hex."""
    env = os.environ if env is None else env
    if env.get("GITHUB_RUN_ID"):
        return f"gh-{env['GITHUB_RUN_ID']}-{env.get('GITHUB_RUN_ATTEMPT', '1')}"
    import secrets

    stamp = (now or _utcnow()).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def open_for_run(
    repo: Repo,
    context: Context,
    *,
    env: Mapping[str, str] | None = None,
    now: Callable[[], datetime] = _utcnow,
) -> AuditLog:
    """The audit log of a sync run in ``repo``: actor, run id and chain seed found.

    In ci/schedule context, when the runner has no local record yet, the chain continues
    from the last record in the state ref, so the state ref's copy is one chain.
    """
    seed = None
    if context.name in _STATE_CONTEXTS and _last_in(log_dir(repo.root)) is None:
        seed = state_seed(repo)
    return AuditLog(
        repo.root,
        new_run_id(env, now()),
        context,
        actor_of(repo, env),
        now=now,
        seed=seed,
    )


def _last_in(directory: Path) -> tuple[int, str] | None:
    for path in reversed(log_files(directory)):
        link = last_link(path)
        if link is not None:
            return link
    return None


# --- verification ----------------------------------------------------------------------


class Broken:
    """The first bad record: where it is and what is wrong with it."""

    __slots__ = ("detail", "file", "line", "seq", "what")

    def __init__(self, file: str, line: int, seq: int | None, what: str, detail: str) -> None:
        self.file = file
        self.line = line
        self.seq = seq
        self.what = what  # changed | removed | reordered | corrupt
        self.detail = detail

    def render(self) -> str:
        seq = f" (seq {self.seq})" if self.seq is not None else ""
        return f"{self.file}:{self.line}{seq}: {self.what}: {self.detail}"

    def __repr__(self) -> str:
        return f"Broken({self.render()!r})"


class VerifyReport:
    __slots__ = ("broken", "files", "first_seq", "records")

    def __init__(self, records: int, files: int, first_seq: int | None, broken: Broken | None):
        self.records = records
        self.files = files
        self.first_seq = first_seq
        self.broken = broken

    @property
    def ok(self) -> bool:
        return self.broken is None

    def render(self) -> str:
        if self.broken is not None:
            return f"audit log broken: {self.broken.render()}"
        text = f"ok: {_count(self.records, 'record')} in {_count(self.files, 'file')}"
        text += ", chain intact"
        if self.first_seq not in (None, 1):
            # Retention removed older files (or a CI runner continued the state ref's chain).
            text += f" (starts at seq {self.first_seq})"
        return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class _Entry:
    __slots__ = ("file", "line", "rec")

    def __init__(self, file: str, line: int, rec: dict[str, Any] | None) -> None:
        self.file = file
        self.line = line
        self.rec = rec


def _parse_record(raw: bytes) -> dict[str, Any] | None:
    try:
        rec = json.loads(raw)
    except ValueError:
        return None
    ok = (
        isinstance(rec, dict)
        and isinstance(rec.get("seq"), int)
        and isinstance(rec.get("prev"), str)
        and isinstance(rec.get("hash"), str)
    )
    return rec if ok else None


def verify(paths: Sequence[Path]) -> VerifyReport:
    """Walk the chain through ``paths`` (in the daily order: day, then ``-N`` segment);
    report the first bad record. Files are read line by line: memory does not grow with
    the log. See :func:`verify_sources`."""
    ordered = sorted(paths, key=order_key)
    return verify_sources((str(p), _file_lines(p)) for p in ordered)


def _file_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        yield from f


def verify_state(repo: Repo) -> VerifyReport:
    """Verify the state ref's copy, as CI runs appended it: each run's file is its own
    chain (runs may overlap in time), so each is verified alone; the first bad one is named."""
    from ..gitio.state import STATE_REF, list_state_files, read_state_file

    names = sorted(n for n in list_state_files(repo, STATE_PREFIX) if _STATE_FILE.match(n))
    records = files = 0
    first: int | None = None
    for name in names:
        data = read_state_file(repo, name) or b""
        one = verify_sources([(f"{STATE_REF}:{name}", data.split(b"\n"))])
        if not one.ok:
            return one
        records, files = records + one.records, files + one.files
        first = one.first_seq if first is None else first
    return VerifyReport(records, files, first, None)


def _entries(
    sources: Iterable[tuple[str, Iterable[bytes]]], counter: list[int]
) -> Iterator[_Entry]:
    for name, lines in sources:
        counter[0] += 1
        for number, raw in enumerate(lines, 1):
            if raw.strip():
                yield _Entry(name, number, _parse_record(raw))


def verify_sources(sources: Iterable[tuple[str, Iterable[bytes]]]) -> VerifyReport:
    """Check the chain through ``(name, lines)`` sources, in the order given, holding one
    record in memory at a time.

    Names the first record that is corrupt (not a JSON audit record), changed (its
    hash does not match its content, or its hash is not the next record's ``prev``),
    removed (a gap in ``seq``: the record after the gap is named) or reordered (``seq``
    goes backwards, or skips ahead to a record that comes later: after a gap the rest
    is scanned for the missing numbers before it is called a removal).

    Not detectable, by construction: records cut from the end of the newest file
    (a truncated tail), whole files removed from the start (what retention does, so
    a chain may start past seq 1), and a rewrite that recomputes every later hash. The
    state ref's copy in git history is the anchor against those.
    """
    files = [0]
    records = 0
    first_seq = None
    before: _Entry | None = None
    entries = _entries(sources, files)

    def broken(at: _Entry, seq: int | None, what: str, detail: str) -> VerifyReport:
        return VerifyReport(records, files[0], None, Broken(at.file, at.line, seq, what, detail))

    for entry in entries:
        records += 1
        rec = entry.rec
        if rec is None:
            return broken(entry, None, "corrupt", "not a JSON audit record")
        seq = rec["seq"]
        first_seq = seq if first_seq is None else first_seq
        if record_hash(rec) != rec["hash"]:
            return broken(entry, seq, "changed", "content does not match hash")
        if before is not None and before.rec is not None:
            last = before.rec["seq"]
            if seq <= last:
                return broken(entry, seq, "reordered", f"seq {seq} comes after seq {last}")
            if seq > last + 1:
                later = next(
                    (e.rec["seq"] for e in entries if e.rec and last < e.rec["seq"] < seq),
                    None,
                )
                if later is not None:
                    return broken(entry, seq, "reordered", f"seq {seq} comes before seq {later}")
                missing = seq - last - 1
                span = str(last + 1) if missing == 1 else f"{last + 1}-{seq - 1}"
                why = f"{missing} record(s) before this one missing (seq {span})"
                return broken(entry, seq, "removed", why)
            if rec["prev"] != before.rec["hash"]:
                why = f"its hash is not the prev of the next record (seq {seq})"
                return broken(before, last, "changed", why)
        before = entry
    return VerifyReport(records, files[0], first_seq, None)

"""Decisions on discrepancies in ``.specweave/drift-baseline.json``: load, record, save, apply.

The file is committed and reviewed like code (DESIGN §5): keys are sorted and every write
is atomic, so a diff shows exactly the decision that changed and a crash never leaves
half a file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..record import FrozenRecord, Record, set_field
from .model import Discrepancy

BASELINE_PATH = ".specweave/drift-baseline.json"
VERSION = 1
DECISIONS: tuple[str, ...] = ("accepted", "dismissed")
_FINGERPRINT = re.compile(r"[0-9a-f]{6,64}")
_STRING_FIELDS = ("rule", "subject", "by", "at", "reason")
_FIELDS = frozenset({"decision", "spec_path", *_STRING_FIELDS})


class Entry(FrozenRecord):
    __slots__ = ("at", "by", "decision", "fingerprint", "reason", "rule", "spec_path", "subject")

    fingerprint: str
    decision: str  # accepted | dismissed
    rule: str
    subject: str
    spec_path: str | None
    by: str  # "Name <email>"
    at: str  # ISO-8601 UTC, seconds: 2026-01-01T00:00:00Z
    reason: str

    def __init__(
        self,
        fingerprint: str,
        decision: str,
        rule: str,
        subject: str,
        spec_path: str | None,
        by: str,
        at: str,
        reason: str,
    ) -> None:
        set_field(self, "fingerprint", fingerprint)
        set_field(self, "decision", decision)
        set_field(self, "rule", rule)
        set_field(self, "subject", subject)
        set_field(self, "spec_path", spec_path)
        set_field(self, "by", by)
        set_field(self, "at", at)
        set_field(self, "reason", reason)

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "rule": self.rule,
            "subject": self.subject,
            "spec_path": self.spec_path,
            "by": self.by,
            "at": self.at,
            "reason": self.reason,
        }


class Baseline(Record):
    __slots__ = ("entries",)

    entries: dict[str, Entry]

    def __init__(self, entries: dict[str, Entry] | None = None) -> None:
        self.entries = {} if entries is None else entries

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "entries": {fp: e.to_json() for fp, e in sorted(self.entries.items())},
        }


def baseline_path(repo_root: Path) -> Path:
    return repo_root / BASELINE_PATH


def _pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901) to the offending key."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _entry(fp: str, raw: object, file: str) -> Entry:
    if not _FINGERPRINT.fullmatch(fp):
        raise UsageError(
            "not a fingerprint (6-64 lowercase hex digits)",
            file=file,
            pointer=_pointer("entries", fp),
        )
    if not isinstance(raw, dict):
        raise UsageError("an entry must be an object", file=file, pointer=_pointer("entries", fp))
    for key in raw:
        if key not in _FIELDS:
            raise UsageError(
                f"unknown key (expected {', '.join(sorted(_FIELDS))})",
                file=file,
                pointer=_pointer("entries", fp, key),
            )
    for key in ("decision", *_STRING_FIELDS):
        if not isinstance(raw.get(key), str):
            problem = "missing" if key not in raw else "must be a string"
            raise UsageError(problem, file=file, pointer=_pointer("entries", fp, key))
    if raw["decision"] not in DECISIONS:
        raise UsageError(
            f"{raw['decision']!r} is not a decision (expected accepted or dismissed)",
            file=file,
            pointer=_pointer("entries", fp, "decision"),
        )
    spec_path = raw.get("spec_path")
    if spec_path is not None and not isinstance(spec_path, str):
        raise UsageError(
            "must be a string or null", file=file, pointer=_pointer("entries", fp, "spec_path")
        )
    return Entry(
        fingerprint=fp,
        decision=raw["decision"],
        rule=raw["rule"],
        subject=raw["subject"],
        spec_path=spec_path,
        by=raw["by"],
        at=raw["at"],
        reason=raw["reason"],
    )


def parse(text: str, file: str) -> Baseline:
    """The baseline in ``text``; anything malformed is a ``UsageError`` naming file and key."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(
            f"not valid JSON: {e.msg}", file=file, pointer=f"line {e.lineno} column {e.colno}"
        ) from e
    if not isinstance(data, dict):
        raise UsageError("the baseline must be a JSON object", file=file, pointer="/")
    version = data.get("version")
    if version != VERSION:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
        raise UsageError(
            f"version {version!r} written by a newer specweave-git; upgrade it"
            if newer
            else f"unsupported version {version!r} (expected {VERSION})",
            file=file,
            pointer="/version",
        )
    for key in data:
        if key not in ("version", "entries"):
            raise UsageError(
                "unknown key (expected version, entries)", file=file, pointer=_pointer(key)
            )
    entries = data.get("entries", {})
    if not isinstance(entries, dict):
        raise UsageError("must be an object keyed by fingerprint", file=file, pointer="/entries")
    return Baseline({fp: _entry(fp, raw, file) for fp, raw in entries.items()})


def load(path: Path) -> Baseline:
    """The baseline at ``path``; an empty one when the file does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Baseline()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read the baseline: {e}", file=str(path)) from e
    return parse(text, str(path))


def dumps(baseline: Baseline) -> str:
    return json.dumps(baseline.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def save(baseline: Baseline, path: Path) -> None:
    """Write atomically: a temporary file in the same directory, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644  # a committed file; mkstemp would make it 0600
    import tempfile  # only when writing: not on the hook path

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(dumps(baseline))
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)  # os.replace: atomic on POSIX and Windows
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def now_utc() -> str:
    from ..times import now_utc

    return now_utc()


def decide(
    baseline: Baseline,
    fingerprint: str,
    decision: str,
    *,
    by: str,
    reason: str,
    finding: Discrepancy | None = None,
    at: str | None = None,
) -> Entry:
    """Record ``decision`` for ``fingerprint`` (a current finding, or an existing entry)."""
    if decision not in DECISIONS:
        raise ValueError(decision)
    previous = baseline.entries.get(fingerprint)
    if finding is not None:
        rule, subject = finding.rule, finding.subject
        spec_path = finding.spec.path if finding.spec else None
    elif previous is not None:
        rule, subject, spec_path = previous.rule, previous.subject, previous.spec_path
    else:
        raise UsageError(
            f"unknown fingerprint {fingerprint!r}: not a current finding nor in the baseline"
        )
    entry = Entry(fingerprint, decision, rule, subject, spec_path, by, at or now_utc(), reason)
    baseline.entries[fingerprint] = entry
    return entry


def apply(
    discrepancies: Iterable[Discrepancy], baseline: Baseline
) -> tuple[list[Discrepancy], list[Entry]]:
    """Set each finding's status from the baseline; entries no finding matches are stale.

    A finding fixed in this run stays ``fixed``. Staleness only means something when the
    findings cover the whole tree (``--all``): a change-scoped check sees a subset.
    """
    out: list[Discrepancy] = []
    seen: set[str] = set()
    for d in discrepancies:
        fp = d.fingerprint
        seen.add(fp)
        entry = baseline.entries.get(fp)
        if entry is not None and d.status != "fixed":
            d = d.replace(status=entry.decision)
        out.append(d)
    stale = [e for fp, e in sorted(baseline.entries.items()) if fp not in seen]
    return out, stale


def justifications(baseline: Baseline) -> dict[str, str]:
    """fingerprint -> "reason (decision by WHO at WHEN)", for reports (SARIF suppressions)."""
    out: dict[str, str] = {}
    for fp, e in baseline.entries.items():
        who = f"{e.decision} by {e.by} at {e.at}"
        out[fp] = f"{e.reason} ({who})" if e.reason else who
    return out

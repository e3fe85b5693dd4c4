"""Writers for audit records: text lines, a JSON array, JSONL and CSV, all streaming."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

FORMATS = ("json", "jsonl", "csv")
# The CSV columns, fixed so a spreadsheet or a script can rely on them; keys a future
# record adds go nowhere (JSONL keeps everything).
CSV_FIELDS = (
    "seq",
    "ts",
    "run",
    "context",
    "actor",
    "kind",
    "platform",
    "operation",
    "item",
    "call",
    "decision",
    "reason",
    "result",
    "duration_ms",
    "error",
    "prev",
    "hash",
)


def _line(rec: dict[str, Any]) -> str:
    # The audit log's canonical form (sync.audit.canonical): an exported record is the
    # line on disk, byte for byte, so `logs verify --path` works on an export.
    return json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for rec in records:
        out.write(_line(rec) + "\n")
        n += 1
    return n


def write_json(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """One JSON array, written as records come (never held in memory as a whole)."""
    n = 0
    out.write("[")
    for rec in records:
        out.write(",\n  " if n else "\n  ")
        out.write(_line(rec))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return _line(value)  # type: ignore[arg-type]
    return str(value)


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    n = 0
    for rec in records:
        writer.writerow([_cell(rec.get(k)) for k in CSV_FIELDS])
        n += 1
    return n


def write(records: Iterable[dict[str, Any]], out: TextIO, fmt: str) -> int:
    """Write ``records`` to ``out`` in ``fmt`` (one of FORMATS); how many."""
    writer = {"json": write_json, "jsonl": write_jsonl, "csv": write_csv}[fmt]
    return writer(records, out)


def text_line(rec: dict[str, Any]) -> str:
    """One record for a person: time, seq, platform, operation, item, verdict, reason."""
    result = rec.get("result")
    verdict = result if result is not None else rec.get("decision") or "-"
    ms = rec.get("duration_ms")
    took = f" {ms:.0f}ms" if isinstance(ms, (int, float)) and not isinstance(ms, bool) else ""
    error = rec.get("error")
    why = f"{rec.get('reason') or ''}" + (f" ({error})" if error else "")
    return (
        f"{rec.get('ts', '?')}  #{rec.get('seq', '?')}  {rec.get('platform') or '-'}  "
        f"{rec.get('operation') or '-'}  {rec.get('item') or '-'}  {verdict}{took}  {why}"
    ).rstrip()


def write_text(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for rec in records:
        out.write(text_line(rec) + "\n")
        n += 1
    return n

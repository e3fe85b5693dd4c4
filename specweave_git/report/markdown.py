"""Markdown for a pull-request comment or ``$GITHUB_STEP_SUMMARY``: a table per severity.

Every piece of user text (subjects, messages, spec excerpts, paths) is escaped, so a
spec that contains ``|``, backticks or HTML cannot break the table or inject markup.
"""

from __future__ import annotations

from ..drift.model import Discrepancy
from ..drift.result import CheckResult
from ._common import by_severity, counts_text, plural, where

# A GitHub comment body holds at most 65,536 characters; keep room for what a caller
# adds around the report (a marker, a header).
MAX_CHARS = 60_000

# Characters CommonMark/GFM give a meaning inside a table cell, escaped with a backslash
# (any ASCII punctuation may be). The backslash itself comes first so an escape in the
# user's text cannot swallow ours: GFM splits cells before inline parsing, and `\\|`
# would otherwise end the cell.
_BACKSLASHED = frozenset("\\`*_[]|~")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}

HEADER = "| Rule | Subject | Spec | Code | Problem | Recommendation |"
RULE_LINE = "| --- | --- | --- | --- | --- | --- |"


def escape(text: str) -> str:
    """User text (names, spec excerpts) made inert in GFM prose or a table cell.

    ``<``, ``>``, ``&`` become entities (so ``-->`` cannot end a hidden marker and no HTML
    gets through), table and emphasis punctuation is backslash-escaped, newlines become
    ``<br>`` (a table row is one line), and ``@`` gets a zero-width space after it so a
    decorator such as ``@Controller`` does not notify a GitHub user of that name.
    Not for text inside a code span, where entities and backslashes show literally.
    """
    out: list[str] = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _BACKSLASHED:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("<br>")
        elif ch == "@":
            out.append("@\u200b")
        else:
            out.append(ch)
    return "".join(out)


def _row(d: Discrepancy) -> str:
    rule = f"`{d.rule}`<br><sub>`{d.fingerprint}`</sub>"
    if d.status != "new":
        rule += f"<br>_{d.status}_"
    cells = [
        rule,
        escape(d.subject),
        escape(where(d.spec)),
        escape(where(d.code)),
        escape(d.message),
        escape(d.recommendation) if d.recommendation else "—",
    ]
    return "| " + " | ".join(cells) + " |"


def render(
    result: CheckResult,
    *,
    color: bool = False,
    width: int | None = None,
    max_chars: int = MAX_CHARS,
    timing: bool = True,
) -> str:
    """``timing=False`` leaves out the elapsed time and the number of files parsed (which
    the cache changes), so the same findings render the same text: a re-run then does not
    rewrite the sticky PR comment."""
    work = f" in {plural(result.files_parsed, 'file')} parsed, {result.elapsed_ms} ms"
    parts = [
        "## specweave-git drift check",
        "",
        f"**{counts_text(result)}**{work if timing else ''} — exit {result.exit_code}",
        "",
    ]
    if not result.discrepancies:
        parts += ["No discrepancies: the specs match the code.", ""]
    size = sum(len(p) + 1 for p in parts)
    omitted = 0
    for severity, items in by_severity(result.discrepancies):
        section = [f"### {severity.capitalize()} ({len(items)})", "", HEADER, RULE_LINE]
        rows = 0
        for d in items:
            row = _row(d)
            if omitted or size + len(row) + sum(len(s) + 1 for s in section) > max_chars:
                omitted += 1
                continue
            section.append(row)
            rows += 1
        if rows:
            section.append("")
            parts += section
            size += sum(len(s) + 1 for s in section)
    if omitted:
        parts += [
            f"_{plural(omitted, 'more finding')} not shown (comment size limit); "
            "the JSON or SARIF report has them all._",
            "",
        ]
    if result.stale_baseline:
        fps = ", ".join(escape(fp) for fp in result.stale_baseline)
        parts += [
            f"Stale baseline entries (their finding is gone): {fps}. "
            "Remove them from `.specweave/drift-baseline.json`.",
            "",
        ]
    for warning in result.warnings:
        parts += [f"> **warning:** {escape(warning)}", ""]
    return "\n".join(parts).rstrip("\n") + "\n"

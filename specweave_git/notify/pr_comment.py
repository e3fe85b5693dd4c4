"""The sticky pull-request comment: one comment per PR, found by a hidden marker, kept current."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..log import get_logger
from ..net.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from ..net.github import GitHubClient

log = get_logger("specweave_git.notify")

DEFAULT_MARKER = "specweave-git:drift-report"

# GitHub rejects a comment body over 65,536 characters (422 "body is too long").
MAX_BODY = 65_536

ALL_CLEAR = (
    "## specweave-git drift check\n\n✅ All clear: no discrepancies between the specs and the code."
)

# Characters with a meaning in GFM inline text or a table cell, escaped with a backslash
# (CommonMark lets any ASCII punctuation be); the backslash itself first, so user text
# ending in "\" cannot swallow our escape of the next character.
_SEPARATOR_ROW = re.compile(r"^\|?\s*:?-{3,}")


@dataclass(frozen=True)
class CommentOutcome:
    """What happened: ``created``, ``updated``, ``unchanged``, ``skipped`` or ``forbidden``."""

    action: str
    comment_id: int | None = None
    url: str | None = None
    message: str = ""

    @property
    def wrote(self) -> bool:
        return self.action in ("created", "updated")


def escape_markdown_user_text(text: str) -> str:
    """User text made inert in the comment: the one escaper the markdown report uses."""
    from ..report.markdown import escape

    return escape(text)


def marker_line(marker: str = DEFAULT_MARKER) -> str:
    if "--" in marker or ">" in marker:
        raise ValueError(f"a comment marker cannot contain '--' or '>': {marker!r}")
    return f"<!-- {marker} -->"


def _normalise(body: str) -> str:
    return body.replace("\r\n", "\n").rstrip()


def build_body(body_markdown: str, *, marker: str, report_url: str | None = None) -> str:
    """The comment body: the marker line, then the report, trimmed under GitHub's limit."""
    head = marker_line(marker) + "\n"
    return head + trim(body_markdown.strip("\n"), MAX_BODY - len(head), report_url=report_url)


def trim(text: str, limit: int, *, report_url: str | None = None) -> str:
    """``text`` cut at a line boundary so that it and a "truncated" footer fit ``limit``."""
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    where = f"full report: {report_url}" if report_url else "the full report is in the CI run"
    # Room for the footer with a count of any width, and for closing what the cut left open.
    reserve = len(f"\n\n… {len(lines)} more findings truncated — {where}") + 32
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit - reserve:
            break
        kept.append(line)
        size += len(line) + 1
    dropped = lines[len(kept) :]
    closing = []
    if sum(1 for ln in kept if ln.lstrip().startswith("```")) % 2:
        closing.append("```")
    opened = sum(ln.count("<details") for ln in kept) - sum(ln.count("</details>") for ln in kept)
    closing += ["</details>"] * max(0, opened)
    findings = _count_findings(dropped)
    what = f"{findings} more findings" if findings else f"{len(dropped)} more lines"
    footer = f"… {what} truncated — {where}"
    return "\n".join([*kept, *closing, "", footer])


def _count_findings(lines: list[str]) -> int:
    """Table rows and list items among ``lines``, not counting table headers."""
    count = 0
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("|"):
            is_header = i + 1 < len(lines) and bool(_SEPARATOR_ROW.match(lines[i + 1].strip()))
            if not _SEPARATOR_ROW.match(s) and not is_header:
                count += 1
        elif s.startswith(("- ", "* ")):
            count += 1
    return count


def find_sticky(
    comments: list[dict[str, Any]], marker: str, *, bot_login: str | None = None
) -> dict[str, Any] | None:
    """The comment whose body starts with the marker (a quote of it elsewhere does not
    count); among several, one by ``bot_login``, else by a bot, else the oldest."""
    line = marker_line(marker)
    found = [c for c in comments if str(c.get("body") or "").lstrip().startswith(line)]
    if not found:
        return None

    def rank(c: dict[str, Any]) -> tuple[int, int]:
        user = c.get("user") or {}
        by_us = bot_login is not None and user.get("login") == bot_login
        return (0 if by_us else 1 if user.get("type") == "Bot" else 2, int(c.get("id") or 0))

    return min(found, key=rank)


def upsert_sticky_comment(
    gh: GitHubClient,
    pr_number: int,
    body_markdown: str,
    *,
    has_findings: bool,
    marker: str = DEFAULT_MARKER,
    report_url: str | None = None,
    bot_login: str | None = "github-actions[bot]",
) -> CommentOutcome:
    """Create, update or leave the one report comment of a pull request.

    Nothing is posted on a clean PR that never had a comment; a comment from an earlier
    run is rewritten to "all clear" (``body_markdown`` if given, else :data:`ALL_CLEAR`)
    once the findings are gone; an identical body costs no write. A token that may not
    comment (a fork's pull request gets a read-only token) gives ``forbidden``, not an
    error; a pull request that does not exist raises ``NotFound``.
    """
    try:
        comments = gh.list_comments(pr_number)
    except NotFound as exc:
        raise NotFound(
            404,
            exc.method,
            exc.path,
            f"pull request #{pr_number} not found in {gh.full_name}",
            hint="check the PR number, and that the token can read this repository",
        ) from None
    except Forbidden as exc:
        return _forbidden(pr_number, exc)
    existing = find_sticky(comments, marker, bot_login=bot_login)
    if existing is None and not has_findings:
        return CommentOutcome(
            "skipped", message="no findings and no earlier comment: nothing to say"
        )
    text = body_markdown if has_findings or body_markdown.strip() else ALL_CLEAR
    body = build_body(text, marker=marker, report_url=report_url)
    try:
        if existing is not None:
            if _normalise(str(existing.get("body") or "")) == _normalise(body):
                return CommentOutcome(
                    "unchanged",
                    int(existing["id"]),
                    existing.get("html_url"),
                    "the comment already says this",
                )
            updated = gh.update_comment(int(existing["id"]), body)
            log.info("updated the report comment on PR #%d", pr_number)
            return CommentOutcome("updated", int(updated["id"]), updated.get("html_url"))
        created = gh.create_comment(pr_number, body)
        log.info("commented the report on PR #%d", pr_number)
        return CommentOutcome("created", int(created["id"]), created.get("html_url"))
    except Forbidden as exc:
        return _forbidden(pr_number, exc)


def _forbidden(pr_number: int, exc: Forbidden) -> CommentOutcome:
    message = (
        f"cannot comment on PR #{pr_number}: the token may not write here "
        f"(GitHub said: {exc.message or 'forbidden'}). Pull requests from forks get a "
        "read-only GITHUB_TOKEN; the report is still in the job summary and annotations."
    )
    log.warning("%s", message)
    return CommentOutcome("forbidden", message=message)

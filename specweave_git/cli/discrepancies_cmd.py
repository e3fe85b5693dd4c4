"""``specweave-git discrepancies list|show FP|accept FP|dismiss FP``: decisions in the baseline."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from ..drift.baseline import Entry
    from ..drift.model import Discrepancy
    from ..gitio.repo import Repo

# A fingerprint may be abbreviated like a commit id, down to this many characters.
MIN_PREFIX = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .actions import action_adder

    action = action_adder(parser)

    p = action("list", "current findings of the whole tree with their status, and stale entries")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = action("show", "one finding (or baseline entry) in full")
    p.add_argument("fingerprint", metavar="FP", help="fingerprint, or a unique prefix of one")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = action("accept", "accept a finding: it is reported as accepted and fails nothing")
    p.add_argument("fingerprint", metavar="FP", help="fingerprint, or a unique prefix of one")
    p.add_argument("--reason", metavar="TEXT", default="", help="why (recorded in the baseline)")
    p.add_argument(
        "--apply",
        action="store_true",
        help="perform the recommendation in the spec (stub section, signature rewrite, "
        "deprecation) instead of recording a decision; logged in "
        ".specweave/logs/discrepancy-updates.jsonl",
    )
    p = action("dismiss", "dismiss a finding as not a problem (a reason is required)")
    p.add_argument("fingerprint", metavar="FP", help="fingerprint, or a unique prefix of one")
    p.add_argument("--reason", metavar="TEXT", required=True, help="why it is not a problem")


def _resolve(fp: str, known: set[str], repo_root: Path) -> str:
    """The full fingerprint ``fp`` names: exact, or a unique prefix of a known one."""
    fp = fp.strip().lower()
    if fp in known:
        return fp
    matches = sorted(k for k in known if len(fp) >= MIN_PREFIX and k.startswith(fp))
    if len(matches) == 1:
        return matches[0]
    from ..errors import UsageError

    if matches:
        raise UsageError(
            f"fingerprint {fp!r} is ambiguous: {', '.join(matches)}", file=str(repo_root)
        )
    raise UsageError(
        f"unknown fingerprint {fp!r}: no current finding nor baseline entry has it "
        "(see `specweave-git discrepancies list`)",
        file=str(repo_root),
    )


def _who(repo: Repo) -> str:
    from ..errors import UsageError
    from ..gitio.repo import user_identity

    ident = user_identity(repo)
    if ident.name and ident.email:
        return f"{ident.name} <{ident.email}>"
    if ident.name or ident.email:
        return ident.name or f"<{ident.email}>"
    raise UsageError(
        "who is deciding? set `git config user.name` and `git config user.email`",
        file=str(repo.root),
    )


def _decision_json(entry: Entry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"decision": entry.decision, "by": entry.by, "at": entry.at, "reason": entry.reason}


def _decision_text(entry: Entry) -> str:
    text = f"{entry.decision} by {entry.by} at {entry.at}"
    return f"{text}: {entry.reason}" if entry.reason else text


def _list_text(findings: list[Discrepancy], stale: list[Entry]) -> str:
    from ..drift.baseline import BASELINE_PATH

    lines: list[str] = []
    rows = [(d.fingerprint, d.severity, d.rule, d.status, d.subject) for d in findings]
    if rows:
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            cells = [c.ljust(w) for c, w in zip(row[:4], widths, strict=True)]
            lines.append("  ".join([*cells, row[4]]))
    else:
        lines.append("no discrepancies")
    if stale:
        lines += [
            "",
            f"stale baseline entries (the finding is gone; remove them from {BASELINE_PATH}):",
        ]
        lines += [f"  {e.fingerprint}  {e.rule}  {e.subject}  — {_decision_text(e)}" for e in stale]
    open_count = sum(1 for d in findings if d.status == "new")
    lines += [
        "",
        f"{len(findings)} findings ({open_count} new, {len(findings) - open_count} settled), "
        f"{len(stale)} stale baseline entries",
    ]
    return "\n".join(lines) + "\n"


def _show_text(d: Discrepancy | None, entry: Entry | None, fp: str) -> str:
    lines: list[str] = []
    if d is not None:
        from ..report._common import where

        lines += [
            f"{fp}  {d.severity}  {d.rule}",
            f"subject: {d.subject}",
            f"message: {d.message}",
            f"spec: {where(d.spec)}",
            f"code: {where(d.code)}",
        ]
        if d.spec_value is not None:
            lines.append(f"documented: {d.spec_value}")
        if d.code_value is not None:
            lines.append(f"code has: {d.code_value}")
        if d.recommendation:
            lines.append(f"recommendation: {d.recommendation}")
        lines.append(f"status: {_decision_text(entry) if entry else d.status}")
    elif entry is not None:
        lines += [
            f"{fp}  {entry.rule}",
            f"subject: {entry.subject}",
            f"spec: {entry.spec_path or '—'}",
            f"status: stale (the finding is gone) — {_decision_text(entry)}",
        ]
    return "\n".join(lines) + "\n"


def _apply(repo: Repo, given: str, findings: list[Discrepancy]) -> int:
    from ..config import load_config
    from ..drift import apply as ap
    from ..drift.model import fingerprint
    from ..gitio.repo import cache_dir

    by_fp = {d.fingerprint: d for d in findings}
    # A whole-tree check calls a route a change removed `route-unimplemented`; the
    # `route-missing` fingerprint a pull request's check printed names the same item.
    for d in findings:
        if d.rule == "route-unimplemented" and d.spec is not None:
            by_fp.setdefault(fingerprint("route-missing", d.subject_key, d.spec.path), d)
    fp = _resolve(given, set(by_fp), repo.root)
    finding = by_fp[fp]
    cfg = load_config(repo.root, cache_dir=cache_dir(repo))
    applied = ap.apply_in_repo(
        repo, finding, cfg.sync.orchestration.discrepancy.stub_spec, _who(repo)
    )
    print(
        f"applied {applied.change} for {fp} {finding.rule} {finding.subject} in "
        f"{applied.spec_path}; logged in {ap.LOG_PATH}; review and commit {applied.spec_path}"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from ..drift import baseline as bl
    from ..drift.engine import check_repository
    from ..errors import UsageError
    from ..gitio.repo import open_repo

    repo = open_repo(Path(args.repo) if args.repo else None)
    path = bl.baseline_path(repo.root)
    base = bl.load(path)
    # Decisions are about the whole tree: a change-scoped check sees only a subset, and
    # everything it missed would look stale.
    result = check_repository(repo.root, scope_kind="all")
    findings, stale = bl.apply(result.discrepancies, base)
    by_fp = {d.fingerprint: d for d in findings}

    if args.action == "list":
        if args.format == "json":
            doc: dict[str, Any] = {
                "baseline_file": bl.BASELINE_PATH,
                "discrepancies": [
                    {**d.to_json(), "decision": _decision_json(base.entries.get(d.fingerprint))}
                    for d in findings
                ],
                "stale": [{"fingerprint": e.fingerprint, **e.to_json()} for e in stale],
            }
            print(json.dumps(doc, indent=2, ensure_ascii=False))
        else:
            print(_list_text(findings, stale), end="")
        return 0

    if args.action == "accept" and args.apply:
        return _apply(repo, args.fingerprint, findings)

    fp = _resolve(args.fingerprint, set(by_fp) | set(base.entries), repo.root)
    finding, entry = by_fp.get(fp), base.entries.get(fp)

    if args.action == "show":
        if args.format == "json":
            shown: dict[str, Any] = {
                "fingerprint": fp,
                "finding": finding.to_json() if finding else None,
                "decision": _decision_json(entry),
                "stale": finding is None,
            }
            print(json.dumps(shown, indent=2, ensure_ascii=False))
        else:
            print(_show_text(finding, entry, fp), end="")
        return 0

    decision = "accepted" if args.action == "accept" else "dismissed"
    reason = args.reason.strip()
    if decision == "dismissed" and not reason:
        raise UsageError("dismiss needs a reason: --reason TEXT", file=str(repo.root))
    new = bl.decide(base, fp, decision, by=_who(repo), reason=reason, finding=finding)
    bl.save(base, path)
    print(
        f"{decision} {fp} {new.rule} {new.subject} (by {new.by}); "
        f"recorded in {bl.BASELINE_PATH}: commit it"
    )
    return 0

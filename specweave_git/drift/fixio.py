"""Apply spec rewrites to the work tree: only over the version the check read, atomically,
never over a file that changed meanwhile (``check --fix``, ``discrepancies accept --apply``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..record import Record
from . import fix as fixmod
from .model import Discrepancy

if TYPE_CHECKING:
    from ..gitio.repo import Repo


class FixReport(Record):
    __slots__ = ("discrepancies", "fixed_files", "warnings")

    discrepancies: list[Discrepancy]
    fixed_files: list[str]
    warnings: list[str]

    def __init__(
        self, discrepancies: list[Discrepancy], fixed_files: list[str], warnings: list[str]
    ) -> None:
        self.discrepancies = discrepancies
        self.fixed_files = fixed_files
        self.warnings = warnings


def worktree_blobs(repo: Repo, paths: list[str]) -> dict[str, str]:
    """path -> the blob id the work-tree file would get (git's filters applied, so a
    CRLF checkout with autocrlf still matches its LF blob); missing files are left out."""
    present = [p for p in paths if (repo.root / p).is_file()]
    if not present:
        return {}
    out = repo.git("hash-object", "--", *present).decode().split()
    return dict(zip(present, out, strict=True))


def read_checked(
    repo: Repo, wanted: dict[str, str | None], scope_kind: str
) -> tuple[dict[str, bytes], list[str]]:
    """The work-tree bytes of each spec whose file is the version the check read (blob id
    ``wanted[path]``; None: a file that need not exist yet). Warnings say what was left."""
    on_disk = worktree_blobs(repo, [p for p, b in wanted.items() if b is not None])
    out: dict[str, bytes] = {}
    warnings: list[str] = []
    for path, blob in sorted(wanted.items()):
        if blob is not None and on_disk.get(path) != blob:
            if scope_kind == "staged":
                why = "partially staged (the work tree differs from the index); stage it first"
            else:
                why = "changed during the run (the work tree differs from the version checked)"
            warnings.append(f"{path}: not fixed: {why}")
            continue
        try:
            out[path] = (repo.root / path).read_bytes() if blob is not None else b""
        except FileNotFoundError:
            out[path] = b""
        except OSError as e:
            warnings.append(f"{path}: not fixed: unreadable ({e})")
    return out, warnings


def write_unchanged(repo: Repo, path: str, before: bytes, after: bytes) -> str | None:
    """Write ``after`` atomically when the file still holds ``before``; else a warning."""
    from ..config.atomic import atomic_write

    target = repo.root / path
    try:
        now: bytes | None = target.read_bytes()
    except FileNotFoundError:
        now = None
    if (now or b"") != before:
        return f"{path}: not fixed: changed during the run (not overwritten)"
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(Path(target), after)
    return None


def _items_needing_review(
    findings: Iterable[Discrepancy], chosen: set[str]
) -> dict[tuple[str, tuple[int, int]], list[str]]:
    """(spec path, span) of each documented item -> rules of its findings not chosen for
    fixing: a rewrite from the code would silently settle those too."""
    out: dict[tuple[str, tuple[int, int]], list[str]] = defaultdict(list)
    for d in findings:
        if d.spec is None or d.spec_span is None or d.fingerprint in chosen:
            continue
        out[(d.spec.path, d.spec_span)].append(d.rule)
    return out


def fix_findings(
    repo: Repo,
    findings: list[Discrepancy],
    spec_blobs: dict[str, str],
    code_source: fixmod.CodeSource,
    level: str,
    *,
    review: Iterable[str] = (),
    scope_kind: str = "all",
) -> FixReport:
    """``check --fix=level``: rewrite each eligible finding's spec from the code."""
    chosen = [d for d in findings if fixmod.eligible(d, level, review)]
    if not chosen:
        return FixReport(findings, [], [])
    held = _items_needing_review(findings, {d.fingerprint for d in chosen})
    warnings: list[str] = []
    by_spec: dict[str, list[Discrepancy]] = defaultdict(list)
    for d in chosen:
        assert d.spec is not None
        others = held.get((d.spec.path, d.spec_span or (0, 0)))
        if others:
            warnings.append(
                f"{d.spec.path}:{d.spec.line}: {d.rule} {d.subject} not fixed: the same "
                f"item also has {', '.join(sorted(set(others)))} (needs review)"
            )
            continue
        by_spec[d.spec.path].append(d)
    wanted: dict[str, str | None] = {p: spec_blobs.get(p) for p in by_spec}
    missing = [p for p, b in wanted.items() if b is None]
    for p in missing:
        warnings.append(f"{p}: not fixed: not a spec of the checked tree")
        del wanted[p]
    contents, read_warnings = read_checked(repo, wanted, scope_kind)
    warnings += read_warnings
    fixed: set[str] = set()
    files: list[str] = []
    for path, raw in contents.items():
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            warnings.append(f"{path}: not fixed: not UTF-8")
            continue
        fixer = fixmod.SpecFixer(text, code_source)
        for d in by_spec[path]:
            fixer.add(d)
        new_text = _render(fixer)
        warnings += fixer.warnings
        if new_text == text or not fixer.fixed:
            continue
        problem = write_unchanged(repo, path, raw, new_text.encode("utf-8"))
        if problem:
            warnings.append(problem)
            continue
        files.append(path)
        fixed.update(fixer.fixed)
    out = [d.with_status("fixed") if d.fingerprint in fixed else d for d in findings]
    return FixReport(out, sorted(files), warnings)


def _render(fixer: fixmod.SpecFixer) -> str:
    # A seam for the concurrent-modification test: it edits the file while we compute.
    return fixer.text()

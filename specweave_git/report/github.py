"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` per open finding.

GitHub shows at most 10 annotations of each level per step; more are dropped silently,
so we emit at most that many (most severe first) and one notice saying how many more
there are. Accepted, dismissed and fixed findings are not annotated: they fail nothing.
Escaping follows @actions/core (toolkit ``command.ts``): data escapes ``%``, CR and LF;
property values also escape ``:`` and ``,``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..drift.model import Discrepancy
from ..drift.result import SETTLED, CheckResult
from ..model import Location
from ._common import most_severe_first, plural, where

LEVELS = {"breaking": "error", "major": "error", "minor": "warning", "trivial": "notice"}
PER_LEVEL = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _anchor(d: Discrepancy, changed: frozenset[str]) -> Location | None:
    """Where the annotation goes: a side the change touched (code first, so it shows in
    the diff), else the spec, else the code."""
    for loc in (d.code, d.spec):
        if loc is not None and loc.path in changed:
            return loc
    return d.spec or d.code


def command(d: Discrepancy, changed: frozenset[str] = frozenset()) -> str:
    props: list[str] = []
    loc = _anchor(d, changed)
    if loc is not None:
        props += [f"file={escape_property(loc.path)}", f"line={max(1, loc.line)}"]
    props.append(f"title={escape_property(d.rule)}")
    body = f"{d.subject}: {d.message}"
    if d.recommendation:
        body += f"\nRecommendation: {d.recommendation}"
    body += f"\nspec: {where(d.spec)}  code: {where(d.code)}  (fingerprint {d.fingerprint})"
    return f"::{LEVELS[d.severity]} {','.join(props)}::{escape_data(body)}"


def render(
    result: CheckResult,
    *,
    color: bool = False,
    width: int | None = None,
    reserved: Mapping[str, int] | None = None,
) -> str:
    """The annotations; ``reserved`` (level -> count) leaves slots of a level free for
    the caller's own ``::warning::``/``::notice::`` lines in the same step."""
    reserved = reserved or {}
    changed = result.scope.changed_code | result.scope.changed_specs
    by_level: dict[str, list[Discrepancy]] = {"error": [], "warning": [], "notice": []}
    for d in most_severe_first(result.discrepancies):
        if d.status not in SETTLED:
            by_level[LEVELS[d.severity]].append(d)
    slots = {level: max(0, PER_LEVEL - reserved.get(level, 0)) for level in by_level}
    overflow = any(len(items) > slots[level] for level, items in by_level.items())
    lines: list[str] = []
    omitted = 0
    for level, items in by_level.items():
        # The closing summary is a notice itself: keep a notice slot free for it.
        cap = max(0, slots[level] - 1) if overflow and level == "notice" else slots[level]
        lines += [command(d, changed) for d in items[:cap]]
        omitted += max(0, len(items) - cap)
    if omitted:
        lines.append(
            f"::notice::{plural(omitted, 'more finding')} not annotated "
            f"(GitHub shows {PER_LEVEL} per level); see the job summary"
        )
    return "".join(line + "\n" for line in lines)

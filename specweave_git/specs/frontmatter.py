"""YAML frontmatter: split it off the markdown, load it safely, report errors with lines."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from ..model import Warning_
from ..record import Record

_OPEN = re.compile(r"---[ \t]*")
_CLOSE = re.compile(r"(---|\.\.\.)[ \t]*")


class Frontmatter(Record):
    __slots__ = ("body", "data", "first_line", "text", "warnings")

    data: dict[str, Any]
    # The markdown with the frontmatter lines blanked, so markdown line numbers stay the
    # file's own.
    body: str
    text: str | None  # the YAML text, None when the file has no frontmatter
    first_line: int  # 1-based line of the first YAML line
    warnings: list[Warning_]

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        body: str = "",
        text: str | None = None,
        first_line: int = 0,
        warnings: list[Warning_] | None = None,
    ) -> None:
        self.data = {} if data is None else data
        self.body = body
        self.text = text
        self.first_line = first_line
        self.warnings = [] if warnings is None else warnings

    def key_line(self, key: str) -> int:
        """1-based file line of a top-level key (the frontmatter start when not found)."""
        if self.text is not None:
            rx = re.compile(rf"^{re.escape(key)}\s*:")
            for i, line in enumerate(self.text.split("\n")):
                if rx.match(line):
                    return self.first_line + i
        return max(self.first_line - 1, 1)


def _loader() -> Any:
    # Imported here: PyYAML costs ~47 ms and only files with frontmatter need it.
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def json_safe(value: Any) -> Any:
    """YAML values -> JSON values: dates become ISO strings, keys become strings."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def split(path: str, text: str) -> Frontmatter:
    """Frontmatter of ``text`` (newlines already normalised); never raises."""
    lines = text.split("\n")
    if not lines or not _OPEN.fullmatch(lines[0]):
        return Frontmatter(body=text)
    end = next((i for i in range(1, len(lines)) if _CLOSE.fullmatch(lines[i])), None)
    if end is None:
        return Frontmatter(
            body=text,
            warnings=[Warning_(path, 1, "frontmatter is not closed (no --- line); ignored")],
        )
    fm = Frontmatter(
        body="\n" * end + "\n" + "\n".join(lines[end + 1 :]),
        text="\n".join(lines[1:end]),
        first_line=2,
    )
    fm.data = _load(path, fm)
    return fm


def _load(path: str, fm: Frontmatter) -> dict[str, Any]:
    import yaml

    assert fm.text is not None
    if not fm.text.strip():
        return {}
    try:
        data = yaml.load(fm.text, Loader=_loader())  # noqa: S506 - a safe loader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = fm.first_line + (mark.line if mark is not None else 0)
        problem = getattr(e, "problem", None) or str(e).split("\n")[0]
        fm.warnings.append(Warning_(path, line, f"frontmatter is not valid YAML: {problem}"))
        return {}
    if not isinstance(data, dict):
        fm.warnings.append(
            Warning_(path, fm.first_line, "frontmatter is not a mapping of keys; ignored")
        )
        return {}
    safe: dict[str, Any] = json_safe(data)
    return safe


def globs(fm: Frontmatter, key: str, path: str) -> tuple[str, ...]:
    """A frontmatter key holding one glob or a list of globs (``code:``)."""
    value = fm.data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v.strip())
    fm.warnings.append(
        Warning_(path, fm.key_line(key), f"frontmatter {key}: must be a glob or a list of globs")
    )
    return ()


def flatten_external(value: Any, prefix: str = "") -> dict[str, str]:
    """``{"github": {"issue": 618}}`` -> ``{"github.issue": "618"}`` (scalars only)."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            out.update(flatten_external(v, key))
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool) and prefix:
        out[prefix] = str(value)
    return out


# Where SpecWeave keeps tracker ids: ``external:`` in living docs frontmatter,
# ``externalLinks`` in newer metadata.json, a bare ``github:`` block in older ones.
_PLATFORMS = ("github", "jira", "ado", "azureDevOps")


def external_ids(data: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in _PLATFORMS:
        if isinstance(data.get(p), dict):
            out.update(flatten_external(data[p], p))
    for container in ("externalLinks", "external"):
        if isinstance(data.get(container), dict):
            out.update(flatten_external(data[container]))
    return out

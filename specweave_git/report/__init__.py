"""Render a CheckResult in one of the report formats (DESIGN §9): one module per format."""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Protocol, TextIO, cast

if TYPE_CHECKING:
    from ..drift.result import CheckResult

FORMATS: tuple[str, ...] = ("text", "json", "markdown", "sarif", "github")

# format -> module under specweave_git.report. Imported on demand: the hook renders
# plain text and must not pay for the others (nor for rich).
_MODULES = {
    "text": "text",
    "json": "json_",
    "markdown": "markdown",
    "sarif": "sarif",
    "github": "github",
}


class _Renderer(Protocol):
    def render(
        self, result: CheckResult, *, color: bool = False, width: int | None = None
    ) -> str: ...


def should_color(stream: TextIO) -> bool:
    """Whether output to ``stream`` gets colour: NO_COLOR wins, then FORCE_COLOR, then a tty.

    Follows https://no-color.org: NO_COLOR set to a non-empty string (any value) turns
    colour off; FORCE_COLOR (non-empty) turns it on where there is no terminal (CI logs
    that render ANSI). ``TERM=dumb`` terminals get none.
    """
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed or detached stream
        return False


def render(
    result: CheckResult, fmt: str, *, color: bool | None = None, width: int | None = None
) -> str:
    """``result`` as ``fmt`` text, ending with a newline (empty when there is nothing to say).

    ``color`` applies to the text format only; None decides from stdout (see
    ``should_color``). The CLI decides from the stream it writes to and passes it.
    """
    if fmt not in _MODULES:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if color is None:
        import sys

        color = should_color(sys.stdout)
    module = cast(_Renderer, importlib.import_module(f"{__name__}.{_MODULES[fmt]}"))
    return module.render(result, color=color, width=width)

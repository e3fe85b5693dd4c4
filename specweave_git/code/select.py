"""Which repository files are read as code: language, vendored/generated, tests, size."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from ..model import Skipped
from ..record import FrozenRecord, set_field
from .languages import is_declaration_file, language_for

DEFAULT_MAX_BYTES = 1_048_576
# Directories whose content is vendored or generated, wherever they appear.
VENDORED_DIRS = frozenset(
    {
        "node_modules",
        "bower_components",
        "dist",
        "build",
        "out",
        "coverage",
        "vendor",
        ".venv",
        "venv",
        "site-packages",
        "__pycache__",
        ".next",
        ".nuxt",
        ".svelte-kit",
        ".turbo",
        ".output",
        ".yarn",
        ".pnpm-store",
        ".git",
    }
)
_MINIFIED = re.compile(r"\.(min|bundle)\.(m|c)?js$|\.chunk\.js$", re.IGNORECASE)
_TEST_FILE = re.compile(
    r"(^|/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py|[^/]*\.(test|spec|e2e-spec|e2e)"
    r"\.(m|c)?[jt]sx?)$"
)
TEST_DIRS = frozenset({"test", "tests", "__tests__", "__mocks__", "e2e", "spec", "cypress"})


class CodeFile(FrozenRecord):
    __slots__ = ("blob", "language", "path")

    path: str
    blob: str
    language: str

    def __init__(self, path: str, blob: str, language: str) -> None:
        set_field(self, "path", path)
        set_field(self, "blob", blob)
        set_field(self, "language", language)


class SelectOptions(FrozenRecord):
    __slots__ = ("ignore", "include", "include_tests", "max_bytes")

    max_bytes: int
    include_tests: bool
    ignore: tuple[str, ...]  # globs relative to the repository root
    include: tuple[str, ...]  # when set, only paths matching one of these globs

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_BYTES,
        include_tests: bool = False,
        ignore: tuple[str, ...] = (),
        include: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "max_bytes", max_bytes)
        set_field(self, "include_tests", include_tests)
        set_field(self, "ignore", ignore)
        set_field(self, "include", include)


def glob_match(path: str, pattern: str) -> bool:
    """Glob with ``**`` spanning directories (``src/**/*.ts`` matches ``src/a.ts``)."""
    return _glob_re(pattern).match(path) is not None


_GLOB_CACHE: dict[str, re.Pattern[str]] = {}
_ANY_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}


def glob_any(path: str, patterns: tuple[str, ...]) -> bool:
    """True when ``path`` matches one of ``patterns`` (one combined regex per tuple)."""
    rx = _ANY_CACHE.get(patterns)
    if rx is None:
        rx = re.compile("|".join(f"(?:{_glob_re(p).pattern})" for p in patterns) or r"(?!)")
        _ANY_CACHE[patterns] = rx
    return rx.match(path) is not None


def _glob_re(pattern: str) -> re.Pattern[str]:
    rx = _GLOB_CACHE.get(pattern)
    if rx is None:
        pat = pattern.strip()
        pat = pat[2:] if pat.startswith("./") else pat
        if pat.endswith("/"):
            pat += "**"
        parts: list[str] = []
        i = 0
        while i < len(pat):
            if pat.startswith("**/", i):
                parts.append("(?:.*/)?")
                i += 3
            elif pat.startswith("**", i):
                parts.append(".*")
                i += 2
            else:
                c = pat[i]
                parts.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
                i += 1
        rx = re.compile("".join(parts) + r"\Z")
        _GLOB_CACHE[pattern] = rx
    return rx


def skip_reason(path: str, options: SelectOptions, siblings: frozenset[str]) -> str | None:
    """Why a code file is not read, or None when it is read."""
    parts = path.split("/")
    for part in parts[:-1]:
        if part in VENDORED_DIRS:
            return f"vendored or generated directory {part}/"
    if _MINIFIED.search(path):
        return "minified or bundled file"
    root, ext = posixpath.splitext(path)
    # Compiled output committed next to its source: a.js beside a.ts, a.d.ts beside a.ts.
    if ext in (".js", ".mjs", ".cjs", ".jsx") and (
        f"{root}.ts" in siblings or f"{root}.tsx" in siblings
    ):
        return "compiled output of a TypeScript source next to it"
    if is_declaration_file(path):
        base = path[: -len(".d.ts")] if path.endswith(".d.ts") else root
        if f"{base}.ts" in siblings or f"{base}.tsx" in siblings:
            return "declaration file generated from a TypeScript source next to it"
    if not options.include_tests and (
        _TEST_FILE.search(path) or any(p in TEST_DIRS for p in parts[:-1])
    ):
        return "test file (set discrepancy.includeTests to read tests)"
    if options.ignore and glob_any(path, options.ignore):
        pattern = next(p for p in options.ignore if glob_match(path, p))
        return f"ignored by {pattern}"
    if options.include and not glob_any(path, options.include):
        return "outside discrepancy.codeGlobs"
    return None


def select(
    entries: Iterable[tuple[str, str]],
    options: SelectOptions,
    memo: dict[str, str | None] | None = None,
) -> tuple[list[CodeFile], list[Skipped]]:
    """Split (path, blob id) pairs into code files to read and skipped ones (with why).

    ``memo`` (path -> reason) lets the two sides of a change share the decisions.
    """
    pairs = list(entries)
    siblings = frozenset(p for p, _ in pairs)
    memo = {} if memo is None else memo
    chosen: list[CodeFile] = []
    skipped: list[Skipped] = []
    for path, blob in pairs:
        lang = language_for(path)
        if lang is None:
            continue
        if path in memo:
            reason = memo[path]
        else:
            reason = memo[path] = skip_reason(path, options, siblings)
        if reason:
            skipped.append(Skipped(path, reason))
        else:
            chosen.append(CodeFile(path, blob, lang))
    return chosen, skipped

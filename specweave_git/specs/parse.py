"""Parse one spec file into a SpecFile, and join spec files with increments' metadata."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .model import IncrementMetadata, SpecFile, SpecSurface
from .select import SpecOptions, increment_of, select

_LANGUAGES = {
    "ts": "ts",
    "typescript": "ts",
    "tsx": "ts",
    "js": "ts",  # a JS signature parses as TS; the TS reading also keeps its types
    "javascript": "ts",
    "python": "python",
    "py": "python",
}


def _language(value: Any) -> str | None:
    return _LANGUAGES.get(str(value).strip().lower()) if isinstance(value, str) else None


def parse_spec(path: str, text: str) -> SpecFile:
    """Everything one spec file documents. Pure (depends on path and text), never raises
    on bad input: malformed frontmatter or tables become warnings with their line."""
    # Here, not at the top: a check whose specs are all cached imports none of these.
    from . import api, specweave
    from . import frontmatter as fmod
    from . import markdown as md

    text = md.normalise_newlines(text.removeprefix("\ufeff"))
    fm = fmod.split(path, text)
    code_globs = fmod.globs(fm, "code", path)
    tokens = md.parse(fm.body)
    symbols, routes, api_warnings = api.extract(
        path, tokens, fm.body.split("\n"), _language(fm.data.get("language"))
    )
    stories, tasks = specweave.extract(tokens, fm.data)
    status = fm.data.get("status")
    return SpecFile(
        path=path,
        frontmatter=fm.data,
        code_globs=code_globs,
        symbols=tuple(symbols),
        routes=tuple(routes),
        stories=tuple(stories),
        tasks=tuple(tasks),
        warnings=tuple(sorted([*fm.warnings, *api_warnings], key=lambda w: w.line)),
        increment=increment_of(path),
        status=str(status) if isinstance(status, (str, int)) else None,
        external=fmod.external_ids(fm.data),
    )


def parse_metadata(path: str, text: str) -> IncrementMetadata:
    """An increment's metadata.json (``path`` names the increment)."""
    from .specweave import parse_metadata as _parse

    return _parse(path, text, increment_of(path) or "")


def with_metadata(spec: SpecFile, meta: IncrementMetadata) -> SpecFile:
    """The increment's spec.md with metadata.json's status and tracker ids (which win)."""
    return spec.replace(
        status=meta.status or spec.status,
        external={**spec.external, **meta.external},
        warnings=(*spec.warnings, *meta.warnings),
    )


def build(specs: Iterable[SpecFile], metadata: Iterable[IncrementMetadata] = ()) -> SpecSurface:
    """The spec surface: files in path order, metadata.json joined to each spec.md."""
    by_increment = {m.increment: m for m in metadata if m.increment}
    out: list[SpecFile] = []
    for spec in specs:
        meta = by_increment.get(spec.increment or "")
        if meta is not None and spec.path.endswith("/spec.md"):
            spec = with_metadata(spec, meta)
        out.append(spec)
    return SpecSurface(tuple(sorted(out, key=lambda f: f.path)))


def parse_tree(files: Mapping[str, str], options: SpecOptions | None = None) -> SpecSurface:
    """Select, parse and join the specs of a tree given as path -> text (no cache)."""
    sel = select(((p, p) for p in files), options)
    specs = [parse_spec(p, files[p]) for p, _ in sel.specs]
    metas = [parse_metadata(p, files[p]) for p, _ in sel.metadata]
    return build(specs, metas)


def cache_version() -> str:
    """Part of a spec's cache key: code blocks and heading signatures go through the code
    analyzers, so a new analyzer version must re-parse specs too."""
    from ..code.versions import JS_ANALYZER_VERSION, PY_ANALYZER_VERSION
    from .model import SPEC_PARSER_VERSION

    return f"{SPEC_PARSER_VERSION}+{JS_ANALYZER_VERSION}+{PY_ANALYZER_VERSION}"

"""TS/TSX/JS: per-file facts (cacheable) and cross-file linking into symbols and routes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Route, Symbol, Warning_
from .versions import JS_ANALYZER_VERSION

# Part of the cache key; kept in versions.py so computing a key imports no analyzer.
ANALYZER_VERSION = JS_ANALYZER_VERSION
# The extraction modules are imported in analyze() and the linking ones in link(): a
# warm-cache check links cached facts and must not pay for extraction code.

Facts = dict[str, Any]


def analyze(path: str, source: bytes, language: str) -> Facts:
    """Everything one file says, as JSON-serialisable data. Pure: depends only on bytes."""
    from . import js_module, js_routes, js_symbols
    from .languages import first_error, parse

    tree = parse(source, language)
    warnings: list[dict[str, Any]] = []
    err_line = first_error(tree)
    if err_line is not None:
        warnings.append(
            {"path": path, "line": err_line, "message": "syntax error; read what could be read"}
        )
    return {
        "path": path,
        "language": language,
        "module": js_module.module_facts(tree, source, language),
        "symbols": js_symbols.symbol_facts(tree, source, language, path),
        "routes": js_routes.route_facts(tree, source, language, path),
        "warnings": warnings,
    }


def link(
    files: Mapping[str, Facts], env_defaults: Mapping[str, tuple[str, str]]
) -> tuple[list[Symbol], list[Route], list[Warning_]]:
    """Join the facts of every JS/TS file of the repository (path -> facts)."""
    from .js_routes_link import link_routes
    from .js_symbols_link import link_symbols

    warnings = [Warning_(**w) for f in files.values() for w in f.get("warnings", ())]
    symbols, sym_warnings = link_symbols(files)
    routes, route_warnings = link_routes(files, env_defaults)
    return symbols, routes, [*warnings, *sym_warnings, *route_warnings]

"""Python: per-file facts (cacheable) and cross-file linking into symbols and routes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Route, Symbol, Warning_
from .versions import PY_ANALYZER_VERSION

# Part of the cache key; kept in versions.py so computing a key imports no analyzer.
ANALYZER_VERSION = PY_ANALYZER_VERSION
# The extraction modules are imported in analyze() and the linking ones in link(): a
# warm-cache check links cached facts and must not pay for extraction code.

Facts = dict[str, Any]


def analyze(path: str, source: bytes, language: str = "python") -> Facts:
    """Everything one file says, as JSON-serialisable data. Pure: depends only on bytes."""
    from . import py_module, py_routes, py_symbols
    from .languages import first_error, parse

    tree = parse(source, "python")
    root = tree.root_node
    warnings: list[dict[str, Any]] = []
    err_line = first_error(tree)
    if err_line is not None:
        warnings.append(
            {"path": path, "line": err_line, "message": "syntax error; read what could be read"}
        )
    scopes = py_module.Scopes(source)
    module, conv = py_module.module_facts(root, source, scopes)
    frameworks = sorted(
        {
            fw
            for imp in module["imports"].values()
            for fw in ("fastapi", "flask")
            if imp["level"] == 0 and str(imp["module"]).split(".")[0] in _FRAMEWORK_OF[fw]
        }
    )
    return {
        "path": path,
        "language": language,
        "module": module,
        "symbols": py_symbols.symbol_facts(root, conv),
        "routes": py_routes.route_facts(root, conv),
        "frameworks": frameworks,
        "warnings": warnings,
    }


_FRAMEWORK_OF = {
    "fastapi": ("fastapi", "starlette"),
    "flask": ("flask", "apiflask", "flask_smorest", "quart"),
}


def link(
    files: Mapping[str, Facts], env_defaults: Mapping[str, tuple[str, str]]
) -> tuple[list[Symbol], list[Route], list[Warning_]]:
    """Join the facts of every Python file of the repository (path -> facts)."""
    from .py_resolve import Index
    from .py_routes import link_routes
    from .py_symbols import link_symbols

    warnings = [Warning_(**w) for f in files.values() for w in f.get("warnings", ())]
    index = Index(files)
    symbols = link_symbols(files, index)
    routes, route_warnings = link_routes(files, index, env_defaults)
    return symbols, routes, [*warnings, *route_warnings]

"""Python: per-file facts (cacheable) and cross-file linking into symbols and routes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Route, Symbol, Warning_
from . import py_module, py_routes, py_symbols
from .languages import first_error, parse
from .py_resolve import Index

# Bump whenever the facts format or extraction changes: it is part of the cache key.
ANALYZER_VERSION = "py-1"

Facts = dict[str, Any]


def analyze(path: str, source: bytes, language: str = "python") -> Facts:
    """Everything one file says, as JSON-serialisable data. Pure: depends only on bytes."""
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
    warnings = [Warning_(**w) for f in files.values() for w in f.get("warnings", ())]
    index = Index(files)
    symbols = py_symbols.link_symbols(files, index)
    routes, route_warnings = py_routes.link_routes(files, index, env_defaults)
    return symbols, routes, [*warnings, *route_warnings]

"""Resolve a JS/TS module specifier (``./routes/users``) to a repository path."""

from __future__ import annotations

import posixpath
from collections.abc import Collection

# Order matters: TypeScript's own resolution order, then JS.
_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
# ESM TypeScript imports name the emitted file: `import x from './a.js'` means ./a.ts.
_JS_TO_TS = {".js": (".ts", ".tsx"), ".mjs": (".mts",), ".cjs": (".cts",), ".jsx": (".tsx",)}


def resolve_module(from_path: str, specifier: str, known: Collection[str]) -> str | None:
    """Repository path of the module ``specifier`` imported from ``from_path``.

    Only relative specifiers resolve (packages live outside the repository). ``known`` is
    the set of repository paths that exist (forward slashes, relative to the root).
    """
    if not specifier.startswith((".", "/")):
        return None
    base = posixpath.dirname(from_path)
    target = posixpath.normpath(posixpath.join(base, specifier)).lstrip("/")
    if target.startswith("../"):
        return None
    candidates = [target]
    root, ext = posixpath.splitext(target)
    for ts_ext in _JS_TO_TS.get(ext, ()):
        candidates.append(root + ts_ext)
    candidates.extend(target + e for e in _EXTENSIONS)
    candidates.extend(f"{target}/index{e}" for e in _EXTENSIONS)
    for c in candidates:
        if c in known:
            return c
    return None

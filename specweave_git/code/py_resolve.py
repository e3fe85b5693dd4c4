"""Python cross-file name resolution: dotted modules -> repository paths, names -> definitions."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .values import Expr

Facts = dict[str, Any]
_MAX_DEPTH = 24


@dataclass(frozen=True, slots=True)
class Target:
    """What a name stands for: a module (path, or a package dir without ``__init__``) or a
    name bound in a file (``binds`` key or a def)."""

    kind: str  # "module" | "name"
    path: str  # file path; for a module without a file, its dotted name prefixed with "pkg:"
    name: str = ""


def _dotted(path: str) -> str:
    p = re.sub(r"\.pyi?$", "", path)
    if p.endswith("/__init__"):
        p = p[: -len("/__init__")]
    return p.replace("/", ".")


class Index:
    """Module map and name lookup over every Python file's facts."""

    def __init__(self, files: Mapping[str, Facts]) -> None:
        self.files = files
        self._by_dotted: dict[str, list[str]] = {}
        for path in files:
            full = _dotted(path)
            parts = full.split(".")
            # Every suffix is a candidate module name: `backend/app/api.py` is `app.api` when
            # `backend/` is the project root, `src/pkg/x.py` is `pkg.x` in a src layout.
            for i in range(len(parts)):
                self._by_dotted.setdefault(".".join(parts[i:]), []).append(path)
        self._dirs: set[str] = set()
        for path in files:
            d = posixpath.dirname(path)
            while d and d not in self._dirs:
                self._dirs.add(d)
                d = posixpath.dirname(d)
        # Namespace packages (a directory without __init__.py) are importable too.
        self._dirs_by_dotted: dict[str, list[str]] = {}
        for d in self._dirs:
            parts = d.split("/")
            for i in range(len(parts)):
                self._dirs_by_dotted.setdefault(".".join(parts[i:]), []).append(d)

    def module(self, path: str) -> dict[str, Any]:
        m: dict[str, Any] = self.files[path].get("module", {})
        return m

    def module_file(self, from_path: str, module: str, level: int) -> Target | None:
        """The module ``module`` (with ``level`` leading dots) imported from ``from_path``."""
        if level:
            base = posixpath.dirname(from_path)
            for _ in range(level - 1):
                base = posixpath.dirname(base)
            rel = posixpath.join(base, module.replace(".", "/")) if module else base
            for cand in (f"{rel}.pyi", f"{rel}.py", f"{rel}/__init__.pyi", f"{rel}/__init__.py"):
                if cand in self.files:
                    return Target("module", cand)
            return Target("module", "pkg:" + rel) if rel in self._dirs else None
        candidates = self._by_dotted.get(module)
        package = not candidates
        if package:
            candidates = self._dirs_by_dotted.get(module)
        if not candidates:
            return None
        here = from_path.split("/")

        def closeness(p: str) -> tuple[bool, int, int, bool, str]:
            # A module named from the repository root wins; else the one nearest the importer.
            exact = (p[4:] if p.startswith("pkg:") else _dotted(p)) == module
            shared = 0
            for a, b in zip(here, p.split("/"), strict=False):
                if a != b:
                    break
                shared += 1
            return (not exact, -shared, p.count("/"), not p.endswith(".pyi"), p)

        best = min(candidates, key=closeness)
        return Target("module", "pkg:" + best if package else best)

    def submodule(self, module: Target, name: str) -> Target | None:
        if module.path.startswith("pkg:"):
            base = module.path[4:]
        elif module.path.endswith(("/__init__.py", "/__init__.pyi")):
            base = posixpath.dirname(module.path)
        else:
            return None
        return self.module_file(base + "/x.py", name, 1)

    def lookup(self, path: str, name: str, depth: int = 0) -> Target | None:
        """What ``name`` (plain, ``f:local`` or ``f()``) means in file ``path``."""
        if depth > _MAX_DEPTH or path not in self.files:
            return None
        mod = self.module(path)
        binds = mod.get("binds", {})
        if name in binds or (":" not in name and name in mod.get("defined", ())):
            return Target("name", path, name)
        if name.endswith("()"):
            fn = self.lookup(path, name[:-2], depth + 1)
            if fn is not None and fn.kind == "name":
                key = fn.name + "()"
                if key in self.module(fn.path).get("binds", {}):
                    return Target("name", fn.path, key)
            return None
        imp = mod.get("imports", {}).get(name)
        if imp is not None:
            return self._follow_import(path, imp, depth)
        if ":" in name:
            return None
        for star in mod.get("star_imports", ()):
            target = self.module_file(path, star["module"], star["level"])
            if target is not None and not name.startswith("_"):
                found = self.attr(target, name, depth + 1)
                if found is not None:
                    return found
        return None

    def _follow_import(self, path: str, imp: dict[str, Any], depth: int) -> Target | None:
        base = self.module_file(path, imp["module"], imp["level"])
        if imp["name"] is None or base is None:
            return base
        return self.attr(base, imp["name"], depth + 1)

    def attr(self, module: Target, name: str, depth: int = 0) -> Target | None:
        """``module.name``: a name defined or imported there, else a submodule."""
        if module.kind != "module":
            return None
        if not module.path.startswith("pkg:"):
            found = self.lookup(module.path, name, depth + 1)
            if found is not None:
                return found
        return self.submodule(module, name)

    def resolve(self, path: str, expr: Expr | None, depth: int = 0) -> Target | None:
        """Target of a ``ref`` or ``attr`` chain written in ``path``."""
        if expr is None or depth > _MAX_DEPTH:
            return None
        if "ref" in expr:
            return self.lookup(path, str(expr["ref"]), depth + 1)
        if "attr" in expr:
            base = self.resolve(path, expr["attr"], depth + 1)
            if base is None:
                return None
            name = str(expr["name"])
            return self.attr(base, name, depth + 1) if base.kind == "module" else None
        return None

    def bound(self, target: Target) -> Expr | None:
        """The expression a name target is bound to (None for defs and modules)."""
        if target.kind != "name":
            return None
        value: Expr | None = self.module(target.path).get("binds", {}).get(target.name)
        return value

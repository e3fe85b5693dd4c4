"""TS/JS symbols, linking half: per-file declarations joined into each module's exports.

Apart from the extraction half (``js_symbols``) so a check whose facts are all cached
links them without importing extraction code (DESIGN §11).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Location, Symbol, Warning_
from .js_resolve import resolve_module

# Kinds whose `module.exports = x` / `export = x` exports stand for their members.
_MEMBERS_ONLY = ("const", "namespace")
_Target = tuple[str, str]  # (declaring file, local name in that file's decls)


class _Linker:
    def __init__(self, files: Mapping[str, Mapping[str, Any]]) -> None:
        self.files = files
        self.known = frozenset(files)
        self.cache: dict[str, dict[str, _Target]] = {}
        self.stack: list[str] = []
        self.warnings: list[Warning_] = []
        # Exports bound to something outside the repository (`export { x } from 'pkg'`):
        # tsc lists them, so they become symbols placed at the export statement.
        self.synthetic: dict[_Target, dict[str, Any]] = {}
        self.hidden: set[tuple[str, str]] = set()

    def decls(self, path: str) -> Mapping[str, Any]:
        decls: Mapping[str, Any] = self.files[path].get("symbols", {}).get("decls", {})
        return decls

    def decl(self, target: _Target) -> Mapping[str, Any] | None:
        found = self.decls(target[0]).get(target[1])
        return found if found is not None else self.synthetic.get(target)

    def _external(self, path: str, name: str, line: int, kind: str = "const") -> _Target:
        target = (path, f"{kind} {name}@{line}")
        language = str(self.files[path].get("language", ""))
        sym = Symbol(name, kind, Location(path, line), path, language=language)
        self.synthetic[target] = sym.to_json()
        return target

    def exports_of(self, path: str) -> dict[str, _Target]:
        """Exported name -> declaration, for one module (tsc's getExportsOfModule)."""
        if path in self.cache:
            return self.cache[path]
        if path in self.stack:  # a cycle of re-exports: what is known so far
            return {}
        self.stack.append(path)
        try:
            out = self._exports(path)
        finally:
            self.stack.pop()
        self.cache[path] = out
        return out

    def _exports(self, path: str) -> dict[str, _Target]:
        facts = self.files[path]
        module = facts.get("module", {})
        sym_facts = facts.get("symbols", {})
        is_js = facts.get("language") == "js"
        out: dict[str, _Target] = {}
        if sym_facts.get("implicit_export"):
            for local in self.decls(path):
                # not "default", "* as ns", nor members ("ns.f") and properties ("a.b")
                if local != "default" and " " not in local and "." not in local:
                    out[local] = (path, local)
        for name, entry in module.get("exports", {}).items():
            if entry.get("commonjs") and not is_js:
                continue
            local = str(entry.get("local", name))
            if entry.get("equals"):
                # `export = X`: the module is X, so X's members are named exports too.
                for prop, ref in sym_facts.get("props", {}).get(local, {}).items():
                    found = self.resolve_local(path, ref, int(entry.get("line", 1)))
                    if found is not None:
                        out.setdefault(prop, found)
            if local == "module.exports":  # the object itself: its properties are listed
                continue
            target = self.resolve_local(path, local, int(entry.get("line", 1)))
            if target is None:
                continue
            decl = self.decl(target)
            if entry.get("equals") and decl is not None and decl.get("kind") in _MEMBERS_ONLY:
                # `module.exports = obj`, `export = ns`: the members stand for it (tsc lists
                # only those); the default stays resolvable for `require()` by other files.
                # A function or class stays listed: calling the module is its main API.
                self.hidden.add((path, name))
            out[name] = target
        stars: list[str] = []
        for rex in module.get("reexports", ()):
            spec = str(rex.get("from", ""))
            target_path = resolve_module(path, spec, self.known)
            name, alias = rex.get("name"), rex.get("as")
            line = int(rex.get("line", 1))
            if name == "*" and alias is not None:
                out[alias] = (path, f"* as {alias}")
            elif target_path is None:
                if spec.startswith("."):
                    self.warnings.append(Warning_(path, line, f"re-export from {spec!r} not found"))
                elif name != "*":
                    out[str(alias or name)] = self._external(path, str(name), line)
            elif name == "*":
                stars.append(target_path)
            else:
                found = self.exports_of(target_path).get(str(name))
                if found is not None:
                    out[str(alias or name)] = found
        for target_path in stars:
            # `export *` never carries `default`, and local exports win over starred ones.
            for name, found in self.exports_of(target_path).items():
                if name != "default":
                    out.setdefault(name, found)
        return out

    def resolve_local(self, path: str, local: str, line: int) -> _Target | None:
        """The declaration a local name of ``path`` stands for (following imports)."""
        if local in self.decls(path):
            return (path, local)
        imported = self.files[path].get("module", {}).get("imports", {}).get(local)
        if imported is None:
            return None
        spec = str(imported.get("from", ""))
        if imported.get("name") == "*":  # `import * as ns; export { ns }`
            return self._external(path, local, line, "namespace")
        target_path = resolve_module(path, spec, self.known)
        if target_path is None:
            return None if spec.startswith(".") else self._external(path, local, line)
        return self.exports_of(target_path).get(str(imported.get("name")))


def link_symbols(files: Mapping[str, Mapping[str, Any]]) -> tuple[list[Symbol], list[Warning_]]:
    """The exported symbols of every module, each declaration once per exported name."""
    linker = _Linker(files)
    # (declaring file, line, name) -> [declaration, exported from, default export]: the
    # winner is chosen on the JSON, so each symbol is built once (a quarter of the link).
    chosen: dict[tuple[str, int, str], list[Any]] = {}
    for path in sorted(files):
        for exported, (decl_path, local) in linker.exports_of(path).items():
            decl = linker.decl((decl_path, local))
            if decl is None or (path, exported) in linker.hidden:
                continue
            is_default = exported == "default"
            name = decl["name"] if is_default else exported
            key = (decl["file"], int(decl["line"]), name)
            old = chosen.get(key)
            if old is None:
                chosen[key] = [decl, path, is_default]
            elif old[1] != key[0] and path == key[0]:
                # Keep the declaring module's own export over a re-export of it.
                chosen[key] = [decl, path, is_default or old[2]]
            else:
                old[2] = old[2] or is_default
    symbols = [
        Symbol.from_json({**decl, "name": name, "exported_from": path, "default_export": flag})
        for (_file, _line, name), (decl, path, flag) in chosen.items()
    ]
    return symbols, linker.warnings

"""Python public symbols: module-level functions and classes, exports through ``__all__``.

A module's exports are the names in its ``__all__`` when it has one, else its public
(no leading underscore) functions and classes. A name re-exported through a package's
``__all__`` is reported once, at its definition, exported from the package. Class
members: public methods (``@staticmethod`` keeps every parameter, ``@classmethod`` and
plain methods drop the first); ``@property``/``@cached_property`` are reported as
read-only fields (writable when a setter exists), not as methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..model import Field, Location, Param, Signature, Symbol
from .languages import text
from .py_classes import class_facts, decorators_of, is_optional_type, signature_of
from .py_module import top_level_defs
from .py_resolve import Index, Target

if TYPE_CHECKING:
    from tree_sitter import Node

    from .py_module import Converter

Facts = dict[str, Any]

_PYDANTIC = frozenset({"BaseModel", "SQLModel", "BaseSettings", "GenericModel", "RootModel"})
_ENUM = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum"})
_PROPERTY = frozenset({"property", "cached_property", "setter", "getter", "deleter"})
_ATTRS_DECORATORS = frozenset({"s", "attrs", "define", "frozen", "mutable", "dataclass"})


def symbol_facts(root: Node, conv: Converter) -> list[dict[str, Any]]:
    """Every module-level function and class (private ones too: ``__all__`` may list them)."""
    out: list[dict[str, Any]] = []
    for d in top_level_defs(root):
        if d.type == "class_definition":
            out.append(class_facts(d, conv))
            continue
        decorators = decorators_of(d, conv)
        out.append(
            {
                "name": text(d.child_by_field_name("name"), conv.source),
                "kind": "function",
                "line": d.start_point[0] + 1,
                "signature": signature_of(d, conv.source),
                "overload": any(x.rsplit(".", 1)[-1] == "overload" for x in decorators),
            }
        )
    return out


def _signature(d: dict[str, Any]) -> Signature:
    return Signature.from_json(d)


def _signatures(defs: list[dict[str, Any]]) -> tuple[tuple[Signature, ...], int]:
    """Signatures of a function group: the ``@overload`` ones when present, else the first."""
    overloads = [d for d in defs if d.get("overload")]
    chosen = overloads or defs[:1]
    return tuple(_signature(d["signature"]) for d in chosen), chosen[0]["line"]


class _Linker:
    def __init__(self, files: Mapping[str, Facts], index: Index) -> None:
        self.files = files
        self.index = index
        self._class_memo: dict[tuple[str, str], dict[str, Any] | None] = {}

    def defs(self, path: str, name: str) -> list[dict[str, Any]]:
        return [d for d in self.files[path].get("symbols", ()) if d["name"] == name]

    def definition(self, path: str, name: str) -> tuple[str, str] | None:
        target = self.index.lookup(path, name)
        if target is None or target.kind != "name" or not self.defs(target.path, target.name):
            return None
        return target.path, target.name

    # -- classes ---------------------------------------------------------------------
    def class_info(self, path: str, name: str, depth: int = 0) -> dict[str, Any] | None:
        key = (path, name)
        if key in self._class_memo:
            return self._class_memo[key]
        self._class_memo[key] = None  # cycle guard
        cls = next((d for d in self.defs(path, name) if d["kind"] == "class"), None)
        info = None if cls is None or depth > 16 else self._build_class(path, cls, depth)
        self._class_memo[key] = info
        return info

    def _build_class(self, path: str, cls: dict[str, Any], depth: int) -> dict[str, Any]:
        bases: list[dict[str, Any]] = []
        decorated = _decorator_model(cls)
        model = decorated
        external = False
        for canonical, expr in zip(cls["bases"], cls.get("base_exprs", ()), strict=False):
            short = canonical.rsplit(".", 1)[-1]
            target = self.index.resolve(path, expr)
            base = None
            if isinstance(target, Target) and target.kind == "name":
                base = self.class_info(target.path, target.name, depth + 1)
            if base is not None:
                bases.append(base)
                # Metaclass-driven models pass their nature on; a dataclass does not (an
                # undecorated subclass keeps the base's __init__ and adds no fields).
                if base["model"] not in ("dataclass", "attrs"):
                    model = model or base["model"]
            elif short in _PYDANTIC:
                model = model or "pydantic"
            elif short == "TypedDict":
                model = model or "typeddict"
            elif short == "NamedTuple":
                model = model or "namedtuple"
            elif short in _ENUM:
                model = model or "enum"
            elif short not in ("object", "Generic", "Protocol", "ABC"):
                external = True
        model = model or "plain"
        fields: dict[str, dict[str, Any]] = {}
        for base in reversed(bases):
            fields.update(base["fields"])
        for f in _own_fields(cls, model):
            fields[f["name"]] = f
        signature = cls.get("init")
        if signature is None:
            synth = _synth_init(model, list(fields.values()))
            signature = synth.to_json() if synth is not None else None
        if signature is None:
            signature = next((b["signature"] for b in bases if b["signature"] is not None), None)
        if signature is None and model == "plain" and not bases and not external:
            signature = {"params": [], "returns": None}
        return {"model": model, "fields": fields, "signature": signature}

    def class_symbol(self, path: str, cls: dict[str, Any], name: str, exported_from: str) -> Symbol:
        """A class; TypedDicts and Protocols are interfaces and Enums enums, as in TS, so
        drift rules treat them as types (DESIGN §5: undocumented types are minor)."""
        info = self.class_info(path, cls["name"]) or {"fields": {}, "signature": None}
        specs = list(info["fields"].values())
        fields = [_field(f) for f in specs if not f["name"].startswith("_") and not f["initvar"]]
        sig = Signature.from_json(info["signature"]) if info["signature"] is not None else None
        members, props = _members(cls, path, exported_from)
        known = {f.name for f in fields}
        fields += [p for p in props if p.name not in known]
        kind = _class_kind(info.get("model", "plain"), cls["bases"])
        if kind == "interface" and info.get("model") != "typeddict":
            sig = None  # a Protocol is never instantiated: it has no constructor to document
        return Symbol(
            name=name,
            kind=kind,
            location=Location(path, cls["line"]),
            exported_from=exported_from,
            signatures=(sig,) if sig is not None else (),
            fields=tuple(fields),
            members=tuple(members),
            language="python",
        )

    def symbol(self, path: str, def_name: str, name: str, exported_from: str) -> Symbol:
        group = self.defs(path, def_name)
        if group[0]["kind"] == "class":
            return self.class_symbol(path, group[0], name, exported_from)
        sigs, line = _signatures([d for d in group if d["kind"] == "function"])
        return Symbol(
            name=name,
            kind="function",
            location=Location(path, line),
            exported_from=exported_from,
            signatures=sigs,
            language="python",
        )


def _decorator_model(cls: dict[str, Any]) -> str | None:
    for d in cls.get("decorators", ()):
        head, _, short = d.rpartition(".")
        if (head.startswith("attr") and short in _ATTRS_DECORATORS) or short in (
            "define",
            "frozen",
            "mutable",
        ):
            return "attrs"
        if short == "dataclass":
            return "dataclass"
    return None


def _own_fields(cls: dict[str, Any], model: str) -> list[dict[str, Any]]:
    options = cls.get("options", {})
    frozen = options.get("frozen") == "True" or any(
        d.rsplit(".", 1)[-1] == "frozen" for d in cls.get("decorators", ())
    )
    kw_only = options.get("kw_only") == "True"
    total = cls.get("keywords", {}).get("total") != "False"
    out: list[dict[str, Any]] = []
    for a in cls.get("attrs", ()):
        if a.get("kw_only_marker"):
            kw_only = True
            continue
        wrappers = set(a.get("wrappers", ()))
        name = a["name"]
        if "ClassVar" in wrappers or name in ("model_config", "__slots__"):
            continue
        if model == "enum":
            if a["annotated"] or name.startswith("_"):
                continue
        elif model == "attrs":
            if not (a["annotated"] or a["field_call"]):
                continue
        elif not a["annotated"]:
            continue
        if model == "typeddict":
            optional = "NotRequired" in wrappers or (not total and "Required" not in wrappers)
        elif model == "pydantic":
            optional = a["has_default"] or is_optional_type(a["type"])
        elif model == "enum":
            optional = False
        else:
            optional = a["has_default"]
        out.append(
            {
                "name": name,
                "type": a["type"],
                "optional": bool(optional),
                "readonly": frozen or bool(wrappers & {"ReadOnly", "Final"}) or model == "enum",
                "default": a["default"] if a["has_default"] else None,
                "init": a["init"] and model != "enum",
                "kw_only": a["kw_only"] if a["kw_only"] is not None else kw_only,
                "initvar": "InitVar" in wrappers,
            }
        )
    return out


def _field(f: dict[str, Any]) -> Field:
    return Field(
        name=f["name"],
        type=f["type"],
        optional=f["optional"],
        readonly=f["readonly"],
        default=f["default"],
    )


def _synth_init(model: str, specs: list[dict[str, Any]]) -> Signature | None:
    """The ``__init__`` a dataclass, attrs class, NamedTuple or pydantic model gets."""
    if model not in ("dataclass", "attrs", "namedtuple", "pydantic"):
        return None
    params: list[Param] = []
    for f in specs:
        if not f["init"] or (model == "pydantic" and f["name"].startswith("_")):
            continue
        name = f["name"].lstrip("_") if model == "attrs" else f["name"]
        kind = "keyword-only" if model == "pydantic" or f["kw_only"] else "normal"
        params.append(Param(name, f["optional"], False, f["type"], f["default"], kind))
    # Python puts keyword-only parameters after the others (dataclass kw_only=True fields).
    params.sort(key=lambda p: p.kind == "keyword-only")
    return Signature(tuple(params), None)


def _members(
    cls: dict[str, Any], path: str, exported_from: str
) -> tuple[list[Symbol], list[Field]]:
    methods = cls.get("methods", ())
    setters = {
        d.rsplit(".", 1)[0] for m in methods for d in m["decorators"] if d.endswith(".setter")
    }
    groups: dict[str, list[dict[str, Any]]] = {}
    props: list[Field] = []
    for m in methods:
        shorts = {d.rsplit(".", 1)[-1] for d in m["decorators"]}
        if m["name"].startswith("_"):
            continue
        if shorts & _PROPERTY:
            if shorts & {"property", "cached_property"}:
                ret = m["signature"]["returns"]
                props.append(Field(m["name"], ret, False, m["name"] not in setters, None))
            continue
        entry = {**m, "overload": "overload" in shorts, "kind": "function"}
        groups.setdefault(m["name"], []).append(entry)
    members = []
    for name, group in groups.items():
        sigs, line = _signatures(group)
        members.append(
            Symbol(
                name=name,
                kind="method",
                location=Location(path, line),
                exported_from=exported_from,
                signatures=sigs,
                language="python",
            )
        )
    return members, props


def link_symbols(files: Mapping[str, Facts], index: Index) -> list[Symbol]:
    """Exported symbols of every module, each reported once at its definition."""
    linker = _Linker(files, index)
    # (definition path, definition name, exported name) -> exporting modules
    exported: dict[tuple[str, str, str], list[str]] = {}
    for path in sorted(files):
        if path.endswith(".py") and path + "i" in files:
            continue  # the stub is the declared API
        mod = index.module(path)
        names = mod.get("all")
        if names is None:
            names = [d["name"] for d in files[path].get("symbols", ()) if d["name"][:1] != "_"]
        for name in dict.fromkeys(names):
            found = linker.definition(path, name)
            if found is not None:
                exported.setdefault((*found, name), []).append(path)
    symbols = []
    for (def_path, def_name, name), exporters in exported.items():
        # A package re-export is the public name: prefer it, the shallowest first.
        best = min(exporters, key=lambda p: (p == def_path, p.count("/"), p))
        symbols.append(linker.symbol(def_path, def_name, name, best))
    return symbols


def _class_kind(model: str, bases: list[str]) -> str:
    if model == "typeddict" or any(b.rsplit(".", 1)[-1] == "Protocol" for b in bases):
        return "interface"
    if model == "enum":
        return "enum"
    return "class"

"""Compare one documented symbol with its code counterpart: signature and field rules."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Field, Param, Signature, Symbol
from ..record import FrozenRecord, set_field

_TYPE_KINDS = frozenset({"interface", "type", "enum"})


def norm_type(text: str | None) -> str | None:
    """Canonical type text: no whitespace, one quote style, no trailing commas, sorted unions.

    Two type texts with the same canonical form differ only in formatting
    (rule ``signature-format``).
    """
    if text is None:
        return None
    t = re.sub(r"\s+", "", text)
    t = t.replace("'", '"').replace("`", '"')
    t = re.sub(r",([)\]}>])", r"\1", t)
    t = t.replace(";}", "}")
    return _sort_unions(t)


def _sort_unions(t: str) -> str:
    """Sort the members of top-level unions (``a|b`` == ``b|a``), recursively in brackets."""
    out: list[str] = []
    depth = 0
    current: list[str] = []
    members: list[str] = []
    for ch in t:
        if ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        if ch == "|" and depth == 0:
            members.append("".join(current))
            current = []
        else:
            current.append(ch)
    members.append("".join(current))
    if len(members) > 1:
        members = [m for m in members if m]  # leading `|` in multi-line unions
        out = sorted(members)
        return "|".join(out)
    return t


def type_change(doc: str | None, code: str | None) -> str | None:
    """How a documented type text differs from the code's: ``"changed"`` (another type),
    ``"format"`` (same type, other formatting) or None (same, or a side has no type)."""
    if doc is None or code is None:
        return None
    if norm_type(doc) != norm_type(code):
        return "changed"
    return "format" if raw_type(doc) != raw_type(code) else None


def raw_type(text: str | None) -> str | None:
    return None if text is None else re.sub(r"\s+", " ", text).strip()


class Finding(FrozenRecord):
    """A rule hit before it is located and fingerprinted by the detector."""

    __slots__ = ("code_value", "message", "recommendation", "rule", "spec_value", "subject")

    rule: str
    subject: str  # e.g. "createUser(name)", "User.email", "createUser: return"
    message: str
    recommendation: str
    spec_value: str | None
    code_value: str | None

    def __init__(
        self,
        rule: str,
        subject: str,
        message: str,
        recommendation: str,
        spec_value: str | None,
        code_value: str | None,
    ) -> None:
        set_field(self, "rule", rule)
        set_field(self, "subject", subject)
        set_field(self, "message", message)
        set_field(self, "recommendation", recommendation)
        set_field(self, "spec_value", spec_value)
        set_field(self, "code_value", code_value)


def _params_text(params: tuple[Param, ...]) -> str:
    parts = []
    for p in params:
        s = ("..." if p.rest else "") + p.name + ("?" if p.optional and not p.rest else "")
        if p.type:
            s += f": {raw_type(p.type)}"
        parts.append(s)
    return ", ".join(parts)


def signature_text(name: str, sig: Signature) -> str:
    text = f"{name}({_params_text(sig.params)})"
    if sig.returns:
        text += f": {raw_type(sig.returns)}"
    return text


def compare_signature(name: str, doc: Signature, code: Signature) -> Iterator[Finding]:
    """Signature rules, parameter by parameter. Types missing from the doc are not compared."""
    by_name_code = {p.name: (i, p) for i, p in enumerate(code.params)}
    by_name_doc = {p.name: (i, p) for i, p in enumerate(doc.params)}
    unmatched_doc = [(i, p) for i, p in enumerate(doc.params) if p.name not in by_name_code]
    unmatched_code = {i: p for i, p in enumerate(code.params) if p.name not in by_name_doc}
    format_only = False
    # Same position, same type, new name: a rename (trivial), not a removal plus an addition.
    for i, dp in list(unmatched_doc):
        cp = unmatched_code.get(i)
        if cp is not None and norm_type(dp.type) == norm_type(cp.type) and dp.rest == cp.rest:
            unmatched_doc.remove((i, dp))
            del unmatched_code[i]
            yield Finding(
                "param-renamed",
                f"{name}({dp.name})",
                f"parameter {i + 1} of {name} is documented as `{dp.name}` but the code "
                f"calls it `{cp.name}`",
                f"rename `{dp.name}` to `{cp.name}` in the spec",
                dp.name,
                cp.name,
            )
    for _, dp in unmatched_doc:
        yield Finding(
            "param-removed",
            f"{name}({dp.name})",
            f"documented parameter `{dp.name}` of {name} no longer exists",
            f"remove `{dp.name}` from the documented signature, or restore it in the code",
            dp.name,
            None,
        )
    for _, cp in sorted(unmatched_code.items()):
        optional = cp.optional or cp.rest or cp.kind == "var-keyword"
        rule = "param-added-optional" if optional else "param-added-required"
        yield Finding(
            rule,
            f"{name}({cp.name})",
            f"{name} has a new {'optional' if optional else 'required'} parameter `{cp.name}`"
            " the spec does not document",
            f"document `{cp.name}` in the signature of {name}",
            None,
            cp.name + (f": {raw_type(cp.type)}" if cp.type else ""),
        )
    for pname, (_, dp) in by_name_doc.items():
        hit = by_name_code.get(pname)
        if hit is None:
            continue
        cp = hit[1]
        change = type_change(dp.type, cp.type)
        if change == "changed":
            yield Finding(
                "param-type-changed",
                f"{name}({pname})",
                f"parameter `{pname}` of {name} is documented as `{raw_type(dp.type)}` "
                f"but the code takes `{raw_type(cp.type)}`",
                f"update the documented type of `{pname}` to `{raw_type(cp.type)}`",
                raw_type(dp.type),
                raw_type(cp.type),
            )
        elif change == "format":
            format_only = True
        if bool(dp.optional or dp.rest) != bool(cp.optional or cp.rest):
            yield Finding(
                "param-optionality-changed",
                f"{name}({pname})",
                f"parameter `{pname}` of {name} is documented as "
                f"{'optional' if dp.optional else 'required'} but is "
                f"{'optional' if cp.optional else 'required'} in the code",
                f"document `{pname}` as {'optional' if cp.optional else 'required'}",
                "optional" if dp.optional else "required",
                "optional" if cp.optional else "required",
            )
    change = type_change(doc.returns, code.returns)
    if change == "changed":
        yield Finding(
            "return-type-changed",
            f"{name}: return",
            f"{name} is documented to return `{raw_type(doc.returns)}` but returns "
            f"`{raw_type(code.returns)}`",
            f"update the documented return type to `{raw_type(code.returns)}`",
            raw_type(doc.returns),
            raw_type(code.returns),
        )
    elif change == "format":
        format_only = True
    if format_only:
        yield Finding(
            "signature-format",
            f"{name}: format",
            f"the documented signature of {name} differs from the code only in formatting",
            "rewrite the documented signature from the code",
            signature_text(name, doc),
            signature_text(name, code),
        )


def compare_fields(name: str, doc: tuple[Field, ...], code: tuple[Field, ...]) -> Iterator[Finding]:
    code_by = {f.name: f for f in code}
    doc_by = {f.name: f for f in doc}
    format_only = False
    for fname, df in doc_by.items():
        cf = code_by.get(fname)
        if cf is None:
            yield Finding(
                "field-removed",
                f"{name}.{fname}",
                f"documented field `{name}.{fname}` no longer exists in the code",
                f"remove `{fname}` from the documented {name}, or restore it",
                fname,
                None,
            )
            continue
        change = type_change(df.type, cf.type)
        if change == "changed":
            yield Finding(
                "field-type-changed",
                f"{name}.{fname}",
                f"field `{name}.{fname}` is documented as `{raw_type(df.type)}` but is "
                f"`{raw_type(cf.type)}` in the code",
                f"update the documented type of `{fname}` to `{raw_type(cf.type)}`",
                raw_type(df.type),
                raw_type(cf.type),
            )
        elif change == "format":
            format_only = True
    for fname, cf in code_by.items():
        if fname in doc_by:
            continue
        rule = "field-added-optional" if cf.optional else "field-added-required"
        yield Finding(
            rule,
            f"{name}.{fname}",
            f"{name} has a new {'optional' if cf.optional else 'required'} field `{fname}` the "
            "spec does not document",
            f"document `{fname}` in {name}",
            None,
            fname + (f": {raw_type(cf.type)}" if cf.type else ""),
        )
    if format_only:
        yield Finding(
            "signature-format",
            f"{name}: format",
            f"the documented fields of {name} differ from the code only in formatting",
            f"rewrite the documented {name} from the code",
            None,
            None,
        )


def compare_symbol(doc: Symbol, code: Symbol) -> Iterator[Finding]:
    """Every rule hit between a documented symbol and the code symbol it names."""
    if not _kinds_compatible(doc.kind, code.kind) and not (
        # `### class Role` documents a Python Enum/TypedDict/Protocol: in Python they are
        # all written as classes.
        code.language == "python" and doc.kind == "class" and code.kind in ("enum", "interface")
    ):
        yield Finding(
            "symbol-kind-changed",
            doc.name,
            f"{doc.name} is documented as a {doc.kind} but the code exports a {code.kind}",
            f"document {doc.name} as a {code.kind}",
            doc.kind,
            code.kind,
        )
        return
    # A dataclass/pydantic/attrs constructor is made from the fields: the field rules
    # say it once; comparing the constructor too would say every field change twice.
    init_is_fields = bool(doc.fields) and _init_is_fields(doc) and _init_is_fields(code)
    if doc.signatures and code.signatures and not init_is_fields:
        # Overloads: pair documented signatures with the code's by position.
        for dsig, csig in zip(doc.signatures, code.signatures, strict=False):
            yield from compare_signature(doc.name, dsig, csig)
    if doc.fields:
        yield from compare_fields(doc.name, doc.fields, code.fields)
    if doc.members:
        code_members = {m.name: m for m in code.members}
        for dm in doc.members:
            cm = code_members.get(dm.name)
            qualified = f"{doc.name}.{dm.name}"
            if cm is None:
                yield Finding(
                    "symbol-missing",
                    qualified,
                    f"documented method {qualified} no longer exists",
                    f"remove {qualified} from the spec, or restore it in the code",
                    qualified,
                    None,
                )
                continue
            for dsig, csig in zip(dm.signatures, cm.signatures, strict=False):
                yield from compare_signature(qualified, dsig, csig)


def _init_is_fields(sym: Symbol) -> bool:
    """True when the class's constructor takes only its fields (a synthesised ``__init__``)."""
    if not sym.signatures:
        return True
    if sym.kind != "class" or len(sym.signatures) != 1:
        return False
    names = {f.name.lstrip("_") for f in sym.fields}
    return all(p.name.lstrip("_") in names for p in sym.signatures[0].params)


def _kinds_compatible(doc_kind: str, code_kind: str) -> bool:
    if doc_kind == code_kind:
        return True
    # An interface documented as a type alias (or the reverse) is the same contract in TS.
    if {doc_kind, code_kind} <= {"interface", "type"}:
        return True
    # `export const f = () => ...` documented as `function f()`.
    return {doc_kind, code_kind} <= {"function", "const"}


def is_type_kind(kind: str) -> bool:
    return kind in _TYPE_KINDS

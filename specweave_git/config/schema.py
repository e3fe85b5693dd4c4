"""The config schema as data: loading it, and defaults derived from its `default` keywords."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..digest import digest
from ..record import FrozenRecord, set_field

SCHEMA_PATH = Path(__file__).with_name("schema.json")

# Returned by default_for() when a schema node has no default (owner, repo, ...).
MISSING: Any = object()


@lru_cache(maxsize=1)
def schema_bytes() -> bytes:
    return SCHEMA_PATH.read_bytes()


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_bytes())
    return loaded


def schema_digest() -> str:
    """Changes whenever the schema changes, so cached validations of old schemas miss."""
    return digest(schema_bytes())


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref``; keywords next to it (``default``, ``description``) win."""
    ref = node.get("$ref")
    if ref is None:
        return node
    if not isinstance(ref, str) or not ref.startswith("#/"):
        raise ValueError(f"only local $ref are supported in the config schema: {ref!r}")
    target: Any = schema()
    for part in ref[2:].split("/"):
        target = target[part]
    merged = dict(resolve(target))
    merged.update({k: v for k, v in node.items() if k != "$ref"})
    return merged


def default_for(node: dict[str, Any]) -> Any:
    """The default value of a schema node, or MISSING.

    An object without its own ``default`` is built from its properties' defaults; an
    object with one still gets nested defaults filled in for keys it does not set.
    """
    node = resolve(node)
    if "default" in node:
        value = copy.deepcopy(node["default"])
        if isinstance(value, dict) and "properties" in node:
            apply_defaults(node, value)
        return value
    if "properties" in node:
        built: dict[str, Any] = {}
        apply_defaults(node, built)
        return built
    return MISSING


def apply_defaults(node: dict[str, Any], value: Any) -> Any:
    """Fill missing keys of ``value`` (in place) from the schema; return ``value``.

    Only keys the schema lists get defaults; anything else is left as it is. A missing
    key takes the enclosing object's ``default`` entry for it first (jobs carry their
    defaults that way), then the key's own default.
    """
    node = resolve(node)
    if not isinstance(value, dict):
        return value
    props: dict[str, Any] = node.get("properties", {})
    own_default = node.get("default")
    for key, sub in props.items():
        if key in value:
            apply_defaults(sub, value[key])
            continue
        if isinstance(own_default, dict) and key in own_default:
            value[key] = copy.deepcopy(own_default[key])
            apply_defaults(sub, value[key])
            continue
        default = default_for(sub)
        if default is not MISSING:
            value[key] = default
    return value


def defaults() -> dict[str, Any]:
    """The effective config of a repository without a config file."""
    built: dict[str, Any] = default_for(schema())
    return built


class Key(FrozenRecord):
    """One owned setting, for docs and ``config show``."""

    __slots__ = ("default", "description", "path", "type")

    path: tuple[str, ...]
    type: str
    default: Any  # MISSING when there is none
    description: str

    def __init__(self, path: tuple[str, ...], type: str, default: Any, description: str) -> None:
        set_field(self, "path", path)
        set_field(self, "type", type)
        set_field(self, "default", default)
        set_field(self, "description", description)

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def _type_text(node: dict[str, Any]) -> str:
    if "enum" in node:
        return "|".join(str(v) for v in node["enum"])
    if "anyOf" in node:
        return " or ".join(_type_text(resolve(n)) for n in node["anyOf"])
    kind = node.get("type", "any")
    if kind == "array":
        items = resolve(node.get("items", {}))
        return f"list of {_type_text(items)}"
    if kind == "object" and "properties" not in node:
        return "mapping"
    return str(kind)


def iter_keys(
    node: dict[str, Any] | None = None,
    prefix: tuple[str, ...] = (),
    inherited: Any = MISSING,
) -> Iterator[Key]:
    """Every owned leaf setting in schema order (objects with listed properties recurse)."""
    node = resolve(schema() if node is None else node)
    default = inherited if inherited is not MISSING else default_for(node)
    props = node.get("properties")
    if props:
        for key, sub in props.items():
            child_default = default.get(key, MISSING) if isinstance(default, dict) else MISSING
            yield from iter_keys(sub, (*prefix, key), child_default)
        return
    yield Key(prefix, _type_text(node), default, str(node.get("description", "")))

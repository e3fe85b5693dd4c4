"""Module facts of TS/JS files: imports, exports, re-exports and string-ish constants."""

from __future__ import annotations

from typing import Any

import pytest

from specweave_git.code.js_module import expr_of, module_facts
from specweave_git.code.languages import parse


def facts(source: str, lang: str = "ts") -> dict[str, Any]:
    data = source.encode()
    return module_facts(parse(data, lang), data, lang)


def strip_lines(entries: dict[str, Any]) -> dict[str, Any]:
    return {k: {kk: vv for kk, vv in v.items() if kk != "line"} for k, v in entries.items()}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import x from './a'", {"x": {"from": "./a", "name": "default"}}),
        ("import {a as b} from 'm'", {"b": {"from": "m", "name": "a"}}),
        ("import {a} from 'm'", {"a": {"from": "m", "name": "a"}}),
        ("import * as ns from './n'", {"ns": {"from": "./n", "name": "*"}}),
        (
            "import x, {y} from './a'",
            {"x": {"from": "./a", "name": "default"}, "y": {"from": "./a", "name": "y"}},
        ),
        (
            "import type T from './t'",
            {"T": {"from": "./t", "name": "default", "type_only": True}},
        ),
        (
            "import {type U, V} from './t'",
            {
                "U": {"from": "./t", "name": "U", "type_only": True},
                "V": {"from": "./t", "name": "V"},
            },
        ),
        ("const e = require('express')", {"e": {"from": "express", "name": "default"}}),
        ("var e = require('express'), f = 1", {"e": {"from": "express", "name": "default"}}),
        (
            "const {a, b: c} = require('./m')",
            {"a": {"from": "./m", "name": "a"}, "c": {"from": "./m", "name": "b"}},
        ),
        ("const R = require('express').Router", {"R": {"from": "express", "name": "Router"}}),
        ("import q = require('q')", {"q": {"from": "q", "name": "default"}}),
        ("const m = await import('./m')", {"m": {"from": "./m", "name": "*"}}),
        ("import './side-effect'", {}),
    ],
)
def test_imports(source: str, expected: dict[str, Any]) -> None:
    assert facts(source)["imports"] == expected


@pytest.mark.parametrize(
    ("source", "lang", "expected"),
    [
        ("export const a = 1, b = 2", "ts", {"a": {"local": "a"}, "b": {"local": "b"}}),
        ("export function f() {}", "ts", {"f": {"local": "f"}}),
        ("export class C {}", "ts", {"C": {"local": "C"}}),
        ("export abstract class C {}", "ts", {"C": {"local": "C"}}),
        ("export interface I {}", "ts", {"I": {"local": "I"}}),
        ("export type T = string", "ts", {"T": {"local": "T"}}),
        ("export enum E { A }", "ts", {"E": {"local": "E"}}),
        ("export const enum E { A }", "ts", {"E": {"local": "E"}}),
        ("export namespace N {}", "ts", {"N": {"local": "N"}}),
        ("export declare const z: number", "ts", {"z": {"local": "z"}}),
        ("export import A = B.C", "ts", {"A": {"local": "A"}}),
        ("export const {a, b: [c]} = o", "js", {"a": {"local": "a"}, "c": {"local": "c"}}),
        ("const a = 1; export {a as b, a}", "ts", {"b": {"local": "a"}, "a": {"local": "a"}}),
        ("const a = 1; export {a as 'x-y'}", "ts", {"x-y": {"local": "a"}}),
        ("export default foo", "ts", {"default": {"local": "foo"}}),
        ("export default function foo() {}", "ts", {"default": {"local": "foo"}}),
        ("export default class Foo {}", "ts", {"default": {"local": "Foo"}}),
        ("export default function () {}", "ts", {"default": {"local": "default"}}),
        ("export default () => 1", "js", {"default": {"local": "default"}}),
        ("export default {a: 1}", "js", {"default": {"local": "default"}}),
        ("export = Foo", "ts", {"default": {"local": "Foo", "equals": True}}),
        (
            "module.exports = router",
            "js",
            {"default": {"local": "router", "commonjs": True, "equals": True}},
        ),
        (
            "module.exports = {a, b: c, d() {}}",
            "js",
            {
                "default": {"local": "module.exports", "commonjs": True, "equals": True},
                "a": {"local": "a", "commonjs": True},
                "b": {"local": "c", "commonjs": True},
                "d": {"local": "module.exports.d", "commonjs": True},
            },
        ),
        ("exports.x = y", "js", {"x": {"local": "y", "commonjs": True}}),
        ("module.exports.x = y", "js", {"x": {"local": "y", "commonjs": True}}),
        ("exports.x = () => 1", "js", {"x": {"local": "exports.x", "commonjs": True}}),
        (
            "var app = exports = module.exports = {}",
            "js",
            {"default": {"local": "app", "commonjs": True, "equals": True}},
        ),
        (
            "exports = module.exports = createApp",
            "js",
            {"default": {"local": "createApp", "commonjs": True, "equals": True}},
        ),
    ],
)
def test_exports(source: str, lang: str, expected: dict[str, Any]) -> None:
    assert strip_lines(facts(source, lang)["exports"]) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("export * from './a'", [{"from": "./a", "name": "*", "as": None}]),
        ("export * as ns from './a'", [{"from": "./a", "name": "*", "as": "ns"}]),
        ("export {x as y} from './a'", [{"from": "./a", "name": "x", "as": "y"}]),
        ("export {x} from './a'", [{"from": "./a", "name": "x", "as": None}]),
        ("export {default} from './a'", [{"from": "./a", "name": "default", "as": None}]),
        (
            "export {default as Foo, type T} from './a'",
            [
                {"from": "./a", "name": "default", "as": "Foo"},
                {"from": "./a", "name": "T", "as": None},
            ],
        ),
    ],
)
def test_reexports(source: str, expected: list[dict[str, Any]]) -> None:
    got = [{k: v for k, v in r.items() if k != "line"} for r in facts(source)["reexports"]]
    assert got == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'/api'", {"lit": "/api"}),
        ('"a\\"b\\u0041"', {"lit": 'a"bA'}),
        ("`/v1`", {"lit": "/v1"}),
        (
            "`/v${VERSION}/users`",
            {"concat": [{"lit": "/v"}, {"ref": "VERSION"}, {"lit": "/users"}]},
        ),
        ("BASE + '/users' + `/x`", {"concat": [{"ref": "BASE"}, {"lit": "/users"}, {"lit": "/x"}]}),
        ("PREFIX", {"ref": "PREFIX"}),
        ("cfg.api.prefix", {"attr": {"attr": {"ref": "cfg"}, "name": "api"}, "name": "prefix"}),
        ("cfg['prefix']", {"attr": {"ref": "cfg"}, "name": "prefix"}),
        ("process.env.API_PREFIX", {"env": "API_PREFIX", "default": None}),
        ("process.env['API_PREFIX']", {"env": "API_PREFIX", "default": None}),
        ("process.env.P || '/api'", {"env": "P", "default": {"lit": "/api"}}),
        ("process.env.P ?? '/api'", {"env": "P", "default": {"lit": "/api"}}),
        (
            "process.env.A || process.env.B || '/d'",
            {"env": "A", "default": {"env": "B", "default": {"lit": "/d"}}},
        ),
        ("import.meta.env.VITE_API", {"env": "VITE_API", "default": None}),
        ("('/api' as const)", {"lit": "/api"}),
        ("{ prefix: '/api' } satisfies Cfg", {"object": {"prefix": {"lit": "/api"}}}),
        (
            "{ api: { prefix: '/a', v }, 'x-y': 1 }",
            {
                "object": {
                    "api": {"object": {"prefix": {"lit": "/a"}, "v": {"ref": "v"}}},
                    "x-y": {"lit": "1"},
                }
            },
        ),
        ("String(PORT)", {"ref": "PORT"}),
        ("3000", {"lit": "3000"}),
        ("undefined", {"unknown": "undefined"}),
        ("a ? '/x' : '/y'", {"unknown": "a ? '/x' : '/y'"}),
        ("getPrefix()", {"unknown": "getPrefix()"}),
    ],
)
def test_expr_of(expression: str, expected: dict[str, Any]) -> None:
    data = f"({expression});".encode()
    stmt = parse(data, "ts").root_node.named_children[0]
    assert expr_of(stmt.named_children[0], data) == expected


def test_expr_of_none_is_unknown() -> None:
    assert expr_of(None, b"") == {"unknown": ""}


def test_consts_keep_only_string_ish_values() -> None:
    got = facts("const a = '/x'; const app = express(); let f = () => 1; export const b = a;")
    assert got["consts"] == {"a": {"lit": "/x"}, "b": {"ref": "a"}}


def test_syntax_error_still_reads_the_rest() -> None:
    got = facts("import x from './a';\nexport function broken(a: string {\n}\nexport const ok = 1;")
    assert got["imports"] == {"x": {"from": "./a", "name": "default"}}
    assert "ok" in got["exports"]

"""Exported TS/JS symbols: every export form, signatures, members, and re-export linking."""

from __future__ import annotations

import pytest

from specweave_git.code import js_analyzer
from specweave_git.code.languages import language_for
from specweave_git.model import Field, Param, Signature, Symbol, Warning_


def link(files: dict[str, str]) -> tuple[list[Symbol], list[Warning_]]:
    facts = {}
    for path, source in files.items():
        lang = language_for(path)
        assert lang is not None
        facts[path] = js_analyzer.analyze(path, source.encode(), lang)
    symbols, _routes, warnings = js_analyzer.link(facts, {})
    return symbols, warnings


def param_text(p: Param) -> str:
    out = ("..." if p.rest else "") + p.name + ("?" if p.optional else "")
    out += f": {p.type}" if p.type else ""
    return out + (f" = {p.default}" if p.default else "")


def sig_text(s: Signature) -> str:
    return (
        "("
        + ", ".join(param_text(p) for p in s.params)
        + ")"
        + (f": {s.returns}" if s.returns else "")
    )


def render(sym: Symbol) -> str:
    """``kind name[*] sig | sig`` (``*``: default export)."""
    out = f"{sym.kind} {sym.name}{'*' if sym.default_export else ''}"
    if sym.signatures:
        out += " " + " | ".join(sig_text(s) for s in sym.signatures)
    return out + (f" = {sym.type_text}" if sym.type_text else "")


def field_text(f: Field) -> str:
    out = ("readonly " if f.readonly else "") + f.name + ("?" if f.optional else "")
    out += f": {f.type}" if f.type else ""
    return out + (f" = {f.default}" if f.default else "")


def one_file(path: str, source: str) -> list[str]:
    symbols, _ = link({path: source})
    return sorted(render(s) for s in symbols)


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        # declarations
        ("a.ts", "export function f(a: string): void {}", ["function f (a: string): void"]),
        ("a.ts", "export async function* g() {}", ["function g ()"]),
        ("a.ts", "export class C {}", ["class C"]),
        ("a.ts", "export abstract class C {}", ["class C"]),
        ("a.ts", "export interface I { a: string }", ["interface I"]),
        ("a.ts", "export type T = string | number;", ["type T = string | number"]),
        ("a.ts", "export type T =\n  | 'a'\n  | 'b';", ["type T = 'a' | 'b'"]),
        ("a.ts", "export enum E { A }", ["enum E"]),
        ("a.ts", "export const enum E { A }", ["enum E"]),
        ("a.ts", "export const x: number = 1;", ["const x = number"]),
        ("a.ts", "export let y = 'a';", ["const y"]),
        ("a.js", "export var z = 1;", ["const z"]),
        ("a.ts", "export const {a, b: [c]} = o;", ["const a", "const c"]),
        ("a.ts", "export namespace N { export const x = 1; }", ["namespace N"]),
        ("a.ts", "export import A = B.C;", ["namespace A"]),
        # functions as values
        (
            "a.ts",
            "export const h = async <T,>(a: T, b?: string): Promise<T> => a;",
            ["function h (a: T, b?: string): Promise<T>"],
        ),
        ("a.js", "export const j = function (x) {};", ["function j (x)"]),
        ("a.js", "export const k = x => x;", ["function k (x)"]),
        (
            "a.ts",
            "export const k: Handler = (req, res) => {};",
            ["function k (req, res) = Handler"],
        ),
        ("a.ts", "export const K = class { constructor(a: number) {} };", ["class K (a: number)"]),
        # defaults
        ("a.ts", "export default function foo(a: string) {}", ["function foo* (a: string)"]),
        ("a.ts", "export default class Foo {}", ["class Foo*"]),
        ("a.ts", "export default function () {}", ["function default* ()"]),
        ("a.ts", "export default class {}", ["class default*"]),
        ("a.js", "export default (a, b = 1) => a;", ["function default* (a, b? = 1)"]),
        ("a.js", "export default {a: 1};", ["const default*"]),
        ("a.ts", "function foo() {}\nexport default foo;", ["function foo* ()"]),
        ("a.ts", "export default interface Props { a: string }", ["interface Props*"]),
        (
            "a.ts",
            "function f() {}\nexport function g() {}\nexport default f;",
            ["function f* ()", "function g ()"],
        ),
        # export lists
        (
            "a.ts",
            "function a() {}\nconst b = 1;\nexport { a, b as c };",
            ["const c", "function a ()"],
        ),
        ("a.ts", "interface X {}\nexport { type X };", ["interface X"]),
        ("a.ts", "function hidden() {}\nexport function shown() {}", ["function shown ()"]),
        # tsc's `export =`
        ("a.ts", "function f(a: number) {}\nexport = f;", ["function f* (a: number)"]),
        (
            "a.d.ts",
            "declare function lib(a: string): void;\n"
            "declare namespace lib { function helper(): void; const version: string; }\n"
            "export = lib;",
            [
                "const version = string",
                "function helper (): void",
                "function lib* (a: string): void",
            ],
        ),
        # overloads: one symbol, the implementation signature left out
        (
            "a.ts",
            "export function f(a: string): string;\nexport function f(a: number): number;\n"
            "export function f(a: any): any { return a; }",
            ["function f (a: string): string | (a: number): number"],
        ),
        # TSX component
        (
            "App.tsx",
            "type Props = { title: string };\n"
            "export default function App({ title }: Props) { return <h1>{title}</h1>; }\n"
            "export const Button = ({ label }: { label: string }) => <button>{label}</button>;",
            ["function App* ({ title }: Props)", "function Button ({ label }: { label: string })"],
        ),
    ],
)
def test_export_forms(path: str, source: str, expected: list[str]) -> None:
    assert one_file(path, source) == sorted(expected)


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        ("(a: string, b?: number)", "(a: string, b?: number)"),
        ("(a = 1, b: string = 'x')", "(a? = 1, b?: string = 'x')"),
        ("(a = 1, b: string)", "(a = 1, b: string)"),  # a default before a required param
        ("(...rest: string[])", "(...rest?: string[])"),
        ("({ a, b }: Opts = {})", "({ a, b }?: Opts = {})"),
        ("([x, y]: [number, number])", "([x, y]: [number, number])"),
        ("(this: Window, ev: Event)", "(ev: Event)"),
        ("<T extends object>(value: T): T", "(value: T): T"),
        (
            "(cb: (err: Error | null,\n   value?: string) => void)",
            "(cb: (err: Error | null, value?: string) => void)",
        ),
        ("(v: unknown): asserts v is string", "(v: unknown): asserts v is string"),
        ("(v: unknown): v is string", "(v: unknown): v is string"),
    ],
)
def test_params(signature: str, expected: str) -> None:
    symbols, _ = link({"a.ts": f"export function f{signature} {{}}"})
    assert sig_text(symbols[0].signatures[0]) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "/**\n * @param {string} a\n * @param {number} [b]\n */\nexport function f(a, b) {}",
            "(a, b?)",
        ),
        ("/** @param {string=} a */\nexport function f(a) {}", "(a?)"),
        ("// @param [a] not JSDoc\nexport function f(a) {}", "(a)"),
        ("export function f(a, b = 2, ...c) {}", "(a, b? = 2, ...c?)"),
    ],
)
def test_javascript_params(source: str, expected: str) -> None:
    symbols, _ = link({"a.js": source})
    assert sig_text(symbols[0].signatures[0]) == expected


CLASS = """
export class K<T> extends Base implements I {
  constructor(
    private readonly secret: string, public readonly id: number, public name?: string, plain = 2,
  ) { super(); }
  static create(): K<string> { return new K('', 1); }
  private p(): void {}
  protected q(): void {}
  #r() {}
  get size(): number { return 1; }
  label?: string = 'a';
  readonly created!: Date;
  protected hidden = 1;
  #priv = 2;
  handler = () => {};
  m(a: number): void;
  m(a: string): void;
  m(a: any) {}
  [key: string]: any;
}
"""


def test_class_detail() -> None:
    (sym,), _ = link({"k.ts": CLASS})
    assert render(sym) == "class K (secret: string, id: number, name?: string, plain? = 2)"
    assert [field_text(f) for f in sym.fields] == [
        "readonly id: number",
        "name?: string",
        "readonly size: number",
        "label?: string = 'a'",
        "readonly created: Date",
        "handler",
    ]
    assert [render(m) for m in sym.members] == [
        "method create (): K<string>",
        "method m (a: number): void | (a: string): void",
    ]
    assert {m.location.line for m in sym.members} == {6, 16}


def test_declare_class_and_abstract_members() -> None:
    symbols, _ = link(
        {
            "c.ts": "export abstract class A { abstract run(x: number): void;\n"
            "  get v(): string; set v(s: string); }",
            "d.d.ts": "export declare class D { constructor(opts?: object);\n"
            "  get(url: string): Promise<void>; private x(): void; }",
        }
    )
    by = {s.name: s for s in symbols}
    assert [render(m) for m in by["A"].members] == ["method run (x: number): void"]
    assert [field_text(f) for f in by["A"].fields] == ["v: string"]
    assert render(by["D"]) == "class D (opts?: object)"
    assert [render(m) for m in by["D"].members] == ["method get (url: string): Promise<void>"]


INTERFACE = """
export interface User<T> extends Base {
  readonly id: string;
  name?: string;
  tags: Array<
    string
  >;
  onChange?: (value: T) => void;
  save(force?: boolean): Promise<void>;
  save(opts: object): Promise<void>;
  (call: string): number;
  [key: string]: unknown;
}
"""


def test_interface_detail() -> None:
    (sym,), _ = link({"u.ts": INTERFACE})
    assert [field_text(f) for f in sym.fields] == [
        "readonly id: string",
        "name?: string",
        "tags: Array< string >",
        "onChange?: (value: T) => void",
    ]
    assert [render(m) for m in sym.members] == [
        "method save (force?: boolean): Promise<void> | (opts: object): Promise<void>"
    ]
    assert [sig_text(s) for s in sym.signatures] == ["(call: string): number"]


def test_type_literal_and_enum_fields() -> None:
    symbols, _ = link(
        {
            "t.ts": "export type Opts = { a: string; b?: number; run(x: string): void };\n"
            "export enum Color { Red = 'red', Green = 2, Blue, 'Dark-Blue' }",
        }
    )
    by = {s.name: s for s in symbols}
    assert [field_text(f) for f in by["Opts"].fields] == ["a: string", "b?: number"]
    assert [render(m) for m in by["Opts"].members] == ["method run (x: string): void"]
    assert by["Opts"].type_text == "{ a: string; b?: number; run(x: string): void }"
    assert [field_text(f) for f in by["Color"].fields] == [
        "Red = 'red'",
        "Green = 2",
        "Blue",
        "Dark-Blue",
    ]


def test_interface_declaration_merging() -> None:
    (sym,), _ = link({"m.ts": "export interface A { a: string }\nexport interface A { b: number }"})
    assert [f.name for f in sym.fields] == ["a", "b"]


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        # a .d.ts module without export lists exports every declaration (tsc's rule)
        (
            "index.d.ts",
            "import { Thing } from './thing';\n"
            "declare function make(a: string): Thing;\n"
            "declare function make(a: number): Thing;\n"
            "declare const version: string;\n"
            "declare class Client { get(url: string): Promise<Thing>; }\n"
            "declare namespace util { function f(): void; }\n"
            "interface Options { timeout?: number }\n"
            "declare module 'augmented' {}\n"
            "declare global { interface Window { x: 1 } }",
            [
                "class Client",
                "const version = string",
                "function make (a: string): Thing | (a: number): Thing",
                "interface Options",
                "namespace util",
            ],
        ),
        # ... but with an export list only the exported ones
        (
            "x.d.ts",
            "export {};\ndeclare function hidden(): void;\nexport declare function f(): void;",
            ["function f (): void"],
        ),
        # a script (no import/export) declares globals, not exports
        ("g.d.ts", "declare function globalFn(): void;", []),
        ("s.ts", "function notAModule() {}", []),
        (
            "e.d.ts",
            "export declare function f(a?: string): void;",
            ["function f (a?: string): void"],
        ),
        ("e.d.ts", "export declare const x: number;", ["const x = number"]),
        ("e.d.ts", "export declare namespace N { function f(): void; }", ["namespace N"]),
    ],
)
def test_declaration_files(path: str, source: str, expected: list[str]) -> None:
    assert one_file(path, source) == sorted(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("function list(a, b) {}\nmodule.exports = { list };", ["function list (a, b)"]),
        (
            "module.exports = { create: (x, y = 2) => x, update(req, res) {}, VERSION: '1' };",
            ["const VERSION", "function create (x, y? = 2)", "function update (req, res)"],
        ),
        ("module.exports = function helper(a, ...rest) {};", ["function helper* (a, ...rest?)"]),
        ("module.exports = class Store { constructor(db) {} get(k) {} };", ["class Store* (db)"]),
        ("exports.one = function (a) {};", ["function one (a)"]),
        ("exports.two = two;\nfunction two(b) {}", ["function two (b)"]),
        ("module.exports.three = async (c) => c;", ["function three (c)"]),
        (
            "var app = exports = module.exports = {};\napp.listen = function listen(port) {};\n"
            "app.get = app.read = function (path) {};",
            ["function get (path)", "function listen (port)", "function read (path)"],
        ),
        (
            "function createApp() {}\nexports = module.exports = createApp;\n"
            "exports.Router = function Router(opts) {};",
            ["function Router (opts)", "function createApp* ()"],
        ),
        (
            "const express = require('express');\nconst r = express.Router();\nmodule.exports = r;",
            [],
        ),
    ],
)
def test_commonjs(source: str, expected: list[str]) -> None:
    assert one_file("lib.js", source) == sorted(expected)


def test_commonjs_assignments_are_not_exports_in_typescript() -> None:
    assert one_file("a.ts", "export const a = 1;\nexports.b = 2;\nmodule.exports.c = 3;") == [
        "const a"
    ]


def located(symbols: list[Symbol]) -> list[str]:
    return sorted(
        f"{s.exported_from}: {render(s)} @{s.location.path}:{s.location.line}" for s in symbols
    )


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # a barrel with `export *`: no duplicate of what a.ts already exports itself
        (
            {"src/index.ts": "export * from './a';", "src/a.ts": "export function f() {}"},
            ["src/a.ts: function f () @src/a.ts:1"],
        ),
        # rename and namespace re-exports
        (
            {
                "src/index.ts": "export { f as g } from './a';\nexport * as utils from './a';",
                "src/a.ts": "export function f() {}",
            },
            [
                "src/a.ts: function f () @src/a.ts:1",
                "src/index.ts: function g () @src/a.ts:1",
                "src/index.ts: namespace utils @src/index.ts:2",
            ],
        ),
        # a re-export of something the declaring module does not export itself
        (
            {
                "src/index.ts": "import { inner } from './impl';\nexport { inner as api };",
                "src/impl.ts": "function inner(x: number) {}\nexport { inner };",
            },
            [
                "src/impl.ts: function inner (x: number) @src/impl.ts:1",
                "src/index.ts: function api (x: number) @src/impl.ts:1",
            ],
        ),
        # default re-exports take the declaration's name
        (
            {
                "src/index.ts": "export { default } from './Button';\n"
                "export { default as Btn } from './Button';",
                "src/Button.tsx": "export default function Button() { return null; }",
            },
            [
                "src/Button.tsx: function Button* () @src/Button.tsx:1",
                "src/index.ts: function Btn () @src/Button.tsx:1",
            ],
        ),
        # `export *` never carries `default`, and a local export wins over a starred one
        (
            {
                "src/index.ts": "export * from './a';\nexport const f = 1;",
                "src/a.ts": "export function f() {}\nexport default function d() {}",
            },
            [
                "src/a.ts: function d* () @src/a.ts:2",
                "src/a.ts: function f () @src/a.ts:1",
                "src/index.ts: const f @src/index.ts:2",
            ],
        ),
        # a chain through two barrels, ESM `.js` specifiers naming `.ts` files
        (
            {
                "src/index.ts": "export * from './models/index.js';",
                "src/models/index.ts": "export * from './user.js';",
                "src/models/user.ts": "export interface User { id: string }",
            },
            ["src/models/user.ts: interface User @src/models/user.ts:1"],
        ),
        # a cycle of `export *` terminates
        (
            {
                "a.ts": "export * from './b';\nexport const a = 1;",
                "b.ts": "export * from './a';\nexport const b = 2;",
            },
            ["a.ts: const a @a.ts:2", "b.ts: const b @b.ts:2"],
        ),
        # something from a package is listed where it is re-exported
        (
            {"index.ts": "export { z } from 'zod';\nimport x from 'lib';\nexport default x;"},
            ["index.ts: const x* @index.ts:3", "index.ts: const z @index.ts:1"],
        ),
        # CommonJS require of a CommonJS module
        (
            {
                "lib/index.js": "const helper = require('./helper');\nmodule.exports = { helper };",
                "lib/helper.js": "module.exports = function helper(a) {};",
            },
            ["lib/helper.js: function helper* (a) @lib/helper.js:1"],
        ),
    ],
)
def test_linking(files: dict[str, str], expected: list[str]) -> None:
    symbols, _ = link(files)
    assert located(symbols) == expected


def test_missing_relative_reexport_warns() -> None:
    _, warnings = link({"src/index.ts": "export const a = 1;\nexport * from './gone';"})
    assert [w.render() for w in warnings] == ["src/index.ts:2: re-export from './gone' not found"]


def test_syntax_error_keeps_readable_exports_and_warns_with_line() -> None:
    source = (
        "export function ok(a: string): void {}\n"
        "export function broken(a: string {\n"
        "  return 1;\n"
        "}\n"
        "export const after = 2;\n"
        "export class Fine { m(): void {} }\n"
    )
    symbols, warnings = link({"src/broken.ts": source})
    names = {s.name for s in symbols}
    assert {"ok", "after", "Fine"} <= names
    assert [w.render() for w in warnings] == [
        "src/broken.ts:2: syntax error; read what could be read"
    ]


def test_symbols_round_trip_through_json() -> None:
    (sym,), _ = link({"k.ts": CLASS})
    assert Symbol.from_json(sym.to_json()) == sym
    assert sym.language == "ts"
    assert sym.exported_from == "k.ts"

"""TS export cases where the tsc oracle benchmark (benchmarks/ts_oracle.py) found us wrong."""

from __future__ import annotations

import pytest

from specweave_git.code import js_analyzer
from specweave_git.code.languages import language_for


def exported(files: dict[str, str]) -> list[str]:
    facts = {}
    for path, source in files.items():
        lang = language_for(path)
        assert lang is not None
        facts[path] = js_analyzer.analyze(path, source.encode(), lang)
    symbols, _routes, _warnings = js_analyzer.link(facts, {})
    return sorted(f"{s.kind} {s.name} {s.exported_from}" for s in symbols)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # `namespace A.B {}` binds A only: B is a member of A, not an export named "A.B".
        (
            {"a.ts": "export namespace Config.Flags { export function isOn(n: string) {} }\n"},
            ["namespace Config a.ts"],
        ),
        (
            {
                "a.ts": "export namespace Config { export const port = 1; }\n"
                "export namespace Config.Flags { export const on = true; }\n"
            },
            ["namespace Config a.ts"],
        ),
        (
            {"a.ts": "export namespace A.B.C { export type T = string; }\n"},
            ["namespace A a.ts"],
        ),
        # `export =` of a namespace whose member is a dotted namespace: its members export.
        (
            {
                "lib.d.ts": "declare namespace lib.util { function f(a: string): void; }\n"
                "declare namespace lib { const version: string; }\n"
                "export = lib;\n",
            },
            ["const version lib.d.ts", "namespace util lib.d.ts"],
        ),
    ],
)
def test_nested_namespace_names(files: dict[str, str], expected: list[str]) -> None:
    assert exported(files) == expected

"""Which files are read as code: vendored/generated, compiled output, tests, globs, size."""

from __future__ import annotations

from pathlib import Path

import pytest

from specweave_git.code import surface
from specweave_git.code.cache import FactsCache
from specweave_git.code.select import SelectOptions, select

VENDORED = "vendored or generated directory"
TESTS = "test file (set discrepancy.includeTests to read tests)"


@pytest.mark.parametrize(
    ("path", "siblings", "options", "reason"),
    [
        ("src/app.ts", (), SelectOptions(), None),
        ("lib/app.py", (), SelectOptions(), None),
        ("node_modules/express/index.js", (), SelectOptions(), f"{VENDORED} node_modules/"),
        ("packages/a/node_modules/x/a.ts", (), SelectOptions(), f"{VENDORED} node_modules/"),
        ("dist/app.js", (), SelectOptions(), f"{VENDORED} dist/"),
        ("web/build/main.js", (), SelectOptions(), f"{VENDORED} build/"),
        ("src/build.ts", (), SelectOptions(), None),  # a file named build is code
        ("public/vendor.min.js", (), SelectOptions(), "minified or bundled file"),
        ("public/app.bundle.js", (), SelectOptions(), "minified or bundled file"),
        (
            "src/a.js",
            ("src/a.ts",),
            SelectOptions(),
            "compiled output of a TypeScript source next to it",
        ),
        (
            "src/a.js",
            ("src/a.tsx",),
            SelectOptions(),
            "compiled output of a TypeScript source next to it",
        ),
        ("src/a.js", ("lib/a.ts",), SelectOptions(), None),  # not next to it
        (
            "src/a.d.ts",
            ("src/a.ts",),
            SelectOptions(),
            "declaration file generated from a TypeScript source next to it",
        ),
        ("src/a.d.ts", (), SelectOptions(), None),  # hand-written typings are read
        ("src/a.ts", ("src/a.js", "src/a.d.ts"), SelectOptions(), None),  # the source is read
        ("src/users.test.ts", (), SelectOptions(), TESTS),
        ("src/users.spec.tsx", (), SelectOptions(), TESTS),
        ("src/__tests__/users.ts", (), SelectOptions(), TESTS),
        ("tests/helpers.ts", (), SelectOptions(), TESTS),
        ("pkg/tests/util.py", (), SelectOptions(), TESTS),
        ("pkg/test_users.py", (), SelectOptions(), TESTS),
        ("pkg/users_test.py", (), SelectOptions(), TESTS),
        ("conftest.py", (), SelectOptions(), TESTS),
        ("pkg/testing.py", (), SelectOptions(), None),  # not a test by name
        ("src/users.test.ts", (), SelectOptions(include_tests=True), None),
        ("src/__tests__/users.ts", (), SelectOptions(include_tests=True), None),
        ("pkg/test_users.py", (), SelectOptions(include_tests=True), None),
        ("conftest.py", (), SelectOptions(include_tests=True), None),
        ("src/gen/api.ts", (), SelectOptions(ignore=("src/gen/**",)), "ignored by src/gen/**"),
        ("src/gen/api.ts", (), SelectOptions(ignore=("src/gen/",)), "ignored by src/gen/"),
        ("src/a/b/c.ts", (), SelectOptions(ignore=("**/b/*.ts",)), "ignored by **/b/*.ts"),
        ("src/a.ts", (), SelectOptions(ignore=("**/b/*.ts",)), None),
        ("src/api/users.ts", (), SelectOptions(include=("src/api/**",)), None),
        (
            "src/db/users.ts",
            (),
            SelectOptions(include=("src/api/**",)),
            "outside discrepancy.codeGlobs",
        ),
        ("src/a.ts", (), SelectOptions(include=("src/**/*.ts",)), None),
    ],
)
def test_skip_reasons(
    path: str, siblings: tuple[str, ...], options: SelectOptions, reason: str | None
) -> None:
    entries = [(p, f"blob-{i}") for i, p in enumerate((path, *siblings))]
    chosen, skipped = select(entries, options)
    found = {s.path: s.reason for s in skipped}
    assert found.get(path) == reason
    assert (path in {f.path for f in chosen}) is (reason is None)


def test_files_that_are_not_code_are_neither_read_nor_listed() -> None:
    chosen, skipped = select(
        [("README.md", "b1"), ("package.json", "b2"), ("src/a.ts", "b3")], SelectOptions()
    )
    assert ([(f.path, f.language) for f in chosen], skipped) == ([("src/a.ts", "ts")], [])


@pytest.mark.parametrize(
    ("size", "max_bytes", "read"),
    [(100, 1_048_576, True), (100, 100, True), (101, 100, False), (2_000_000, 1_048_576, False)],
)
def test_size_limit(size: int, max_bytes: int, read: bool, tmp_path: Path) -> None:
    body = b"export const x = 1;\n"
    source = body + b"/" * (size - len(body) - 1) + b"\n" if size > len(body) else body
    assert len(source) == size
    stats = surface.Stats()
    cache = FactsCache(tmp_path / "facts.sqlite")
    try:
        built = surface.build(
            [("src/big.ts", "blob")],
            lambda oids: dict.fromkeys(oids, source),
            cache,
            SelectOptions(max_bytes=max_bytes),
            {},
            stats,
        )
    finally:
        cache.close()
    assert [s.name for s in built.symbols] == (["x"] if read else [])
    expected = [] if read else [("src/big.ts", f"larger than {max_bytes} bytes")]
    assert [(s.path, s.reason) for s in stats.skipped] == expected
    assert stats.files_parsed == (1 if read else 0)


def test_lowering_the_limit_applies_to_cached_files(tmp_path: Path) -> None:
    source = b"export const x = 1;\n" * 10  # 200 bytes
    db = tmp_path / "facts.sqlite"
    for max_bytes, expected in ((1000, ["x"]), (150, [])):
        stats = surface.Stats()
        cache = FactsCache(db)
        try:
            built = surface.build(
                [("a.ts", "blob")],
                lambda oids: dict.fromkeys(oids, source),
                cache,
                SelectOptions(max_bytes=max_bytes),
                {},
                stats,
            )
        finally:
            cache.close()
        assert [s.name for s in built.symbols] == expected
    assert [s.reason for s in stats.skipped] == ["larger than 150 bytes"]

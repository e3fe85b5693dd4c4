"""Docs side, SpecWeave structure: frontmatter, stories, criteria, tasks, metadata, selection."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from specweave_git.specs.model import SpecSurface
from specweave_git.specs.parse import build, parse_metadata, parse_spec, parse_tree
from specweave_git.specs.select import SpecOptions, increment_of, is_spec, select
from specweave_git.specs.specweave import task_status
from tests.conftest import Repo

FIXTURE = Path(__file__).parent / "fixtures" / "specweave-repo"
SPEC = ".specweave/increments/0001-user-api/spec.md"


def fixture_files() -> dict[str, str]:
    return {
        p.relative_to(FIXTURE).as_posix(): p.read_text(encoding="utf-8")
        for p in FIXTURE.rglob("*")
        if p.is_file()
    }


# ---- frontmatter -------------------------------------------------------------------------------

FRONTMATTER_CASES = [
    # (text, frontmatter, code globs, warnings as (line, message start))
    ("---\ntitle: A\nstatus: active\n---\n# A\n", {"title": "A", "status": "active"}, (), []),
    ("---\ncode: src/users/**\n---\n", {"code": "src/users/**"}, ("src/users/**",), []),
    (
        "---\ncode:\n  - src/a.ts\n  - lib/**\n---\n",
        {"code": ["src/a.ts", "lib/**"]},
        ("src/a.ts", "lib/**"),
        [],
    ),
    ("---\ncreated: 2025-11-12\n---\n", {"created": "2025-11-12"}, (), []),
    (
        "---\ncreated: 2025-11-12T10:00:00.000Z\n---\n",
        {"created": "2025-11-12T10:00:00+00:00"},
        (),
        [],
    ),
    ("---\n---\n# empty\n", {}, (), []),
    ("no frontmatter\n---\n", {}, (), []),
    (
        "---\ntitle: A\ncode: [unclosed\nstatus: x\n---\n",
        {},
        (),
        [(4, "frontmatter is not valid YAML")],
    ),
    ("---\ntitle: A\n  bad: indent\n---\n", {}, (), [(3, "frontmatter is not valid YAML")]),
    ("---\n- a\n- b\n---\n", {}, (), [(2, "frontmatter is not a mapping")]),
    ("---\ntitle: A\n\n# never closed\n", {}, (), [(1, "frontmatter is not closed")]),
    (
        "---\ntitle: A\ncode: 3\n---\n",
        {"title": "A", "code": 3},
        (),
        [(3, "frontmatter code: must be")],
    ),
    (
        "---\ntitle: !!python/object:os.system x\n---\n",
        {},
        (),
        [(2, "frontmatter is not valid YAML")],
    ),
]


@pytest.mark.parametrize(("text", "data", "globs", "expected_warnings"), FRONTMATTER_CASES)
def test_frontmatter(
    text: str,
    data: dict[str, object],
    globs: tuple[str, ...],
    expected_warnings: list[tuple[int, str]],
) -> None:
    f = parse_spec("docs/a.md", text)
    assert f.frontmatter == data
    assert f.code_globs == globs
    got = [(w.line, w.message) for w in f.warnings]
    assert len(got) == len(expected_warnings)
    for (line, msg), (want_line, want) in zip(got, expected_warnings, strict=True):
        assert line == want_line and msg.startswith(want)
    assert all(w.path == "docs/a.md" for w in f.warnings)


def test_malformed_frontmatter_keeps_the_markdown_and_its_lines() -> None:
    f = parse_spec("docs/a.md", "---\ntitle: [x\n---\n\n## GET /api/x\n\n### US-001: Story\n")
    assert [(r.route.path, r.line) for r in f.routes] == [("/api/x", 5)]
    assert [(s.id, s.line) for s in f.stories] == [("US-001", 7)]


# ---- stories and criteria ----------------------------------------------------------------------

STORIES = """# Spec

## User Stories

### US-001: Create users (P1)

**As a** developer
**Status**: In progress

#### Acceptance Criteria

- [x] **AC-US1-01**: `POST /api/users` creates a user
- [ ] **AC-US1-02**: Duplicate emails are
  rejected with 409
- [X] **AC-US1-03** Done without a colon

### US-002: Read users

- **AC-US2-01**: No checkbox at all

## Technical Design

- [x] **AC-US1-04**: outside any story, attached by its number
"""


def test_stories_and_acceptance_criteria() -> None:
    f = parse_spec("docs/s.md", STORIES)
    got = [
        (s.id, s.title, s.line, s.status, [(c.id, c.done, c.line) for c in s.acceptance])
        for s in f.stories
    ]
    assert got == [
        (
            "US-001",
            "Create users (P1)",
            5,
            "In progress",
            [
                ("AC-US1-01", True, 12),
                ("AC-US1-02", False, 13),
                ("AC-US1-03", True, 15),
                ("AC-US1-04", True, 23),
            ],
        ),
        ("US-002", "Read users", 17, None, [("AC-US2-01", False, 19)]),
    ]
    assert f.stories[0].acceptance[1].text == "Duplicate emails are rejected with 409"
    assert f.stories[0].acceptance[0].text == "`POST /api/users` creates a user"


def test_older_paragraph_story_form() -> None:
    text = (
        "## User Stories\n\n**US-001**: As a developer, I need metadata\n"
        "- **AC-US1-01**: All have it\n"
    )
    f = parse_spec("docs/s.md", text)
    assert [(s.id, s.line, [c.id for c in s.acceptance]) for s in f.stories] == [
        ("US-001", 3, ["AC-US1-01"])
    ]


def test_living_docs_story_takes_status_and_external_ids_from_frontmatter() -> None:
    path = ".specweave/docs/internal/specs/backend/FS-001/us-001-create-users.md"
    f = parse_spec(path, fixture_files()[path])
    (story,) = f.stories
    assert (story.id, story.title, story.line, story.status) == (
        "US-001",
        "Create users",
        14,
        "completed",
    )
    assert story.external == {
        "github.issue": "13",
        "github.url": "https://github.com/acme/users/issues/13",
    }
    assert [(t.id, t.status, t.user_stories, t.line) for t in f.tasks] == [
        ("T-001", "done", ("US-001",), 38),
        ("T-002", "partial", ("US-001",), 39),
    ]


def test_story_known_only_from_frontmatter_id() -> None:
    text = (
        "---\nid: US-007\ntitle: Seven\nstatus: planning\n---\n\n- [ ] **AC-US7-01**: something\n"
    )
    f = parse_spec("docs/us.md", text)
    assert [(s.id, s.title, s.status, s.line) for s in f.stories] == [
        ("US-007", "Seven", "planning", 7)
    ]


# ---- tasks ---------------------------------------------------------------------------------

TASKS = """# Tasks

### T-001: Add the model
**User Story**: US-001
**Satisfies ACs**: AC-US1-01, AC-US1-02
**Status**: [x] completed

### T-002: Route
**User Story**: US-001, US-002
**Status**: [ ] pending

```markdown
### T-099: not a task, it is in a fence
**Status**: [x] completed
```

### T-003: Partial
**User Story**: [US2: Title (P1)](../../us-002.md)
**AC**: AC-US2-01
**Status**: [~] in progress

#### T-004: Words only
- **Status**: completed
- **User Stories**: US-3

### T-005: No status
"""


def test_tasks_with_status_and_references() -> None:
    f = parse_spec(".specweave/increments/0001-a/tasks.md", TASKS)
    got = [(t.id, t.title, t.line, t.status, t.user_stories, t.acceptance) for t in f.tasks]
    assert got == [
        ("T-001", "Add the model", 3, "done", ("US-001",), ("AC-US1-01", "AC-US1-02")),
        ("T-002", "Route", 8, "open", ("US-001", "US-002"), ()),
        ("T-003", "Partial", 17, "partial", ("US-002",), ("AC-US2-01",)),
        ("T-004", "Words only", 22, "done", ("US-003",), ()),
        ("T-005", "No status", 26, "unknown", (), ()),
    ]
    assert f.increment == "0001-a"


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("[x] completed", "done"),
        ("[X]", "done"),
        ("[ ] pending", "open"),
        ("[~] partial", "partial"),
        ("[-]", "partial"),
        ("completed", "done"),
        ("✅ Done", "done"),
        ("in-progress", "partial"),
        ("In progress", "partial"),
        ("pending", "open"),
        ("Not started", "open"),
        ("whatever", "unknown"),
    ],
)
def test_task_status_words(value: str, status: str) -> None:
    assert task_status(value) == status


# ---- metadata.json ------------------------------------------------------------------------------

META = ".specweave/increments/0001-user-api/metadata.json"

METADATA_CASES = [
    ('{"status": "active"}', "active", {}, []),
    (
        '{"status": "completed", "github": {"issue": 12, "url": "https://x/12"}}',
        "completed",
        {"github.issue": "12", "github.url": "https://x/12"},
        [],
    ),
    (
        '{"externalLinks": {"jira": {"key": "USR-7"}, "ado": {"workItem": 5}}}',
        None,
        {"jira.key": "USR-7", "ado.workItem": "5"},
        [],
    ),
    ('{"externalLinks": {}, "status": 3}', None, {}, []),
    (
        '{\n  "status": "active",\n  "type": feature\n}',
        None,
        {},
        [(3, "metadata.json is not valid JSON")],
    ),
    ("[1, 2]", None, {}, [(1, "metadata.json is not a JSON object")]),
    ("", None, {}, [(1, "metadata.json is not valid JSON")]),
]


@pytest.mark.parametrize(("text", "status", "external", "expected_warnings"), METADATA_CASES)
def test_metadata_json(
    text: str,
    status: str | None,
    external: dict[str, str],
    expected_warnings: list[tuple[int, str]],
) -> None:
    meta = parse_metadata(META, text)
    assert (meta.increment, meta.status, meta.external) == ("0001-user-api", status, external)
    got = [(w.line, w.message) for w in meta.warnings]
    assert [line for line, _ in got] == [line for line, _ in expected_warnings]
    for (_, msg), (_, want) in zip(got, expected_warnings, strict=True):
        assert msg.startswith(want)


def test_metadata_is_attached_to_the_increments_spec_md_only() -> None:
    spec = parse_spec(SPEC, "---\nstatus: planning\n---\n# S\n")
    tasks = parse_spec(".specweave/increments/0001-user-api/tasks.md", "# T\n")
    other = parse_spec(".specweave/increments/0002-x/spec.md", "---\nstatus: active\n---\n")
    meta = parse_metadata(META, '{"status": "completed", "github": {"issue": 12}}')
    broken = parse_metadata(".specweave/increments/0002-x/metadata.json", "{oops")
    surface = build([tasks, spec, other], [meta, broken])
    by = {f.path: f for f in surface.files}
    assert (by[SPEC].status, by[SPEC].external) == ("completed", {"github.issue": "12"})
    assert by[tasks.path].status is None and by[tasks.path].external == {}
    # metadata.json without a status keeps the frontmatter's; its warning travels along
    assert by[other.path].status == "active"
    assert [(w.path, w.line) for w in by[other.path].warnings] == [
        (".specweave/increments/0002-x/metadata.json", 1)
    ]
    assert [f.path for f in surface.files] == sorted(by)


# ---- selection ---------------------------------------------------------------------------------

SELECT_CASES = [
    (".specweave/increments/0001-user-api/spec.md", True),
    (".specweave/increments/0001-user-api/tasks.md", True),
    (".specweave/increments/0001-user-api/plan.md", False),
    (".specweave/increments/0001-user-api/reports/REPORT.md", False),
    (".specweave/increments/_archive/0000-old/spec.md", False),
    (".specweave/docs/internal/specs/_features/FS-001/FEATURE.md", True),
    (".specweave/docs/internal/specs/backend/FS-001/us-001-create.md", True),
    (".specweave/docs/internal/specs/_archive/FS-000/us-001-old.md", False),
    (".specweave/docs/internal/architecture/adr/0001-x.md", False),
    ("docs/api.md", True),
    ("docs/api/users.md", True),
    ("docs/_archive/old.md", False),
    ("docs/drafts/wip.md", False),  # ignored by the options below
    ("README.md", False),
    ("src/docs/api.md", False),
]


@pytest.mark.parametrize(("path", "selected"), SELECT_CASES)
def test_is_spec(path: str, selected: bool) -> None:
    assert is_spec(path, SpecOptions(ignore=("docs/drafts/**",))) is selected


def test_select_splits_specs_and_metadata_and_says_why_it_skipped() -> None:
    entries = [
        (".specweave/increments/0002-b/spec.md", "b1"),
        (".specweave/increments/0001-a/spec.md", "a1"),
        (".specweave/increments/0001-a/metadata.json", "a2"),
        (".specweave/increments/_archive/0000-z/metadata.json", "z2"),
        (".specweave/increments/_archive/0000-z/spec.md", "z1"),
        ("docs/drafts/wip.md", "w"),
        ("src/a.ts", "s"),
    ]
    sel = select(entries, SpecOptions(ignore=("docs/drafts/**",)))
    assert sel.specs == (
        (".specweave/increments/0001-a/spec.md", "a1"),
        (".specweave/increments/0002-b/spec.md", "b1"),
    )
    assert sel.metadata == ((".specweave/increments/0001-a/metadata.json", "a2"),)
    assert [(s.path, s.reason) for s in sel.skipped] == [
        (".specweave/increments/_archive/0000-z/spec.md", "archived (_archive/)"),
        ("docs/drafts/wip.md", "ignored by docs/drafts/**"),
    ]


def test_configured_spec_globs_replace_the_defaults() -> None:
    opts = SpecOptions(spec_globs=("specs/*.md",))
    assert is_spec("specs/users.md", opts) and not is_spec("docs/api.md", opts)


@pytest.mark.parametrize(
    ("path", "increment"),
    [
        (".specweave/increments/0001-user-api/spec.md", "0001-user-api"),
        (".specweave/increments/0001-user-api/metadata.json", "0001-user-api"),
        (".specweave/increments/_archive/0001-user-api/spec.md", None),
        ("docs/api.md", None),
    ],
)
def test_increment_of(path: str, increment: str | None) -> None:
    assert increment_of(path) == increment


# ---- the fixture repository, end to end ---------------------------------------------------------


def test_fixture_repository_surface() -> None:
    surface = parse_tree(fixture_files())
    assert [f.path for f in surface.files] == [
        ".specweave/docs/internal/specs/_features/FS-001/FEATURE.md",
        ".specweave/docs/internal/specs/backend/FS-001/us-001-create-users.md",
        ".specweave/docs/internal/specs/backend/FS-001/us-002-read-users.md",
        ".specweave/increments/0001-user-api/spec.md",
        ".specweave/increments/0001-user-api/tasks.md",
        ".specweave/increments/0002-user-roles/spec.md",
        ".specweave/increments/0002-user-roles/tasks.md",
        "docs/api/users.md",
    ]
    spec = surface.file(SPEC)
    assert spec is not None
    assert (spec.increment, spec.status) == ("0001-user-api", "completed")
    assert spec.external["github.issue"] == "12"
    assert spec.code_globs == ("src/routes/users.ts", "src/models/**")
    assert [(r.origin, r.route.key, r.line) for r in spec.routes] == [
        ("heading", "POST /api/users", 51),
        ("heading", "GET /api/users/{}", 55),
        ("mention", "GET /internal/health", 79),
    ]
    assert [(s.origin, s.symbol.kind, s.symbol.name, s.line, s.span) for s in spec.symbols] == [
        ("heading", "function", "createUser", 59, (59, 59)),
        ("table", "interface", "User", 61, (63, 68)),
        ("codeblock", "class", "UserService", 73, (73, 76)),
    ]
    # the fence under "Technical Design" registers a route with a receiver it never creates
    assert not any("secret" in r.route.path for r in surface.routes())
    roles = surface.file(".specweave/increments/0002-user-roles/spec.md")
    assert roles is not None
    assert roles.external == {
        "jira.key": "USR-7",
        "jira.url": "https://acme.atlassian.net/browse/USR-7",
    }
    assert [(r.route.path, r.ignore) for r in roles.routes] == [
        ("/api/users/{user_id}/role", ("route-unimplemented",))
    ]
    assert [(s.symbol.name, s.origin, s.symbol.language) for s in roles.symbols] == [
        ("assign_role", "heading", "python"),
        ("Role", "codeblock", "python"),
    ]
    stories = {(f.path.rsplit("/", 1)[-1], s.id) for f, s in surface.stories()}
    assert ("spec.md", "US-003") in stories and ("us-002-read-users.md", "US-002") in stories
    assert sum(1 for _ in surface.tasks()) == 8
    assert list(surface.warnings()) == []


def test_surface_round_trips_through_json() -> None:
    surface = parse_tree(fixture_files())
    again = SpecSurface.from_json(json.loads(json.dumps(surface.to_json())))
    assert again == surface


def test_specs_of_a_real_git_tree(repo: Repo) -> None:
    for rel, text in fixture_files().items():
        repo.write(rel, text)
    repo.write(
        ".specweave/increments/0001-user-api/spec.md", fixture_files()[SPEC].replace("\n", "\r\n")
    )
    repo.commit("specs")
    entries = []
    for row in repo.git("ls-tree", "-r", "-z", "HEAD").split("\0"):
        if row:
            meta, path = row.split("\t", 1)
            entries.append((path, meta.split()[2]))
    sel = select(entries)
    read = {}
    for _, blob in (*sel.specs, *sel.metadata):
        # bytes, not text mode: universal newlines would hide the CRLF file
        out = subprocess.run(
            ["git", "cat-file", "blob", blob], cwd=repo.path, capture_output=True, check=True
        ).stdout
        read[blob] = out.decode("utf-8")
    assert "\r\n" in read[dict(sel.specs)[SPEC]]
    surface = build(
        [parse_spec(p, read[b]) for p, b in sel.specs],
        [parse_metadata(p, read[b]) for p, b in sel.metadata],
    )
    assert surface == parse_tree(fixture_files())

"""Living docs sync: increments -> FEATURE.md + us-NNN-slug.md, idempotent, hand edits kept."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import yaml

from specweave_git.config import load_config
from specweave_git.errors import UsageError
from specweave_git.sync.livedocs import sync_living_docs
from specweave_git.sync.livedocs_text import slugify
from tests.conftest import Repo

DOCS = ".specweave/docs/internal/specs/default/FS-001"
FEATURE = f"{DOCS}/FEATURE.md"
US1 = f"{DOCS}/us-001-manage-users.md"
US2 = f"{DOCS}/us-002-list-users.md"
INC1 = ".specweave/increments/0001-users-api"
INC2 = ".specweave/increments/0002-user-email"
TODAY = dt.date(2026, 3, 1)

SPEC1 = """---
increment: 0001-users-api
title: Users API
status: completed
---

# Users API

### US-001: Manage users (P1)

**Acceptance Criteria**:
- [x] **AC-US1-01**: A client can fetch a user by id
- [ ] **AC-US1-02**: A client can create a user

### US-002: List users

- [ ] **AC-US2-01**: A client can list users
"""
TASKS1 = """# Tasks

### T-001: Fetch endpoint

**User Story**: US-001
**Satisfies ACs**: AC-US1-01
**Status**: [x] completed

### T-002: Create endpoint

**User Story**: US-001
**Satisfies ACs**: AC-US1-02
**Status**: [x] completed
"""
META1 = (
    '{"id": "0001-users-api", "status": "completed", "created": "2026-01-02T10:00:00Z",'
    ' "lastActivity": "2026-01-05T09:00:00Z", "completed": "2026-01-05T09:00:00Z"}\n'
)
SPEC2 = """---
increment: 0002-user-email
title: "User email"
status: active
feature: FS-001
created: 2026-02-01
---

### US-001: Manage users (P1)

- [x] **AC-US1-01**: A client can fetch a user by id
- [x] **AC-US1-02**: A client can create a user
- [ ] **AC-US1-03**: A user has an email
"""
TASKS2 = """### T-001: Email field

**User Story**: US-001
**Satisfies ACs**: AC-US1-03
**Status**: [ ] pending
"""
META2 = '{"status": "active", "lastActivity": "2026-02-03T08:00:00Z"}\n'


def example(repo: Repo) -> None:
    """Two increments of one feature; US-001 is touched by both."""
    repo.write(f"{INC1}/spec.md", SPEC1)
    repo.write(f"{INC1}/tasks.md", TASKS1)
    repo.write(f"{INC1}/metadata.json", META1)
    repo.write(f"{INC2}/spec.md", SPEC2)
    repo.write(f"{INC2}/tasks.md", TASKS2)
    repo.write(f"{INC2}/metadata.json", META2)


def sync(repo: Repo, **kw: Any) -> Any:
    return sync_living_docs(repo.path, None, today=TODAY, **kw)


def read(repo: Repo, rel: str) -> str:
    return (repo.path / rel).read_text(encoding="utf-8")


def frontmatter(text: str) -> dict[str, Any]:
    m = re.match(r"---\r?\n(.*?)\r?\n---\r?\n", text, re.S)
    assert m, text
    data: dict[str, Any] = yaml.safe_load(m.group(1))
    return data


def region(text: str, name: str) -> str:
    m = re.search(
        rf"<!-- specweave:generated:begin {name} -->\r?\n(.*?)"
        rf"<!-- specweave:generated:end {name} -->",
        text,
        re.S,
    )
    assert m, f"no {name} region in\n{text}"
    return m.group(1)


def outside_regions(text: str) -> str:
    """The text a user owns: everything but region contents and owned frontmatter."""
    return re.sub(r"(generated:begin \S+ -->).*?(<!-- specweave)", r"\1\2", text, flags=re.S)


def docs_files(repo: Repo) -> list[str]:
    base = repo.path / ".specweave/docs"
    if not base.exists():
        return []
    return sorted(p.relative_to(repo.path).as_posix() for p in base.rglob("*") if p.is_file())


# ---- layout and content -----------------------------------------------------------------


def test_layout_of_two_increment_example(repo: Repo) -> None:
    example(repo)
    result = sync(repo)
    assert result.created == (FEATURE, US1, US2)
    assert (result.updated, result.unchanged, result.warnings) == ((), (), ())
    assert docs_files(repo) == [FEATURE, US1, US2]


FRONTMATTER_CASES = [
    (
        FEATURE,
        {
            "id": "FS-001",
            "title": "Users API",
            "type": "feature",
            "status": "active",
            "project": "default",
            "increments": ["0001-users-api", "0002-user-email"],
            "created": dt.date(2026, 1, 2),
            "lastUpdated": dt.date(2026, 2, 3),
        },
    ),
    (
        US1,
        {
            "id": "US-001",
            "feature": "FS-001",
            "title": "Manage users",
            "status": "in-progress",
            "priority": "P1",
            "project": "default",
            "increment": "0002-user-email",
            "created": dt.date(2026, 1, 2),
        },
    ),
    (
        US2,
        {
            "id": "US-002",
            "feature": "FS-001",
            "title": "List users",
            "status": "completed",  # its only increment is completed
            "project": "default",
            "increment": "0001-users-api",
            "created": dt.date(2026, 1, 2),
        },
    ),
]


@pytest.mark.parametrize(("path", "expected"), FRONTMATTER_CASES)
def test_generated_frontmatter(repo: Repo, path: str, expected: dict[str, Any]) -> None:
    example(repo)
    sync(repo)
    assert frontmatter(read(repo, path)) == expected


LINK1 = "[0001-users-api](../../../../../increments/0001-users-api/spec.md)"
LINK2 = "[0002-user-email](../../../../../increments/0002-user-email/spec.md)"
REGION_CASES = [
    (US1, "header", ["# US-001: Manage users", "[FS-001: Users API](FEATURE.md)", "P1"]),
    (
        US1,
        "acceptance-criteria",
        [
            "- [x] **AC-US1-01**: A client can fetch a user by id",
            "- [x] **AC-US1-02**: A client can create a user",
            "- [ ] **AC-US1-03**: A user has an email",
        ],
    ),
    (
        US1,
        "tasks",
        [
            "| T-001 | Fetch endpoint | ✅ done | AC-US1-01 | 0001-users-api |",
            "| T-002 | Create endpoint | ✅ done | AC-US1-02 | 0001-users-api |",
            "| T-001 | Email field | ⏳ open | AC-US1-03 | 0002-user-email |",
        ],
    ),
    (
        US1,
        "history",
        [
            f"| {LINK1} | Users API | completed | 2/2 | 2026-01-05 |",
            f"| {LINK2} | User email | active | 0/1 | — |",
        ],
    ),
    (US2, "history", [f"| {LINK1} | Users API | completed | — | 2026-01-05 |"]),
    (US2, "tasks", ["_No tasks for this story yet._"]),
    (
        FEATURE,
        "user-stories",
        [
            "| [US-001](us-001-manage-users.md) | Manage users | in-progress | P1 | 2/3 |",
            "| [US-002](us-002-list-users.md) | List users | completed | — | 0/1 |",
        ],
    ),
    (
        FEATURE,
        "history",
        [
            f"| {LINK1} | Users API | completed | US-001, US-002 | 2/2 | 2026-01-05 |",
            f"| {LINK2} | User email | active | US-001 | 0/1 | — |",
        ],
    ),
]


@pytest.mark.parametrize(("path", "name", "rows"), REGION_CASES)
def test_generated_regions(repo: Repo, path: str, name: str, rows: list[str]) -> None:
    example(repo)
    sync(repo)
    content = region(read(repo, path), name)
    table_rows = [ln for ln in content.splitlines() if ln.startswith(("| [", "| T-", "- [", "_"))]
    if name == "header":
        assert all(r in content for r in rows)
    else:
        assert table_rows == rows


def test_history_has_one_row_per_increment_that_touched_the_story(repo: Repo) -> None:
    example(repo)
    sync(repo)
    history = region(read(repo, US1), "history")
    assert len([ln for ln in history.splitlines() if ln.startswith("| [")]) == 2
    assert len([ln for ln in region(read(repo, US2), "history").splitlines() if "| [" in ln]) == 1


# ---- idempotency ------------------------------------------------------------------------


def test_second_run_writes_nothing(repo: Repo) -> None:
    example(repo)
    sync(repo)
    before = {p: ((repo.path / p).stat().st_mtime_ns, read(repo, p)) for p in docs_files(repo)}
    again = sync_living_docs(repo.path, None, today=dt.date(2030, 1, 1))  # another day
    assert (again.created, again.updated) == ((), ())
    assert again.unchanged == (FEATURE, US1, US2)
    after = {p: ((repo.path / p).stat().st_mtime_ns, read(repo, p)) for p in docs_files(repo)}
    assert after == before


def test_dry_run_reports_and_writes_nothing(repo: Repo) -> None:
    example(repo)
    result = sync(repo, dry_run=True)
    assert (result.created, result.dry_run) == ((FEATURE, US1, US2), True)
    assert docs_files(repo) == []


def test_undated_feature_keeps_its_date_until_its_content_changes(repo: Repo) -> None:
    # Not committed and no metadata: nothing dates the increment but the run itself.
    repo.write(f"{INC1}/spec.md", SPEC1.replace("status: completed\n", ""))
    sync_living_docs(repo.path, None, today=dt.date(2026, 3, 1))
    first = frontmatter(read(repo, FEATURE))
    assert (first["created"], first["lastUpdated"]) == (dt.date(2026, 3, 1),) * 2
    assert sync_living_docs(repo.path, None, today=dt.date(2026, 4, 1)).updated == ()
    repo.write(f"{INC1}/spec.md", SPEC1.replace("status: completed", "status: active"))
    sync_living_docs(repo.path, None, today=dt.date(2026, 5, 1))
    last = frontmatter(read(repo, FEATURE))
    assert (last["created"], last["lastUpdated"]) == (dt.date(2026, 3, 1), dt.date(2026, 5, 1))


def test_dates_fall_back_to_git_history(repo: Repo) -> None:
    repo.write(f"{INC1}/spec.md", SPEC1)
    repo.commit("increment 1")  # conftest pins the commit date to 2026-01-01
    sync(repo)
    fm = frontmatter(read(repo, FEATURE))
    assert (fm["created"], fm["lastUpdated"]) == (dt.date(2026, 1, 1), dt.date(2026, 1, 1))


# ---- hand edits, external ids, status changes ---------------------------------------------

HAND_EDITS = [
    # (what to replace in the generated us-001 file, with what)
    (
        "---\n\n<!-- specweave:generated:begin header",
        "---\n\nA note above.\n\n<!-- specweave:generated:begin header",
    ),
    (
        "<!-- specweave:generated:end header -->\n",
        "<!-- specweave:generated:end header -->\n\n**As a** client **I want** users\n",
    ),
    (
        "<!-- specweave:generated:end history -->\n",
        "<!-- specweave:generated:end history -->\n\n## Notes\n\nKeep me.\n",
    ),
    ("project: default\n", "project: default\nowner: ada  # hand-added key\n# a comment\n"),
]


@pytest.mark.parametrize(("old", "new"), HAND_EDITS)
def test_hand_edits_survive_a_rerun_after_a_spec_change(repo: Repo, old: str, new: str) -> None:
    example(repo)
    sync(repo)
    edited = read(repo, US1).replace(old, new, 1)
    assert edited != read(repo, US1)
    repo.write(US1, edited)
    repo.write(f"{INC2}/tasks.md", TASKS2.replace("[ ] pending", "[x] completed"))
    result = sync(repo)
    assert US1 in result.updated
    text = read(repo, US1)
    assert new in text
    assert "| T-001 | Email field | ✅ done | AC-US1-03 | 0002-user-email |" in text
    assert outside_regions(text).replace("status: completed", "status: in-progress") == (
        outside_regions(edited)
    )


def test_external_block_is_preserved(repo: Repo) -> None:
    example(repo)
    sync(repo)
    external = (
        "external:\n  github:\n    issue: 618\n    url: https://github.com/acme/shop/issues/618\n"
    )
    repo.write(
        US1, read(repo, US1).replace("created: 2026-01-02\n", f"created: 2026-01-02\n{external}")
    )
    repo.write(f"{INC2}/spec.md", SPEC2.replace("A user has an email", "A user has an e-mail"))
    assert US1 in sync(repo).updated
    text = read(repo, US1)
    assert external in text
    fm = frontmatter(text)
    assert fm["external"] == {
        "github": {"issue": 618, "url": "https://github.com/acme/shop/issues/618"}
    }
    assert "A user has an e-mail" in region(text, "acceptance-criteria")


@pytest.mark.parametrize(
    ("status_line", "cell", "story_status"),
    [
        ("[x] completed", "✅ done", "completed"),
        ("[ ] pending", "⏳ open", "in-progress"),
        ("[~] in progress", "🔄 in progress", "in-progress"),
        ("in-progress", "🔄 in progress", "in-progress"),
    ],
)
def test_task_status_change_is_reflected(
    repo: Repo, status_line: str, cell: str, story_status: str
) -> None:
    example(repo)
    sync(repo)
    repo.write(f"{INC2}/tasks.md", TASKS2.replace("[ ] pending", status_line))
    sync(repo)
    text = read(repo, US1)
    assert f"| T-001 | Email field | {cell} | AC-US1-03 | 0002-user-email |" in text
    assert frontmatter(text)["status"] == story_status
    # A criterion whose every task is done is shown done.
    assert ("- [x] **AC-US1-03**" in text) == (cell == "✅ done")


def test_crlf_files_keep_crlf(repo: Repo) -> None:
    example(repo)
    sync(repo)
    crlf = (
        read(repo, US1)
        .replace("\n", "\r\n")
        .replace(
            "<!-- specweave:generated:end tasks -->\r\n",
            "<!-- specweave:generated:end tasks -->\r\n\r\nHand note.\r\n",
        )
    )
    (repo.path / US1).write_bytes(crlf.encode("utf-8"))
    repo.write(f"{INC2}/tasks.md", TASKS2.replace("[ ] pending", "[x] completed"))
    assert US1 in sync(repo).updated
    data = (repo.path / US1).read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    assert b"\r\n\r\nHand note.\r\n" in data
    assert "✅ done | AC-US1-03".encode() in data
    assert US1 in sync(repo).unchanged  # and it stays put


def test_a_retitled_story_keeps_its_file(repo: Repo) -> None:
    example(repo)
    sync(repo)
    repo.write(f"{INC2}/spec.md", SPEC2.replace("US-001: Manage users", "US-001: Manage people"))
    result = sync(repo)
    assert US1 in result.updated
    assert not (repo.path / DOCS / "us-001-manage-people.md").exists()
    assert frontmatter(read(repo, US1))["title"] == "Manage people"
    assert "[US-001](us-001-manage-users.md) | Manage people" in read(repo, FEATURE)


# ---- bad input ------------------------------------------------------------------------------

BAD_INPUT = [
    # (file, content, message part, pointer)
    (f"{INC2}/spec.md", "---\ntitle: [unclosed\n---\n", "not valid YAML", "line"),
    (f"{INC2}/spec.md", "---\ntitle: A\nfeature: 12x\n---\n", "FS-001", "/feature"),
    (f"{INC2}/spec.md", "---\nepic: feature-one\n---\n", "FS-001", "/epic"),
    (f"{INC2}/spec.md", "---\nproject: ../evil\n---\n", "folder name", "/project"),
    (f"{INC2}/spec.md", "---\ntitle: [a, b]\n---\n", "must be a string", "/title"),
    (f"{INC2}/spec.md", "---\ncreated: someday\n---\n", "must be a date", "/created"),
    (f"{INC2}/spec.md", "---\n- a\n---\n", "not a mapping", "line 2"),
    (f"{INC2}/tasks.md", "---\nx: : y\n---\n", "not valid YAML", "line"),
    (f"{INC2}/metadata.json", "{not json", "not valid JSON", "line 1"),
    (f"{INC2}/metadata.json", '{"status": 3}', "must be a string", "/status"),
    (f"{INC2}/spec.md", b"\xff\xfe bad bytes", "not UTF-8", None),
]


@pytest.mark.parametrize(("rel", "content", "message", "pointer"), BAD_INPUT)
def test_bad_input_raises_and_writes_nothing(
    repo: Repo, rel: str, content: str | bytes, message: str, pointer: str | None
) -> None:
    example(repo)
    repo.write(rel, content)
    with pytest.raises(UsageError) as err:
        sync(repo)
    assert err.value.file == rel
    assert message in err.value.message
    assert (err.value.pointer or "").startswith(pointer or "")
    assert err.value.exit_code == 2
    assert docs_files(repo) == []  # not even the good increment's files


@pytest.mark.parametrize(
    ("old", "new", "message", "pointer"),
    [
        ('title: "List users"\n', "title: [oops\n", "not valid YAML", "line"),
        ("created: 2026-01-02\n", "created: 2026-01-02\nexternal: 618\n", "mapping", "/external"),
    ],
)
def test_bad_living_doc_frontmatter_stops_every_write(
    repo: Repo, old: str, new: str, message: str, pointer: str
) -> None:
    example(repo)
    sync(repo)
    repo.write(US2, read(repo, US2).replace(old, new))
    repo.write(f"{INC2}/tasks.md", TASKS2.replace("[ ] pending", "[x] completed"))
    before = {p: read(repo, p) for p in docs_files(repo)}
    with pytest.raises(UsageError) as err:
        sync(repo)
    assert (err.value.file, message in err.value.message) == (US2, True)
    assert (err.value.pointer or "").startswith(pointer)
    assert {p: read(repo, p) for p in docs_files(repo)} == before  # US1 not updated either


# ---- markers deleted ------------------------------------------------------------------------

BROKEN_MARKERS = [
    # (edit to the us-001 file, what the warning says)
    (
        lambda t: re.sub(r"<!-- specweave:generated:(begin|end) [a-z-]+ -->\n", "", t),
        "missing for header",
    ),
    (lambda t: t.replace("<!-- specweave:generated:end tasks -->\n", ""), "broken"),
    (lambda t: t.replace("<!-- specweave:generated:begin tasks -->\n", ""), "broken"),
    (
        lambda t: (
            t
            + "<!-- specweave:generated:begin tasks -->\nx\n"
            + "<!-- specweave:generated:end tasks -->\n"
        ),
        "a second `tasks` region",
    ),
    (
        lambda t: t.replace("<!-- specweave:generated:begin history -->\n", "").replace(
            "<!-- specweave:generated:end history -->\n", ""
        ),
        "missing for history",
    ),
]


@pytest.mark.parametrize(("edit", "why"), BROKEN_MARKERS)
def test_deleted_markers_leave_the_file_untouched(repo: Repo, edit: Any, why: str) -> None:
    example(repo)
    sync(repo)
    broken = edit(read(repo, US1))
    repo.write(US1, broken)
    repo.write(f"{INC2}/tasks.md", TASKS2.replace("[ ] pending", "[x] completed"))
    result = sync(repo)
    assert read(repo, US1) == broken
    assert result.skipped == (US1,)
    assert [w.path for w in result.warnings] == [US1]
    assert why in result.warnings[0].message
    assert "left unchanged" in result.warnings[0].message
    assert FEATURE in result.updated  # the rest of the run goes on


def test_frontmatter_id_naming_another_story_is_left_alone(repo: Repo) -> None:
    example(repo)
    sync(repo)
    repo.write(US2, read(repo, US2).replace("id: US-002", "id: US-009"))
    repo.write(f"{INC1}/spec.md", SPEC1.replace("can list users", "can list all users"))
    result = sync(repo)
    assert result.skipped == (US2,)
    assert "US-009" in result.warnings[0].message
    assert "can list all users" not in read(repo, US2)


def test_frontmatter_removed_by_hand_is_given_back(repo: Repo) -> None:
    example(repo)
    sync(repo)
    body = read(repo, US2).split("---\n", 2)[2]
    repo.write(US2, "Hand intro.\n" + body)
    assert US2 in sync(repo).updated
    text = read(repo, US2)
    assert frontmatter(text)["id"] == "US-002"
    assert "Hand intro.\n" in text


# ---- names ----------------------------------------------------------------------------------

SLUGS = [
    ("Manage users", "manage-users"),
    ("Crème brûlée: v2 (beta)!", "creme-brulee-v2-beta"),
    ("Straße & Ärger", "strasse-arger"),
    ("  --Leading/trailing--  ", "leading-trailing"),
    ("Émoji 🚀 launch", "emoji-launch"),
    ("日本語のタイトル", "story"),
    ("", "story"),
    ("a" * 80, "a" * 60),
    (
        "As a developer I want living docs to be synchronised automatically from increments",
        "as-a-developer-i-want-living-docs-to-be-synchronised",
    ),
]


@pytest.mark.parametrize(("title", "slug"), SLUGS)
def test_slug_rules(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert len(slugify(title)) <= 60


@pytest.mark.parametrize(
    ("heading", "filename", "title", "priority"),
    [
        ("US-003: Crème brûlée (P2)", "us-003-creme-brulee.md", "Crème brûlée", "P2"),
        (
            "US-003: Export | import (Priority: P0 - critical)",
            "us-003-export-import.md",
            "Export | import",
            "P0",
        ),
        ("US-003: 日本語", "us-003-story.md", "日本語", None),
    ],
)
def test_story_file_names(
    repo: Repo, heading: str, filename: str, title: str, priority: str | None
) -> None:
    repo.write(
        f"{INC1}/spec.md", f"---\ntitle: T\n---\n\n### {heading}\n\n- [ ] **AC-US3-01**: x\n"
    )
    sync(repo)
    fm = frontmatter(read(repo, f"{DOCS}/{filename}"))
    assert (fm["title"], fm.get("priority")) == (title, priority)


@pytest.mark.parametrize(
    ("config", "spec_project", "folder"),
    [
        (None, None, "default"),
        ('{"project": {"name": "Acme Shop"}}', None, "acme-shop"),
        ('{"project": {"name": "acme"}, "multiProject": {"activeProject": "web"}}', None, "web"),
        ('{"project": {"name": "acme"}}', "backend", "backend"),
    ],
)
def test_project_folder(
    repo: Repo, config: str | None, spec_project: str | None, folder: str
) -> None:
    if config is not None:
        repo.write(".specweave/config.json", config)
    extra = f"project: {spec_project}\n" if spec_project else ""
    repo.write(
        f"{INC1}/spec.md", SPEC1.replace("status: completed\n", f"status: completed\n{extra}")
    )
    result = sync_living_docs(repo.path, load_config(repo.path), today=TODAY)
    assert f".specweave/docs/internal/specs/{folder}/FS-001/FEATURE.md" in result.created


def test_increment_without_spec_is_skipped_with_a_warning(repo: Repo) -> None:
    example(repo)
    (repo.path / ".specweave/increments/0003-empty").mkdir()
    result = sync(repo)
    assert [(w.path, w.message) for w in result.warnings] == [
        (".specweave/increments/0003-empty", "increment has no spec.md; skipped")
    ]
    assert result.created == (FEATURE, US1, US2)


def test_archived_increments_still_count(repo: Repo) -> None:
    example(repo)
    archived = repo.path / ".specweave/increments/_archive"
    archived.mkdir()
    (repo.path / INC1).rename(archived / "0001-users-api")
    sync(repo)
    link = "../../../../../increments/_archive/0001-users-api/spec.md"
    assert link in region(read(repo, US1), "history")


def test_feature_file_with_existing_content_and_no_markers_is_untouched(repo: Repo) -> None:
    example(repo)
    repo.write(FEATURE, "# FS-001: written by SpecWeave\n")
    result = sync(repo)
    assert read(repo, FEATURE) == "# FS-001: written by SpecWeave\n"
    assert result.skipped == (FEATURE,)
    assert (US1 in result.created, US2 in result.created) == (True, True)


def test_result_json(repo: Repo) -> None:
    example(repo)
    out = sync(repo).to_json()
    assert out == {
        "created": [FEATURE, US1, US2],
        "updated": [],
        "unchanged": [],
        "skipped": [],
        "warnings": [],
        "dry_run": False,
    }


def test_outside_regions_helper_sees_hand_text() -> None:
    # Guards the helper the hand-edit tests rely on.
    text = "a\n<!-- specweave:generated:begin x -->\nGEN\n<!-- specweave:generated:end x -->\nb\n"
    assert (
        outside_regions(text)
        == "a\n<!-- specweave:generated:begin x --><!-- specweave:generated:end x -->\nb\n"
    )


def test_short_story_ids_join_their_tasks(repo: Repo) -> None:
    spec = "---\ntitle: T\n---\n\n### US-1: Short id\n\n- [ ] **AC-US1-01**: x\n"
    tasks = "### T-001: Work\n\n**User Story**: US-001\n**Status**: [x] completed\n"
    repo.write(f"{INC1}/spec.md", spec)
    repo.write(f"{INC1}/tasks.md", tasks)
    result = sync(repo)
    assert result.created == (FEATURE, f"{DOCS}/us-001-short-id.md")
    assert "| T-001 | Work | ✅ done |" in read(repo, f"{DOCS}/us-001-short-id.md")


@pytest.mark.parametrize(
    ("existing", "folder"),
    [
        ([], "default"),
        (["backend/FS-001"], "backend"),
        (["backend/FS-001", "web/FS-001"], "default"),  # ambiguous: never guess
        (["_features/FS-001", "backend/FS-002"], "default"),
    ],
)
def test_unnamed_project_follows_an_existing_feature_folder(
    repo: Repo, existing: list[str], folder: str
) -> None:
    for d in existing:
        (repo.path / ".specweave/docs/internal/specs" / d).mkdir(parents=True)
    repo.write(f"{INC1}/spec.md", SPEC1)
    result = sync(repo)
    assert f".specweave/docs/internal/specs/{folder}/FS-001/FEATURE.md" in result.created


def test_feature_id_from_metadata(repo: Repo) -> None:
    repo.write(f"{INC2}/spec.md", SPEC2.replace("feature: FS-001\n", ""))
    repo.write(f"{INC2}/metadata.json", '{"status": "active", "feature_id": "FS-7"}')
    result = sync(repo)
    assert ".specweave/docs/internal/specs/default/FS-007/FEATURE.md" in result.created

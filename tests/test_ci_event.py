"""The Action's inputs, event payloads and output files, read and written without a run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from specweave_git.ci.event import Event, read_event
from specweave_git.ci.inputs import Inputs, read_inputs
from specweave_git.ci.outputs import append_summary, output_record, write_outputs
from specweave_git.errors import UsageError

EVENTS = Path("/work/shared/contracts/github-events")
A, B = "a" * 40, "b" * 40


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, data: Any, name: str = "event.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- events: the real payloads


@pytest.mark.parametrize(
    ("file", "name", "expected"),
    [
        (
            "pull_request.opened.json",
            "pull_request",
            dict(
                kind="pull_request",
                base="f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
                head="ec26c3e57ca3a959ca5aad62de7213c562f8c821",
                pr_number=2,
                fork=False,
                repository="Codertocat/Hello-World",
            ),
        ),
        (
            "pull_request.synchronize.json",
            "pull_request_target",
            dict(kind="pull_request", pr_number=2, fork=False),
        ),
        (
            "push.json",
            "push",
            dict(
                kind="push",
                before="0" * 40,
                after="6113728f27ae82c7b1a177c8d03f9e96e0adf246",
                ref="refs/heads/master",
                default_branch="master",
                deleted=False,
                new_branch=True,
            ),
        ),
        (
            "workflow_dispatch.json",
            "workflow_dispatch",
            dict(kind="none", base=None, head=None, repository="octo-org/octo-repo"),
        ),
    ],
)
def test_contract_payloads(
    tmp_path: Path, file: str, name: str, expected: dict[str, object]
) -> None:
    path = write(tmp_path, payload(file))
    event = read_event({"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": path})
    assert event.name == name
    for field, value in expected.items():
        assert getattr(event, field) == value, field


def _pr(**changes: Any) -> dict[str, Any]:
    data = payload("pull_request.opened.json")
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for key in parents:
            node = node[key]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("changes", "fork"),
    [
        ({}, False),
        ({"pull_request__head__repo__full_name": "someone/Hello-World"}, True),
        # the fork was deleted after the PR was opened
        ({"pull_request__head__repo": None}, True),
    ],
)
def test_fork_detection(tmp_path: Path, changes: dict[str, Any], fork: bool) -> None:
    path = write(tmp_path, _pr(**changes))
    event = read_event({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": path})
    assert event.fork is fork


@pytest.mark.parametrize(
    ("name", "data", "pointer", "message"),
    [
        ("pull_request", "{not json", "line 1 column 2", "not a JSON event payload"),
        ("pull_request", "[1, 2]", None, "not a JSON object"),
        ("pull_request", _pr(pull_request__base__sha="main"), "/pull_request/base/sha", "commit"),
        ("pull_request", _pr(pull_request__head=_DELETE), "/pull_request/head/sha", "commit"),
        (
            "pull_request",
            _pr(pull_request__number="2", number=_DELETE),
            "/pull_request/number",
            "PR number",
        ),
        ("push", {"before": A}, "/after", "expected a commit id, found null"),
        ("merge_group", {"merge_group": {"base_sha": A}}, "/merge_group/head_sha", "commit"),
    ],
)
def test_bad_payload_names_file_and_key(
    tmp_path: Path, name: str, data: Any, pointer: str | None, message: str
) -> None:
    path = write(tmp_path, data)
    with pytest.raises(UsageError) as e:
        read_event({"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": path})
    assert e.value.file == path
    assert e.value.pointer == pointer
    assert message in e.value.message
    assert e.value.exit_code == 2


@pytest.mark.parametrize(
    ("env", "file", "pointer"),
    [
        ({"GITHUB_EVENT_NAME": "pull_request"}, "environment", "GITHUB_EVENT_PATH"),
        ({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": "/nonexistent/e.json"}, None, None),
    ],
)
def test_missing_payload(env: dict[str, str], file: str | None, pointer: str | None) -> None:
    with pytest.raises(UsageError) as e:
        read_event(env)
    assert e.value.file == (file or env["GITHUB_EVENT_PATH"])
    assert e.value.pointer == pointer


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, Event("", "none")),
        ({"GITHUB_EVENT_NAME": "schedule"}, Event("schedule", "none")),
        (
            {"GITHUB_EVENT_NAME": "schedule", "GITHUB_REPOSITORY": "acme/widgets"},
            Event("schedule", "none", repository="acme/widgets"),
        ),
        # an event with no range: whatever is checked out
        ({"GITHUB_EVENT_NAME": "release"}, Event("release", "none")),
    ],
)
def test_events_without_a_range(env: dict[str, str], expected: Event) -> None:
    assert read_event(env) == expected


def test_push_deleting_a_branch(tmp_path: Path) -> None:
    path = write(tmp_path, {"before": A, "after": "0" * 40, "deleted": True, "ref": "refs/heads/x"})
    event = read_event({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": path})
    assert (event.kind, event.deleted, event.new_branch) == ("push", True, False)


def test_merge_group(tmp_path: Path) -> None:
    path = write(tmp_path, {"merge_group": {"base_sha": A, "head_sha": B}})
    event = read_event({"GITHUB_EVENT_NAME": "merge_group", "GITHUB_EVENT_PATH": path})
    assert (event.kind, event.base, event.head) == ("merge_group", A, B)


# ---------------------------------------------------------------- inputs


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, Inputs()),
        ({"INPUT_FAIL_ON": "Minor"}, Inputs(fail_on="minor")),
        ({"INPUT_FAIL-ON": "never"}, Inputs(fail_on="never")),  # the runner's own spelling
        ({"INPUT_FAIL_ON": "  "}, Inputs()),  # empty means the default, as in Actions
        ({"INPUT_COMMENT": "FALSE", "INPUT_NOTES": "False"}, Inputs(comment=False, notes=False)),
        ({"INPUT_SYNC": "true"}, Inputs(sync=True)),
        ({"INPUT_BASE": "main"}, Inputs(base="main")),
        ({"INPUT_BASE": "main", "INPUT_HEAD": "HEAD~1"}, Inputs(base="main", head="HEAD~1")),
        ({"INPUT_TOKEN": "ghs_x"}, Inputs(token="ghs_x")),
    ],
)
def test_inputs(env: dict[str, str], expected: Inputs) -> None:
    assert read_inputs(env) == expected


@pytest.mark.parametrize(
    ("env", "name", "message"),
    [
        ({"INPUT_FAIL_ON": "high"}, "fail-on", "expected one of trivial, minor"),
        ({"INPUT_COMMENT": "yes"}, "comment", "expected true or false, found 'yes'"),
        ({"INPUT_NOTES": "1"}, "notes", "expected true or false"),
        ({"INPUT_SYNC": "on"}, "sync", "expected true or false"),
        ({"INPUT_BASE": "--upload-pack=x"}, "base", "not a git ref"),
        ({"INPUT_BASE": "main", "INPUT_HEAD": "a b"}, "head", "not a git ref"),
        ({"INPUT_HEAD": "HEAD"}, "head", "head needs base"),
        ({"INPUT_WORKING_DIRECTORY": "/nonexistent/dir"}, "working-directory", "no such directory"),
        ({"INPUT_CONFIG": "missing.json"}, "config", "no such file"),
    ],
)
def test_bad_inputs_name_the_input(env: dict[str, str], name: str, message: str) -> None:
    with pytest.raises(UsageError) as e:
        read_inputs(env)
    assert str(e.value).startswith(f"action input: {name}: ")
    assert message in e.value.message
    assert e.value.exit_code == 2


def test_working_directory_and_config(tmp_path: Path) -> None:
    (tmp_path / "conf.json").write_text("{}", encoding="utf-8")
    found = read_inputs({"INPUT_WORKING_DIRECTORY": str(tmp_path), "INPUT_CONFIG": "conf.json"})
    assert (found.working_directory, found.config) == (tmp_path, Path("conf.json"))
    with pytest.raises(UsageError, match="working-directory: not a directory"):
        read_inputs({"INPUT_WORKING_DIRECTORY": str(tmp_path / "conf.json")})


def test_token_never_in_repr() -> None:
    inputs = read_inputs({"INPUT_TOKEN": "ghs_secret_value"})
    assert "ghs_secret_value" not in repr(inputs)
    assert inputs.token == "ghs_secret_value"


# ---------------------------------------------------------------- outputs


@pytest.mark.parametrize(
    ("name", "value", "multiline"),
    [
        ("count", "3", False),
        ("report-path", "/tmp/a b/report.json", False),
        ("empty", "", False),
        ("text", "line 1\nline 2", True),
        ("crlf", "a\r\nb", True),
    ],
)
def test_output_record(name: str, value: str, multiline: bool) -> None:
    record = output_record(name, value)
    if not multiline:
        assert record == f"{name}={value}\n"
        return
    first, *body, last, end = record.split("\n")
    delimiter = first.removeprefix(f"{name}<<")
    assert delimiter.startswith("ghadelimiter_")
    assert (last, end) == (delimiter, "")
    assert "\n".join(body) == value
    assert delimiter not in value


def test_output_files_append(tmp_path: Path) -> None:
    out, summary = tmp_path / "out", tmp_path / "summary.md"
    out.write_text("earlier=1\n", encoding="utf-8")
    env = {"GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary)}
    write_outputs(env, {"count": "2", "note": "a\nb"})
    append_summary(env, "# one")
    append_summary(env, "# two\n")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["earlier=1", "count=2"]
    assert lines[2].startswith("note<<ghadelimiter_") and lines[3:5] == ["a", "b"]
    assert summary.read_text(encoding="utf-8") == "# one\n# two\n"
    # outside Actions there is nowhere to write: nothing happens
    assert write_outputs({}, {"count": "1"}) is None
    assert append_summary({}, "x") is None


def test_unwritable_output_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as e:
        write_outputs({"GITHUB_OUTPUT": str(tmp_path)}, {"count": "1"})  # a directory
    assert e.value.file == str(tmp_path)
    assert "GITHUB_OUTPUT" in e.value.message

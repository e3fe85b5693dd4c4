"""The CLI skeleton: version, help, context, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from specweave_git import __version__
from specweave_git.cli.main import COMMANDS, main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"specweave-git {__version__}"


def test_version_verbose_shows_context(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert main(["--version", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "context: hook" in out and "PRE_COMMIT=1" in out


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "--repo" in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_bad_context_value_is_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECWEAVE_CONTEXT", "robot")
    assert main(["context"]) == 2
    err = capsys.readouterr().err
    assert "SPECWEAVE_CONTEXT" in err and "robot" in err and "Traceback" not in err


def test_console_script_runs_as_module() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "specweave_git", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and __version__ in proc.stdout

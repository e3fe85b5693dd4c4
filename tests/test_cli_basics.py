"""The CLI skeleton: version, help, context, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from specweave_git import __version__
from specweave_git.cli.main import COMMANDS, main

from .conftest import Repo


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


def test_unexpected_error_exits_3_with_one_line_and_a_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, repo: Repo
) -> None:
    import specweave_git.cli.context_cmd as ctx

    def boom(args: object) -> int:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(ctx, "run", boom)
    monkeypatch.chdir(repo.path)
    assert main(["context"]) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "RuntimeError: kaboom" in err and "Traceback" not in err
    report = err.rsplit("traceback: ", 1)[1].rstrip(")")
    with open(report, encoding="utf-8") as fh:
        text = fh.read()
    assert "Traceback" in text and "kaboom" in text
    assert "/.specweave/logs/crash-" in report


def test_keyboard_interrupt_exits_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import specweave_git.cli.context_cmd as ctx

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(ctx, "run", interrupted)
    assert main(["context"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_sigint_to_a_real_process_exits_130(repo: Repo) -> None:
    """A real Ctrl-C: SIGINT while the CLI runs a long command (here: reading stdin)."""
    import signal
    import time

    code = (
        "import sys, time\n"
        "import specweave_git.cli.context_cmd as c\n"
        "def slow(a):\n    print('ready', flush=True); time.sleep(30); return 0\n"
        "c.run = slow\n"
        "from specweave_git.cli.main import main\n"
        "sys.exit(main(['context']))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err

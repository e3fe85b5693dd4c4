"""Typed errors: the CLI maps them to exit codes (DESIGN §9); nothing below the CLI exits."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 3
EXIT_INTERRUPTED = 130


class SpecweaveError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = EXIT_UNEXPECTED


class UsageError(SpecweaveError):
    """Bad input, bad configuration or a repository state we cannot work in (exit 2).

    ``file`` and ``pointer`` (a JSON pointer, a ref, a line) locate the problem so the
    one-line message can name them: ``FILE: /json/pointer: message``.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, file: str | None = None, pointer: str | None = None):
        self.message = message
        self.file = file
        self.pointer = pointer
        super().__init__(self.render())

    def render(self) -> str:
        parts = [p for p in (self.file, self.pointer) if p]
        return ": ".join([*parts, self.message])


class Problem:
    """One located problem of a file (used when a file has several)."""

    __slots__ = ("file", "message", "pointer")

    def __init__(self, file: str, pointer: str, message: str) -> None:
        self.file = file
        self.pointer = pointer
        self.message = message

    def render(self) -> str:
        return f"{self.file}: {self.pointer}: {self.message}"

    def __repr__(self) -> str:
        return f"Problem({self.render()!r})"


class ConfigError(UsageError):
    """A configuration file with one or more problems; every one is reported."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(first.message, file=first.file, pointer=first.pointer)

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)


class GitError(UsageError):
    """A git state or ref we cannot work with (not a repository, unknown ref, shallow...)."""


class CommandError(SpecweaveError):
    """A subprocess failed unexpectedly; the message shows command, exit code and output."""

    def __init__(self, cmd: list[str], returncode: int, stdout: bytes, stderr: bytes) -> None:
        self.cmd = cmd
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        out = stdout.decode(errors="replace").strip()
        err = stderr.decode(errors="replace").strip()
        msg = f"command failed (exit {returncode}): {' '.join(cmd)}"
        if err:
            msg += f"\nstderr: {err[:2000]}"
        if out:
            msg += f"\nstdout: {out[:2000]}"
        super().__init__(msg)

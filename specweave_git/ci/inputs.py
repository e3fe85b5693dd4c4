"""The Action's inputs, read from ``INPUT_*`` variables that action.yml passes, validated."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..errors import UsageError
from ..record import FrozenRecord, set_field

FAIL_ON = ("trivial", "minor", "major", "breaking", "never")
# What @actions/core's getBooleanInput accepts: the YAML 1.2 core schema booleans.
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})

# input name -> default when the variable is unset or empty (action.yml's defaults too).
DEFAULTS: dict[str, str] = {
    # Empty: the config's sync.orchestration.discrepancy.failOn decides (default major).
    "fail-on": "",
    "base": "",
    "head": "",
    "comment": "true",
    "notes": "true",
    "sync": "false",
    "config": "",
    "working-directory": ".",
    "token": "",
}


def env_name(name: str) -> str:
    """``fail-on`` -> ``INPUT_FAIL_ON``: shells cannot name a variable with a hyphen."""
    return "INPUT_" + name.upper().replace("-", "_")


class Inputs(FrozenRecord):
    __slots__ = (
        "base",
        "comment",
        "config",
        "fail_on",
        "head",
        "notes",
        "sync",
        "token",
        "working_directory",
    )

    fail_on: str | None  # None: the config decides
    base: str | None
    head: str | None
    comment: bool
    notes: bool
    sync: bool
    config: Path | None  # relative to the working directory, like every path given
    working_directory: Path
    token: str | None

    def __init__(
        self,
        fail_on: str | None = None,
        base: str | None = None,
        head: str | None = None,
        comment: bool = True,
        notes: bool = True,
        sync: bool = False,
        config: Path | None = None,
        working_directory: Path = Path(),
        token: str | None = None,
    ) -> None:
        set_field(self, "fail_on", fail_on)
        set_field(self, "base", base)
        set_field(self, "head", head)
        set_field(self, "comment", comment)
        set_field(self, "notes", notes)
        set_field(self, "sync", sync)
        set_field(self, "config", config)
        set_field(self, "working_directory", working_directory)
        set_field(self, "token", token)

    def __repr__(self) -> str:
        # The token never appears in a log or a traceback.
        shown = {f: getattr(self, f) for f in self._fields}
        shown["token"] = "***" if self.token else None
        return "Inputs(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


def _raw(env: Mapping[str, str], name: str) -> str:
    # INPUT_FAIL_ON as action.yml passes it; INPUT_FAIL-ON as the runner sets it for
    # JavaScript and Docker actions, so either way of running us works.
    for key in (env_name(name), "INPUT_" + name.upper()):
        value = env.get(key)
        if value is not None and value.strip():
            return value.strip()
    return DEFAULTS[name]


def _fail(name: str, message: str) -> UsageError:
    return UsageError(message, file="action input", pointer=name)


def _boolean(env: Mapping[str, str], name: str) -> bool:
    value = _raw(env, name)
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _fail(name, f"expected true or false, found {value!r}")


def _ref(env: Mapping[str, str], name: str) -> str | None:
    value = _raw(env, name)
    if not value:
        return None
    if value.startswith("-") or any(c.isspace() or ord(c) < 32 for c in value):
        raise _fail(name, f"not a git ref or commit: {value!r}")
    return value


def read_inputs(env: Mapping[str, str]) -> Inputs:
    """Every input validated; the first bad one raises a ``UsageError`` naming it."""
    fail_on = _raw(env, "fail-on").lower()
    if fail_on and fail_on not in FAIL_ON:
        raise _fail(
            "fail-on", f"expected one of {', '.join(FAIL_ON)}, found {_raw(env, 'fail-on')!r}"
        )
    base, head = _ref(env, "base"), _ref(env, "head")
    if head and not base:
        raise _fail("head", "head needs base (a range is base...head)")
    workdir = Path(_raw(env, "working-directory"))
    if not workdir.is_dir():
        why = "not a directory" if workdir.exists() else "no such directory"
        raise _fail("working-directory", f"{why}: {str(workdir)!r}")
    config_text = _raw(env, "config")
    config = Path(config_text) if config_text else None
    if config is not None:
        full = config if config.is_absolute() else workdir / config
        if not full.is_file():
            raise _fail("config", f"no such file: {str(config)!r} (relative to {str(workdir)!r})")
    return Inputs(
        fail_on=fail_on or None,
        base=base,
        head=head,
        comment=_boolean(env, "comment"),
        notes=_boolean(env, "notes"),
        sync=_boolean(env, "sync"),
        config=config,
        working_directory=workdir,
        token=_raw(env, "token") or None,
    )

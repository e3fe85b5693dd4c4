"""Git notes under ``refs/notes/specweave``: one JSON object a line, read and appended."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..errors import CommandError, GitError
from .repo import Repo, resolve
from .run import stderr_text

NOTES_REF = "refs/notes/specweave"

# Who writes the notes commit when git knows nobody (a CI runner without user.name):
# the note is data the tool records, so a tool identity is honest there.
_FALLBACK_IDENTITY = (
    "-c",
    "user.name=specweave-git",
    "-c",
    "user.email=specweave-git@users.noreply.github.com",
)
_NO_IDENTITY = (
    b"Please tell me who you are",
    b"unable to auto-detect email address",
    b"empty ident name",
    b"no name was given",
    b"no email was given",
)


def _lines(data: bytes) -> list[str]:
    # Blank lines carry nothing: the format has no separators, and a note another tool
    # wrote with `git notes append` has blank lines between its paragraphs.
    text = data.decode("utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()]


def read_note(repo: Repo, commit: str, ref: str = NOTES_REF) -> list[str]:
    """The non-blank lines of the note on ``commit``; [] when it has none (or the ref
    does not exist yet). An unknown commit is a ``GitError`` naming it."""
    if commit.startswith("-"):
        raise GitError(f"invalid commit {commit!r}", file=str(repo.root))
    proc = repo.run("notes", "--ref", ref, "show", commit)
    if proc.returncode == 0:
        return _lines(proc.stdout)
    if b"no note found" in proc.stderr:
        return []
    raise GitError(
        f"cannot read the note of {commit!r} in {ref}: {stderr_text(proc)}", file=str(repo.root)
    )


def append_note(repo: Repo, commit: str, lines: Sequence[str], ref: str = NOTES_REF) -> None:
    """Add ``lines`` at the end of the note on ``commit`` (created when missing).

    The note is rewritten whole (`git notes add -f`), never with `git notes append`,
    which puts a blank line between the old and the new text.
    """
    if not lines:
        return
    for line in lines:
        if "\n" in line or "\r" in line:
            raise ValueError(f"a note line cannot contain a line break: {line!r}")
    oid = resolve(repo, commit)
    body = "".join(f"{line}\n" for line in [*read_note(repo, oid, ref), *lines])
    args = ("notes", "--ref", ref, "add", "-f", "-F", "-", oid)
    proc = repo.run(*args, input=body.encode("utf-8"))
    if proc.returncode != 0 and any(sign in proc.stderr for sign in _NO_IDENTITY):
        proc = repo.run(*_FALLBACK_IDENTITY, *args, input=body.encode("utf-8"))
    if proc.returncode != 0:
        raise CommandError(list(proc.args), proc.returncode, proc.stdout, proc.stderr)


def list_notes(repo: Repo, ref: str = NOTES_REF) -> list[tuple[str, str]]:
    """``(note blob, annotated object)`` for every note; [] when the ref does not exist."""
    proc = repo.run("notes", "--ref", ref, "list")
    if proc.returncode != 0:
        raise GitError(f"cannot list the notes in {ref}: {stderr_text(proc)}", file=str(repo.root))
    pairs: list[tuple[str, str]] = []
    for row in proc.stdout.decode("ascii", errors="replace").splitlines():
        parts = row.split()
        if len(parts) == 2:
            pairs.append((parts[0], parts[1]))
    return pairs


def iter_notes(repo: Repo, ref: str = NOTES_REF) -> Iterator[tuple[str, list[str]]]:
    """``(commit, lines)`` for every note: one `git notes list` and one `cat-file --batch`
    for all the note blobs, however many there are."""
    pairs = list_notes(repo, ref)
    if not pairs:
        return
    from .blobs import BlobReader

    with BlobReader(repo) as reader:
        blobs = reader.read_many(blob for blob, _ in pairs)
    for blob, obj in pairs:
        yield obj, _lines(blobs[blob])

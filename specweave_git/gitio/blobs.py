"""Blob contents: one ``git cat-file --batch`` process for many blobs, plus work-tree files."""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Iterable
from types import TracebackType
from typing import IO, Literal

from ..errors import CommandError, GitError
from .changes import FileChange
from .repo import Repo
from .run import clean_env

_SMALL_REQUEST = 4096  # a pipe holds at least one 4 KiB page on the systems we run on
_OID = re.compile(r"\A(?:[0-9a-f]{40}|[0-9a-f]{64})\Z")


class BlobReader:
    """``with BlobReader(repo) as r: r.read(oid)`` / ``r.read_many(oids)``.

    One process serves every request: a hook that needs twenty blobs pays one git start
    (DESIGN §11), not twenty.
    """

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._cmd = ["git", "cat-file", "--batch"]

    def __enter__(self) -> BlobReader:
        # Imported here: a warm check that reads no blob must not pay for tempfile.
        import tempfile

        self._stderr = tempfile.TemporaryFile()  # closed in close()
        try:
            self._proc = subprocess.Popen(
                self._cmd,
                cwd=self.repo.root,
                env=clean_env(env_extra=self.repo.env),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as e:
            self.close()
            raise GitError(f"cannot start `git cat-file --batch`: {e}") from e
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                if proc.stdin:
                    proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def read(self, oid: str) -> bytes:
        """The content of blob ``oid``; a missing object is a ``GitError`` naming it."""
        return self.read_many([oid])[oid]

    def read_many(self, oids: Iterable[str]) -> dict[str, bytes]:
        """Contents of many blobs: every request is written, then every answer read."""
        wanted = list(dict.fromkeys(oids))
        for oid in wanted:
            if not _OID.match(oid):
                raise GitError(f"invalid object id {oid!r}", file=str(self.repo.root))
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise RuntimeError("BlobReader used outside its `with` block")
        request = "".join(f"{oid}\n" for oid in wanted).encode()
        # Write from a thread: git answers while we are still asking, and a large answer
        # would fill the pipe and deadlock a writer that never reads.
        # A request smaller than any pipe buffer cannot block: no thread for it.
        errors: list[OSError] = []
        writer = None
        if len(request) <= _SMALL_REQUEST:
            _write(proc.stdin, request, errors)
        else:
            import threading

            writer = threading.Thread(
                target=_write, args=(proc.stdin, request, errors), daemon=True
            )
            writer.start()
        result: dict[str, bytes] = {}
        problems: list[str] = []
        try:
            # Read every answer even after a problem, so the process stays in step and the
            # reader remains usable.
            for oid in wanted:
                kind, data = self._answer(proc.stdout, oid)
                if kind == "missing":
                    problems.append(
                        f"object {oid} is missing from the repository (corrupt or shallow?)"
                    )
                elif kind != "blob":
                    problems.append(f"object {oid} is a {kind}, not a blob")
                else:
                    result[oid] = data
        except BaseException:
            # We stopped reading: a writer blocked on a full pipe would never return.
            proc.kill()
            raise
        finally:
            if writer is not None and writer.is_alive():
                writer.join()
        if errors:
            raise self._failure(f"writing to git failed: {errors[0]}")
        if problems:
            raise GitError("; ".join(problems), file=str(self.repo.root))
        return result

    def _answer(self, out: IO[bytes], oid: str) -> tuple[str, bytes]:
        """One answer: a ``<oid> <type> <size>`` line, the content, a newline; or missing."""
        header = out.readline()
        if not header:
            raise self._failure(f"git stopped answering (at {oid})")
        parts = header.decode(errors="replace").split()
        if len(parts) == 2 and parts[1] == "missing":
            return "missing", b""
        if len(parts) != 3 or parts[0] != oid:
            raise self._failure(f"unexpected answer {header!r} for {oid}")
        size = int(parts[2])
        data = out.read(size + 1)[:-1]
        if len(data) != size:
            raise self._failure(f"short read of {oid}")
        return parts[1], data

    def _failure(self, what: str) -> CommandError:
        err = b""
        if self._stderr is not None:
            self._stderr.seek(0)
            err = self._stderr.read()
        code = self._proc.poll() if self._proc else None
        return CommandError([*self._cmd, f"({what})"], -1 if code is None else code, b"", err)


def _write(stream: IO[bytes], data: bytes, errors: list[OSError]) -> None:
    try:
        stream.write(data)
        stream.flush()
    except OSError as e:  # git died; the reader reports it with git's stderr
        errors.append(e)


def read_contents(
    repo: Repo,
    changes: Iterable[FileChange],
    side: Literal["old", "new"] = "new",
    reader: BlobReader | None = None,
) -> dict[str, bytes]:
    """Contents of one side of many changes, keyed by that side's path.

    Blobs come from the object database in one batch; a change marked ``worktree`` (a
    work-tree file hashed by ``all_files()`` but not stored by git) is read from disk.
    Changes without that side (the old side of an add) are left out.
    """
    from_odb: dict[str, str] = {}  # path -> oid
    result: dict[str, bytes] = {}
    for change in changes:
        if side == "new":
            path, oid = change.path, change.new_blob
        else:
            path, oid = change.old_path or change.path, change.old_blob
        if oid is None:
            continue
        if side == "new" and change.worktree:
            try:
                result[path] = (repo.root / path).read_bytes()
            except OSError as e:
                raise GitError(f"cannot read the work-tree file: {e.strerror}", file=path) from e
        else:
            from_odb[path] = oid
    if from_odb:
        with contextlib.ExitStack() as stack:
            r = reader or stack.enter_context(BlobReader(repo))
            blobs = r.read_many(from_odb.values())
        result.update((path, blobs[oid]) for path, oid in from_odb.items())
    return result

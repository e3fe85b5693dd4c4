"""Lines of a file forwards or backwards, in fixed-size blocks (memory independent of size)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

BLOCK = 256 * 1024


def forward_lines(path: Path, block: int = BLOCK) -> Iterator[bytes]:
    """The non-empty lines of ``path``, first to last, without their newline."""
    with path.open("rb", buffering=block) as fh:
        for raw in fh:
            line = raw.rstrip(b"\r\n")
            if line:
                yield line


def reverse_lines(path: Path, block: int = BLOCK) -> Iterator[bytes]:
    """The non-empty lines of ``path``, last to first, reading ``block`` bytes at a time
    from the end. Memory is one block plus the longest line."""
    with path.open("rb", buffering=0) as fh:
        pos = fh.seek(0, os.SEEK_END)
        carry = b""  # the start of a line whose beginning lies in an earlier block
        while pos > 0:
            step = min(block, pos)
            pos -= step
            fh.seek(pos)
            chunk = fh.read(step) + carry
            parts = chunk.split(b"\n")
            # parts[0] may begin mid-line (unless this is the file's first block).
            carry = parts[0]
            for line in reversed(parts[1:]):
                line = line.rstrip(b"\r")
                if line:
                    yield line
        carry = carry.rstrip(b"\r")
        if carry:
            yield carry


def reverse_bytes_lines(data: bytes) -> Iterator[bytes]:
    """The non-empty lines of ``data`` (a state-ref blob, already in memory), last first."""
    end = len(data)
    while end > 0:
        start = data.rfind(b"\n", 0, end) + 1
        line = data[start:end].rstrip(b"\r")
        if line:
            yield line
        end = start - 1

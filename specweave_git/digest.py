"""Hex digests for cache keys without importing hashlib (the hook's import budget).

``import hashlib`` loads OpenSSL's libcrypto: ~3 ms, a tenth of what the pre-commit
hook may spend importing (DESIGN §11). BLAKE2 is built into CPython (``_blake2``, which
hashlib itself wraps), so cache keys use it. Values compared across versions or
machines (discrepancy fingerprints) keep their own algorithm.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

try:
    from _blake2 import blake2b
except ImportError:  # an interpreter without CPython's built-in module
    from hashlib import blake2b


def digest(*parts: bytes) -> str:
    """64 hex digits of BLAKE2b-256 over the concatenated parts."""
    h = blake2b(digest_size=32)
    for part in parts:
        h.update(part)
    return h.hexdigest()


def sha256_hex(data: bytes) -> str:
    """SHA-256 hex digest, from CPython's built-in module when there is one.

    For values that must stay the same everywhere (discrepancy fingerprints); the
    built-in module gives the same digest as OpenSSL without loading it.
    """
    return str(_sha256()(data).hexdigest())


@functools.cache
def _sha256() -> Any:
    # Resolved once: a failed import is retried on every call otherwise (2,793 findings
    # spent 0.4 s looking for a module this interpreter does not have).
    for name in ("_sha2", "_sha256"):  # Python 3.12+, 3.10-3.11
        try:
            return importlib.import_module(name).sha256
        except (ImportError, AttributeError):
            continue
    import hashlib

    return hashlib.sha256

"""Analyzer versions (parts of every cache key), apart so computing a key imports no analyzer."""

from __future__ import annotations

# Bump whenever the facts format or extraction of that language changes.
JS_ANALYZER_VERSION = "js-2"
PY_ANALYZER_VERSION = "py-3"  # py-3: TypedDict/Protocol interfaces, Enum enums

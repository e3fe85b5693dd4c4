"""Pytest fixtures for FakeAdo, registered for every test by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .ado import FakeAdo
from .base import serve_checked, with_env


@pytest.fixture
def fake_ado() -> Iterator[FakeAdo]:
    """A started FakeAdo (organization ``acme``, Agile project ``widgets``); fails the test
    if a request broke the contract or the fake crashed. ``fake_ado.client()`` gives an
    AdoClient pointed at it (sleeps recorded, not slept)."""
    yield from serve_checked(FakeAdo(), "ADO")


@pytest.fixture
def ado_env(fake_ado: FakeAdo, monkeypatch: pytest.MonkeyPatch) -> FakeAdo:
    """``fake_ado`` with ADO_BASE_URL and AZURE_DEVOPS_PAT pointing at it."""
    return with_env(fake_ado, monkeypatch)

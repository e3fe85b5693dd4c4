"""Pytest fixtures for FakeAdo, registered for every test by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .ado import FakeAdo


@pytest.fixture
def fake_ado() -> Iterator[FakeAdo]:
    """A started FakeAdo (organization ``acme``, Agile project ``widgets``); fails the test
    if a request broke the contract or the fake crashed. ``fake_ado.client()`` gives an
    AdoClient pointed at it (sleeps recorded, not slept)."""
    with FakeAdo() as fake:
        yield fake
        problems = [f"{r.method} {r.path}: {why}" for r, why in fake.invalid]
        crashes = [f"{r.method} {r.path}: {tb}" for r, tb in fake.server.crashes]
    assert not problems, "requests that break the ADO contract:\n" + "\n".join(problems)
    assert not crashes, "the fake ADO crashed:\n" + "\n".join(crashes)


@pytest.fixture
def ado_env(fake_ado: FakeAdo, monkeypatch: pytest.MonkeyPatch) -> FakeAdo:
    """``fake_ado`` with ADO_BASE_URL and AZURE_DEVOPS_PAT pointing at it."""
    for name, value in fake_ado.env().items():
        monkeypatch.setenv(name, value)
    return fake_ado

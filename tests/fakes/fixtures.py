"""Pytest fixtures for the fake servers, registered for every test by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .github import FakeGitHub


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A started FakeGitHub for ``acme/widgets``; fails the test if a request broke the contract.

    ``fake_github.client()`` gives a GitHubClient pointed at it (sleeps recorded, not slept);
    ``fake_github.env()`` the GITHUB_* variables for code that reads the environment.
    """
    with FakeGitHub() as fake:
        yield fake
        problems = [f"{r.method} {r.path}: {why}" for r, why in fake.invalid]
        crashes = [f"{r.method} {r.path}: {tb}" for r, tb in fake.server.crashes]
    assert not problems, "requests that break the GitHub contract:\n" + "\n".join(problems)
    assert not crashes, "the fake GitHub crashed:\n" + "\n".join(crashes)


@pytest.fixture
def github_env(fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    """``fake_github`` with GITHUB_API_URL, GITHUB_TOKEN and GITHUB_REPOSITORY pointing at it."""
    for name, value in fake_github.env().items():
        monkeypatch.setenv(name, value)
    return fake_github

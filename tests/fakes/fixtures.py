"""Pytest fixtures for the fake servers, registered for every test by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .base import serve_checked, with_env
from .github import FakeGitHub


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A started FakeGitHub for ``acme/widgets``; fails the test if a request broke the contract.

    ``fake_github.client()`` gives a GitHubClient pointed at it (sleeps recorded, not slept);
    ``fake_github.env()`` the GITHUB_* variables for code that reads the environment.
    """
    yield from serve_checked(FakeGitHub(), "GitHub")


@pytest.fixture
def github_env(fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    """``fake_github`` with GITHUB_API_URL, GITHUB_TOKEN and GITHUB_REPOSITORY pointing at it."""
    return with_env(fake_github, monkeypatch)

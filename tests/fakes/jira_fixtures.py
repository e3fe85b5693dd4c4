"""Pytest fixtures for the fake JIRA, registered for every test by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .base import EMPTY_ANSWER, serve_checked, with_env
from .jira import FakeJira

__all__ = ["EMPTY_ANSWER", "fake_jira", "jira_env"]


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    """A started FakeJira (project ``PROJ``); fails the test if a request broke the
    contract, a response broke it (timestamps included) or the fake crashed.

    ``fake_jira.client()`` gives a JiraClient pointed at it (sleeps recorded, not slept);
    ``fake_jira.env()`` the JIRA_* variables for code that reads the environment.
    """
    yield from serve_checked(FakeJira(), "JIRA")


@pytest.fixture
def jira_env(fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch) -> FakeJira:
    """``fake_jira`` with JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN pointing at it."""
    return with_env(fake_jira, monkeypatch)

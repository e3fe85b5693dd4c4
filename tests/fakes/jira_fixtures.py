"""Pytest fixtures for the fake JIRA, registered for every test by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .jira import FakeJira

EMPTY_ANSWER = "MissingData: Missing response data"


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    """A started FakeJira (project ``PROJ``); fails the test if a request broke the
    contract, a response broke it (timestamps included) or the fake crashed.

    ``fake_jira.client()`` gives a JiraClient pointed at it (sleeps recorded, not slept);
    ``fake_jira.env()`` the JIRA_* variables for code that reads the environment.
    """
    with FakeJira() as fake:
        yield fake
        problems = [f"{r.method} {r.path}: {why}" for r, why in fake.invalid]
        # The contract gives 201/204 answers a JSON schema ({}) although JIRA sends no
        # body: "missing response data" of an empty answer is the document's quirk.
        answers = [
            f"{r.method} {r.path}: {why}"
            for r, why in fake.server.invalid_responses
            if why != EMPTY_ANSWER
        ]
        crashes = [f"{r.method} {r.path}: {tb}" for r, tb in fake.server.crashes]
    assert not problems, "requests that break the JIRA contract:\n" + "\n".join(problems)
    assert not answers, "fake JIRA answers that break the contract:\n" + "\n".join(answers)
    assert not crashes, "the fake JIRA crashed:\n" + "\n".join(crashes)


@pytest.fixture
def jira_env(fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch) -> FakeJira:
    """``fake_jira`` with JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN pointing at it."""
    for name, value in fake_jira.env().items():
        monkeypatch.setenv(name, value)
    return fake_jira

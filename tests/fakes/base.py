"""What FakeGitHub, FakeJira and FakeAdo share: lifecycle, request log, checked fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from .server import CONTRACTS, ContractServer, Reply, Request

_Fake = TypeVar("_Fake", bound="FakeService")

# The JIRA contract gives 201/204 answers a JSON schema ({}) although JIRA sends no body:
# "missing response data" of an empty answer is the document's quirk, not the fake's.
EMPTY_ANSWER = "MissingData: Missing response data"


class FakeService:
    """A fake tracker served by one ContractServer (``self.server``) on ``self.url``;
    clients it makes record their sleeps in ``self.sleeps`` instead of sleeping."""

    server: ContractServer
    sleeps: list[float]

    def _serve(
        self, contract: str, handler: Callable[[Request], Reply], *, seed: int, validate: bool
    ) -> None:
        self.server = ContractServer(
            CONTRACTS / contract, handler, seed=seed, validate_responses=validate
        )
        self.sleeps = []

    def start(self: _Fake) -> _Fake:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self: _Fake) -> _Fake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    @property
    def invalid(self) -> list[tuple[Request, str]]:
        return self.server.invalid

    def env(self) -> dict[str, str]:
        raise NotImplementedError


def serve_checked(fake: _Fake, name: str) -> Iterator[_Fake]:
    """Serve ``fake`` for one test (a fixture's body); afterwards fail the test if a
    request broke the contract, a validated answer did, or the fake crashed."""
    with fake:
        yield fake
        problems = [f"{r.method} {r.path}: {why}" for r, why in fake.invalid]
        answers = [
            f"{r.method} {r.path}: {why}"
            for r, why in fake.server.invalid_responses
            if why != EMPTY_ANSWER
        ]
        crashes = [f"{r.method} {r.path}: {tb}" for r, tb in fake.server.crashes]
    assert not problems, f"requests that break the {name} contract:\n" + "\n".join(problems)
    assert not answers, f"fake {name} answers that break the contract:\n" + "\n".join(answers)
    assert not crashes, f"the fake {name} crashed:\n" + "\n".join(crashes)


def with_env(fake: _Fake, monkeypatch: pytest.MonkeyPatch) -> _Fake:
    """``fake`` with the variables of its ``env()`` set for the test."""
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    return fake

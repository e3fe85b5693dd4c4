"""Errors of the HTTP layer: typed, with a hint, and never carrying a header or token."""

from __future__ import annotations

from ..errors import SpecweaveError


class NetError(SpecweaveError):
    """Base of every network failure (exit 3 unless the CLI says otherwise)."""

    hint: str | None = None


class NetworkError(NetError):
    """No HTTP answer at all: connection refused or reset, DNS failure, timeout."""

    def __init__(self, method: str, path: str, reason: str, *, attempts: int = 1) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        self.attempts = attempts
        self.hint = "check the network and the API URL (GITHUB_API_URL for GitHub)"
        super().__init__(str(self))

    def __str__(self) -> str:
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"{self.method} {self.path}: {self.reason}{tries}"


class HttpError(NetError):
    """An HTTP answer we do not accept: status, the server's ``message``, when to retry."""

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        message: str,
        retry_after: float | None = None,
        *,
        hint: str | None = None,
        documentation_url: str | None = None,
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.message = message
        self.retry_after = retry_after
        self.documentation_url = documentation_url
        if hint is not None:
            self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.method} {self.path}: HTTP {self.status}"
        if self.message:
            text += f": {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class Unauthorized(HttpError):
    """401: the token is missing, wrong or expired."""

    hint = "the token was rejected: check that it is set and has not expired"


class Forbidden(HttpError):
    """403 that is not a rate limit: the token lacks a permission (fork PRs are read-only)."""

    hint = "the token lacks a permission; pull requests from forks get a read-only token"


class NotFound(HttpError):
    """404 (GitHub also answers 404 for what the token may not see)."""

    hint = "it does not exist, or the token cannot see it"


class RateLimited(HttpError):
    """A rate limit whose wait exceeds what the client may sleep; ``reset_at`` is epoch s."""

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        message: str,
        retry_after: float | None = None,
        *,
        reset_at: float,
        hint: str | None = None,
    ) -> None:
        self.reset_at = reset_at
        super().__init__(
            status,
            method,
            path,
            message,
            retry_after,
            hint=hint or "rate limited: run again later or lower the operation budget",
        )

"""What every tracker client shares: its HttpClient, a repr that hides the token, close."""

from __future__ import annotations

from typing import Any, TypeVar

from .http import HttpClient
from .secret import REDACTED, Secret

_Client = TypeVar("_Client", bound="ApiClient")


class ApiClient:
    """Base of GitHubClient, JiraClient and AdoClient: each sets ``base_url``, ``token``
    and ``http`` (through :meth:`_connect`) and says what its repr shows."""

    base_url: str
    token: Secret | None
    http: HttpClient

    def _connect(
        self,
        client: HttpClient | None,
        *,
        auth: Secret | None,
        headers: dict[str, str],
        http_options: dict[str, Any],
        cls: type[HttpClient] = HttpClient,
        **extra: Any,
    ) -> None:
        """Use ``client`` (shared or instrumented, in tests) or build one for ``base_url``."""
        self.http = client or cls(
            self.base_url, auth=auth, headers=headers, **extra, **http_options
        )

    def _describe(self) -> str:
        """What the repr shows before the (redacted) token."""
        return f"{self.full_name}, {self.base_url!r}"

    @property
    def full_name(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        token = REDACTED if self.token else None
        return f"{type(self).__name__}({self._describe()}, token={token})"

    def __enter__(self: _Client) -> _Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

"""One HTTP client for the trackers: timeouts, retries, rate limits, pagination, ETags."""

from __future__ import annotations

import json as jsonlib
import random
import re
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from .. import __version__
from ..log import get_logger
from .errors import Forbidden, HttpError, NetworkError, NotFound, RateLimited, Unauthorized
from .secret import REDACTED, Secret, as_secret, redact

if TYPE_CHECKING:  # httpx costs ~160 ms to import: only a client that is built pays for it
    import httpx

log = get_logger("specweave_git.net")

DEFAULT_USER_AGENT = f"specweave-git/{__version__}"

# Methods a server may safely receive twice. POST is not one of them: a 502 or a read
# timeout after GitHub accepted "create issue" would make a duplicate on retry, so POST
# is retried only when the request certainly never arrived (connect failure) or was
# refused for a rate limit; callers find-before-create (DESIGN §8) and the outbox replays.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})

# GitHub asks to wait at least a minute after a secondary rate limit without Retry-After:
# https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
SECONDARY_LIMIT_WAIT = 60.0


@dataclass
class Response:
    """A finished response, independent of httpx: status, lower-cased headers, body."""

    status: int
    headers: dict[str, str]
    content: bytes
    url: str
    from_cache: bool = False

    def json(self) -> Any:
        return jsonlib.loads(self.content) if self.content else None

    @property
    def links(self) -> dict[str, str]:
        return parse_link(self.headers.get("link", ""))


@dataclass
class Stats:
    """What a client sent, for benchmarks and budgets: ``stats["GET"]``, ``stats.total``."""

    requests: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    not_modified: int = 0
    slept: float = 0.0

    def __getitem__(self, method: str) -> int:
        return self.requests[method.upper()]

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    @property
    def writes(self) -> int:
        return sum(n for m, n in self.requests.items() if m not in ("GET", "HEAD"))


_LINK = re.compile(r"<([^>]*)>([^<]*)")
_REL = re.compile(r"""rel\s*=\s*"?([^";,]+)"?""")


def parse_link(header: str) -> dict[str, str]:
    """``Link: <u1>; rel="next", <u2>; rel="last"`` -> ``{"next": u1, "last": u2}``."""
    links: dict[str, str] = {}
    for url, params in _LINK.findall(header):
        for rels in _REL.findall(params):
            for rel in rels.split():
                links.setdefault(rel, url)
    return links


def parse_retry_after(value: str, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta seconds or an HTTP date)."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT by definition
        import datetime as dt

        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, when.timestamp() - now)


class HttpClient:
    """One ``httpx.Client`` per instance; every request goes through :meth:`request`."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: Secret | str | None = None,
        auth_scheme: str = "Bearer",
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        etag_cache_size: int = 256,
    ) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        self._auth = as_secret(auth)
        self._auth_scheme = auth_scheme
        self._default_headers = {"User-Agent": user_agent, **(headers or {})}
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_wait = max_wait
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._etags: OrderedDict[str, Response] = OrderedDict()
        self._etag_cache_size = etag_cache_size
        self.stats = Stats()
        origin = urlsplit(self.base_url)
        self._origin = (origin.scheme, origin.netloc)
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            # httpx drops Authorization when a redirect leaves the origin.
            follow_redirects=True,
        )

    def __repr__(self) -> str:
        auth = REDACTED if self._auth else None
        return f"HttpClient({self.base_url!r}, auth={auth})"

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # -- building a request -------------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def _headers(self, url: str, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {**self._default_headers, **(extra or {})}
        parts = urlsplit(url)
        # The token goes only to the API's own origin, never to a URL a response named.
        if self._auth and (parts.scheme, parts.netloc) == self._origin:
            value = self._auth.reveal()
            if self._auth_scheme.lower() == "basic":
                import base64

                value = base64.b64encode(value.encode()).decode()
            headers["Authorization"] = f"{self._auth_scheme} {value}"
        return headers

    def _redact(self, text: str) -> str:
        return redact(text, [self._auth])

    # -- sending ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        use_etag: bool = True,
    ) -> Response:
        """Send, retrying what may be retried; a status >= 400 raises an ``HttpError``."""
        import httpx

        method = method.upper()
        url = self._url(path)
        shown = self._redact(urlsplit(url).path)
        clean = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        key = f"{url}?{urlencode(sorted(clean.items()))}"
        send_headers = self._headers(url, headers)
        cached = self._etags.get(key) if method == "GET" and use_etag else None
        if cached is not None:
            send_headers["If-None-Match"] = cached.headers["etag"]
        attempt = 0
        while True:
            self.stats.requests[method] += 1
            started = self._clock()
            try:
                # params=None, not {}: httpx drops a URL's own query for an empty dict,
                # and a "next" link carries its page in the query.
                raw = self._client.request(
                    method, url, params=clean or None, json=json, headers=send_headers
                )
            except httpx.TransportError as exc:
                reason = self._redact(f"{type(exc).__name__}: {exc}".rstrip(": "))
                unsent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
                if attempt >= self.retries or not (unsent or method in IDEMPOTENT):
                    raise NetworkError(method, shown, reason, attempts=attempt + 1) from None
                self._wait(self._backoff(attempt), f"{method} {shown}: {reason}")
                attempt += 1
                continue
            resp = Response(
                raw.status_code,
                {k.lower(): v for k, v in raw.headers.items()},
                raw.content,
                str(raw.url),
            )
            log.debug(
                "%s %s -> %s in %d ms",
                method,
                shown,
                resp.status,
                int((self._clock() - started) * 1000),
            )
            if resp.status == 304 and cached is not None:
                self.stats.not_modified += 1
                return replace(cached, from_cache=True)
            if resp.status < 400:
                if method == "GET" and use_etag and "etag" in resp.headers:
                    self._remember(key, resp)
                return resp
            wait = self._rate_limit_wait(resp)
            if wait is not None:
                if wait > self.max_wait or attempt >= self.retries:
                    raise self._rate_limited(resp, method, shown, wait)
                self._wait(wait, f"{method} {shown}: rate limited (HTTP {resp.status})")
                attempt += 1
                continue
            if resp.status >= 500 and method in IDEMPOTENT and attempt < self.retries:
                self._wait(self._backoff(attempt), f"{method} {shown}: HTTP {resp.status}")
                attempt += 1
                continue
            raise self._error(resp, method, shown)

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def paginate(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        items_key: str | None = None,
        max_pages: int | None = None,
    ) -> Iterator[Any]:
        """Every item of every page, following ``Link: <...>; rel="next"``."""
        url: str | None = path
        page_params = params
        pages = 0
        seen: set[str] = set()
        while url is not None and (max_pages is None or pages < max_pages):
            if url in seen:  # a server linking back to a page it sent: stop, not loop
                break
            seen.add(url)
            resp = self.request("GET", url, params=page_params)
            data = resp.json()
            if items_key is not None and isinstance(data, dict):
                data = data.get(items_key, [])
            yield from data if isinstance(data, list) else [data]
            pages += 1
            # The next link carries every query parameter already.
            url, page_params = resp.links.get("next"), None

    # -- retries and errors -------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter ("equal jitter": half fixed, half random)."""
        delay = min(self.max_backoff, self.backoff * (2.0**attempt))
        return delay / 2 + self._rng.uniform(0, delay / 2)

    def _wait(self, seconds: float, why: str) -> None:
        self.stats.retries += 1
        self.stats.slept += seconds
        log.info("%s; retrying in %.1f s", why, seconds)
        self._sleep(seconds)

    def _rate_limit_wait(self, resp: Response) -> float | None:
        """Seconds a rate limit asks us to wait, or None when ``resp`` is no rate limit."""
        if resp.status not in (403, 429, 503):
            return None
        now = self._clock()
        if "retry-after" in resp.headers:
            wait = parse_retry_after(resp.headers["retry-after"], now)
            if wait is not None:
                return wait
        reset = resp.headers.get("x-ratelimit-reset")
        if resp.headers.get("x-ratelimit-remaining") == "0" and reset and resp.status != 503:
            try:
                # One second more: the reset time is rounded down to the second.
                return max(0.0, float(reset) - now) + 1.0
            except ValueError:
                pass
        if resp.status in (403, 429) and "rate limit" in _message(resp).lower():
            return SECONDARY_LIMIT_WAIT
        if resp.status == 429:
            return self.backoff
        return None

    def _rate_limited(self, resp: Response, method: str, path: str, wait: float) -> RateLimited:
        reset_at = self._clock() + wait
        return RateLimited(
            resp.status,
            method,
            path,
            self._redact(_message(resp)) or "rate limited",
            wait,
            reset_at=reset_at,
            hint=f"rate limited for {wait:.0f} s more (until {time.ctime(reset_at)}); "
            "run again later or lower the operation budget",
        )

    def _error(self, resp: Response, method: str, path: str) -> HttpError:
        message = self._redact(_message(resp))
        doc = _json_field(resp, "documentation_url")
        cls: type[HttpError] = {401: Unauthorized, 403: Forbidden, 404: NotFound}.get(
            resp.status, HttpError
        )
        return cls(resp.status, method, path, message, documentation_url=doc or None)

    def _remember(self, key: str, resp: Response) -> None:
        self._etags[key] = resp
        self._etags.move_to_end(key)
        while len(self._etags) > self._etag_cache_size:
            self._etags.popitem(last=False)


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _json_field(resp: Response, name: str) -> str:
    try:
        data = resp.json()
    except ValueError:
        return ""
    value = data.get(name) if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def _message(resp: Response) -> str:
    """The server's own explanation: GitHub's ``message`` (+ validation errors) or text."""
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        message = str(data.get("message") or data.get("error") or "")
        details = []
        for err in data.get("errors") or []:
            if isinstance(err, dict):
                bits = [str(err[k]) for k in ("resource", "field", "code", "message") if k in err]
                details.append(" ".join(bits))
            else:
                details.append(str(err))
        if details:
            message += ": " + "; ".join(details)
        return message[:500]
    text = resp.content.decode("utf-8", "replace").strip()
    return " ".join(text.split())[:200]

"""A loopback HTTP server that validates every request against an OpenAPI contract."""

# Generic: a handler function answers; this module records, validates, injects faults.
# Invalid requests are answered 400 and kept in ``server.invalid`` so a test can assert
# ``server.invalid == []``. openapi-core is imported on first use, not at import.

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

CONTRACTS = Path("/work/shared/contracts")


@dataclass
class Request:
    """One request as the server saw it (query values are lists, like ``parse_qs``)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    status: int = 0  # filled in when answered

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


@dataclass
class Fault:
    status: int = 500  # 0 drops the connection without an answer
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    match: str | None = None  # only requests whose "METHOD /path" contains this


@cache
def load_contract(path: str) -> Any:
    """The parsed OpenAPI document, loaded once per test session (it takes ~0.5 s)."""
    from openapi_core import OpenAPI

    document = json.loads(Path(path).read_text(encoding="utf-8"))
    _allow_null_alternatives(document)
    return OpenAPI.from_dict(document, config=_config())


def _config() -> Any:
    """openapi-core reads ``application/json-patch+json`` (ADO's create and update body)
    as raw bytes unless told it is JSON (contracts/README.md)."""
    from openapi_core import Config
    from openapi_core.deserializing.media_types.util import json_loads

    return Config(extra_media_type_deserializers={"application/json-patch+json": json_loads})


def _allow_null_alternatives(node: Any) -> None:
    """Make ``{"nullable": true, "oneOf": [...]}`` accept null, as OpenAPI 3.0 means it.

    openapi-schema-validator applies ``nullable`` only next to a ``type``, so GitHub's own
    way to clear an issue's milestone (``"milestone": null``) would be reported invalid;
    likewise a nullable ``enum`` gets ``null`` (a check run's ``conclusion`` is null
    until it completes).
    """
    if isinstance(node, dict):
        if node.get("nullable") is True and None not in node.get("enum", [None]):
            node["enum"] = [*node["enum"], None]
        if node.get("nullable") is True and "type" not in node:
            for key in ("oneOf", "anyOf"):
                if key in node:
                    node[key].append({"nullable": True, "enum": [None]})
        for value in node.values():
            _allow_null_alternatives(value)
    elif isinstance(node, list):
        for value in node:
            _allow_null_alternatives(value)


def _contract_request(req: Request, host_url: str) -> Any:
    from openapi_core.testing import MockRequest

    # Decode %24 ("$") and friends as the README says, but keep an encoded slash inside
    # one segment (a label named "area/api") from becoming a path separator.
    path = unquote(req.path.replace("%2F", "%252F").replace("%2f", "%252f"))
    return MockRequest(
        host_url,
        req.method.lower(),
        path,
        args={k: v[0] for k, v in req.query.items()},
        headers=req.headers,
        data=req.body or None,
        content_type=req.headers.get("content-type", "application/json"),
    )


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a read-timeout test) leaves a broken pipe behind; that
        # is the point of the test, not a failure worth a traceback on stderr.
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class ContractServer:
    """ThreadingHTTPServer on 127.0.0.1:<free port>, in a thread, validating requests."""

    def __init__(
        self,
        contract: str | Path,
        handler: Callable[[Request], Reply],
        *,
        seed: int = 0,
        validate_responses: bool = False,
    ) -> None:
        self.contract_path = str(contract)
        self.handler = handler
        self.validate_responses = validate_responses
        self.requests: list[Request] = []
        self.invalid: list[tuple[Request, str]] = []
        self.invalid_responses: list[tuple[Request, str]] = []
        self.crashes: list[tuple[Request, str]] = []  # the handler raised: a bug in the fake
        self.faults: list[Fault] = []
        self.error_rate = 0.0
        self.error_status = 502
        self.delay = 0.0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.api = load_contract(self.contract_path)
        with (self.api.spec / "servers").open() as servers:
            servers = list(servers) or [{"url": "http://localhost"}]
        # The contract's server URL, so paths match whatever port we listen on.
        self.host_url = servers[0]["url"].rstrip("/")

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> ContractServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                outer._serve(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = _QuietServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ContractServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- fault injection --------------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        match: str | None = None,
    ) -> None:
        """The next ``n`` (matching) requests are answered ``status`` (0: connection drop)."""
        body = {"message": "injected failure"} if body is None and status else body
        for _ in range(n):
            self.faults.append(Fault(status, body, dict(headers or {}), match=match))

    def rate_limit_next(
        self, n: int = 1, *, retry_after: str = "1", status: int = 429, match: str | None = None
    ) -> None:
        body = {"message": "You have exceeded a secondary rate limit."}
        self.fail_next(n, status, body=body, headers={"Retry-After": retry_after}, match=match)

    def delay_next(self, seconds: float, n: int = 1, *, then_status: int = 0) -> None:
        """Hold the next ``n`` requests ``seconds`` before answering normally (``then_status``
        0) or with a status: a way to trip a client's read timeout."""
        for _ in range(n):
            self.faults.append(Fault(then_status, {"message": "slow"}, delay=seconds))

    def set_error_rate(self, rate: float, status: int = 502) -> None:
        """Answer a random share of requests ``status`` (seeded: the same run each time)."""
        self.error_rate, self.error_status = rate, status

    def count(self, method: str | None = None, path_contains: str = "") -> int:
        return sum(
            1
            for r in list(self.requests)
            if (method is None or r.method == method.upper()) and path_contains in r.path
        )

    # -- serving ----------------------------------------------------------------------------

    def _take_fault(self, req: Request) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self.faults):
                if fault.match is None or fault.match in f"{req.method} {req.path}":
                    return self.faults.pop(i)
            if self.error_rate and self._rng.random() < self.error_rate:
                return Fault(self.error_status, {"message": "injected random failure"})
        return None

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        req = Request(
            h.command,
            parts.path,
            parse_qs(parts.query, keep_blank_values=True),
            {k.lower(): v for k, v in h.headers.items()},
            h.rfile.read(length) if length else b"",
        )
        with self._lock:
            self.requests.append(req)
        errors = self._validate(req)
        fault = self._take_fault(req)
        if self.delay:
            time.sleep(self.delay)
        if errors:
            self.invalid.append((req, errors))
            reply = Reply(400, {"message": f"contract violation: {errors}"})
        elif fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status == 0 and not fault.delay:
                req.status = 0
                h.close_connection = True
                return  # no answer: the client sees the connection end
            reply = (
                Reply(fault.status, fault.body, dict(fault.headers))
                if fault.status
                else self._call_handler(req)
            )
        else:
            reply = self._call_handler(req)
        req.status = reply.status
        if self.validate_responses and reply.status < 300:
            self._validate_response(req, reply)
        self._send(h, reply)

    def _call_handler(self, req: Request) -> Reply:
        try:
            return self.handler(req)
        except Exception as exc:
            import traceback

            self.crashes.append((req, traceback.format_exc()))
            return Reply(500, {"message": f"fake server crashed: {type(exc).__name__}: {exc}"})

    def _send(self, h: BaseHTTPRequestHandler, reply: Reply) -> None:
        data = reply.encode()
        h.send_response(reply.status)
        headers = {k.lower(): v for k, v in reply.headers.items()}
        if data and "content-type" not in headers:
            h.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in reply.headers.items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)

    def _validate(self, req: Request) -> str:
        errors = list(self.api.iter_request_errors(_contract_request(req, self.host_url)))
        return "; ".join(_explain(e) for e in errors)

    def _validate_response(self, req: Request, reply: Reply) -> None:
        from openapi_core.testing import MockResponse

        response = MockResponse(
            reply.encode(),
            status_code=reply.status,
            headers=reply.headers,
            content_type="application/json" if reply.body is not None else "",
        )
        contract_req = _contract_request(req, self.host_url)
        errors = list(self.api.iter_response_errors(contract_req, response))
        if errors:
            self.invalid_responses.append((req, "; ".join(_explain(e) for e in errors)))


def _explain(exc: BaseException) -> str:
    """An openapi-core error with the schema errors behind it (they sit in ``__cause__``)."""
    cause = exc.__cause__
    detail = getattr(cause, "schema_errors", None) or getattr(exc, "schema_errors", None)
    if detail:
        found = [
            f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message[:300]}"
            for e in detail
        ]
        return f"{type(exc).__name__}: " + "; ".join(found)
    return f"{type(exc).__name__}: {exc}" + (f" [{cause}]" if cause is not None else "")

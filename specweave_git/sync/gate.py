"""The permission gate: the one way a provider call reaches an external system (DESIGN §8).

``decide`` is the pure rule. A :class:`Gate`, built once per run, runs every call
through it, records the decision and the outcome in the audit log and counts them.
Providers never hold a raw client: they get a :class:`GatedClient`, whose methods are
``Gate.call`` wrappers of the raw client's.

The rule, checked in this order (the first that denies gives the reason):

1. platform ``living-docs`` (local files this tool owns): always allowed.
2. ``hook`` context: denied, reads too; nothing touches the network in a hook.
3. legacy flags: ``SKIP_EXTERNAL_SYNC`` and ``SKIP_US_SYNC`` deny every external call,
   ``SKIP_GITHUB_SYNC`` every GitHub call (reads too: the user asked us to stay away).
4. no ``sync.orchestration.permissions.<platform>`` block: denied.
5. the operation's flags, all of which must be true (every false one is named):

   ==================  ===========================================================
   read                permissions.<p>.canRead
   upsert-internal     settings.canUpsertInternalItems + permissions.<p>.canUpsert
   upsert-external     settings.canUpdateExternalItems + permissions.<p>.canUpsert
   update-status       settings.canUpdateStatus + permissions.<p>.canUpdateStatus
   delete              permissions.<p>.canDelete + the ownership flag of the item
                       (canUpsertInternalItems, or canUpdateExternalItems for an
                       external item): deleting is the strongest write, so it needs
                       the platform's explicit canDelete *and* the right to write
                       that item at all.
   ==================  ===========================================================

An item whose id ends in ``E`` (``FS-012E``, ``US-004E``) was created outside
SpecWeave: an ``upsert-internal`` of it is judged as ``upsert-external``, so a caller
cannot write an external item under the internal flag. A status change needs only the
status flags, for internal and external items alike (SpecWeave's meaning of
``canUpdateStatus``). Without a valid config (``settings`` is None) every write is
denied: read only.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeAlias, TypeVar

from ..config.model import PLATFORMS, Config, PlatformPermissions, SyncSettings
from ..context import Context
from ..log import get_logger
from ..record import FrozenRecord, set_field

if TYPE_CHECKING:
    from ..net.secret import Secret

log = get_logger(__name__)

T = TypeVar("T")

Operation = Literal["read", "upsert-internal", "upsert-external", "update-status", "delete"]
OPERATIONS: tuple[Operation, ...] = (
    "read",
    "upsert-internal",
    "upsert-external",
    "update-status",
    "delete",
)
WRITES: frozenset[str] = frozenset(OPERATIONS[1:])
LIVING_DOCS = "living-docs"
# Legacy flag -> the platforms it stops (None: every external platform).
SKIP_SCOPE: Mapping[str, frozenset[str] | None] = MappingProxyType(
    {"SKIP_EXTERNAL_SYNC": None, "SKIP_US_SYNC": None, "SKIP_GITHUB_SYNC": frozenset({"github"})}
)
RESULTS = ("success", "denied", "error", "dry-run")

# SpecWeave marks items created elsewhere with an E after the number: FS-012E, US-004E,
# AC-US1-01E. Ids are upper case; anything else (an issue number, None) is ours.
_EXTERNAL_ID = re.compile(r"\A[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+E\Z")

_SETTING = "sync.settings."
_READ_ONLY = "denied: no valid sync config (missing or invalid), so read only"


def is_external_item(item_id: str | None) -> bool:
    """True for a SpecWeave id with the external ``E`` suffix (``US-004E``)."""
    return item_id is not None and _EXTERNAL_ID.match(item_id) is not None


class Decision(FrozenRecord):
    __slots__ = ("allowed", "reason")

    allowed: bool
    reason: str  # "allowed: ..." or "denied: ...", naming the flags that decided

    def __init__(self, allowed: bool, reason: str) -> None:
        set_field(self, "allowed", allowed)
        set_field(self, "reason", reason)


class Flags(FrozenRecord):
    """What the gate reads from the config: ``settings`` None means read only."""

    __slots__ = ("permissions", "settings", "source")

    settings: SyncSettings | None
    permissions: Mapping[str, PlatformPermissions]
    source: str  # where the flags came from, for messages

    def __init__(
        self,
        settings: SyncSettings | None,
        permissions: Mapping[str, PlatformPermissions],
        source: str,
    ) -> None:
        set_field(self, "settings", settings)
        set_field(self, "permissions", permissions)
        set_field(self, "source", source)


READ_ONLY_PERMISSIONS = PlatformPermissions(
    can_read=True, can_upsert=False, can_update_status=False, can_delete=False
)


def effective_flags(config: Config | None) -> Flags:
    """The flags of ``config``; None (config missing or invalid) gives read only.

    A repository without a config file loads as every default, which is read only
    too (all three settings default false), but names the flags to turn on.
    """
    if config is None:
        perms = MappingProxyType({p: READ_ONLY_PERMISSIONS for p in PLATFORMS})
        return Flags(None, perms, "no valid config: read only")
    source = str(config.path) if config.path is not None else "defaults (no config file)"
    return Flags(config.settings, config.permissions, source)


def decide(
    op: Operation,
    platform: str,
    item: str | None,
    *,
    settings: SyncSettings | None,
    permissions: Mapping[str, PlatformPermissions],
    context: Context,
) -> Decision:
    """May ``op`` on ``item`` at ``platform`` run? Pure; the module docstring has the rule."""
    if op not in OPERATIONS:
        raise ValueError(f"unknown operation {op!r}; expected one of {', '.join(OPERATIONS)}")
    if platform == LIVING_DOCS:
        return Decision(True, "allowed: living docs are local files this tool owns")
    if not context.network_allowed:
        return Decision(False, f"denied: {context.name} context: nothing touches the network")
    for flag in context.skip_flags:
        scope = SKIP_SCOPE.get(flag)
        if scope is None or platform in scope:
            return Decision(False, f"denied: {flag} is set")
    perms = permissions.get(platform)
    if perms is None:
        return Decision(False, f"denied: no sync.orchestration.permissions.{platform} block")
    external = is_external_item(item)
    note = ""
    if op == "upsert-internal" and external:
        op = "upsert-external"
        note = f" ({item} is external: E suffix)"
    perm = f"sync.orchestration.permissions.{platform}."
    needed: list[tuple[str, bool]] = []
    if op == "read":
        needed.append((perm + "canRead", perms.can_read))
    elif settings is None:
        return Decision(False, _READ_ONLY + note)
    elif op == "upsert-internal":
        needed.append((_SETTING + "canUpsertInternalItems", settings.can_upsert_internal_items))
        needed.append((perm + "canUpsert", perms.can_upsert))
    elif op == "upsert-external":
        needed.append((_SETTING + "canUpdateExternalItems", settings.can_update_external_items))
        needed.append((perm + "canUpsert", perms.can_upsert))
    elif op == "update-status":
        needed.append((_SETTING + "canUpdateStatus", settings.can_update_status))
        needed.append((perm + "canUpdateStatus", perms.can_update_status))
    else:  # delete
        needed.append((perm + "canDelete", perms.can_delete))
        if external:
            needed.append((_SETTING + "canUpdateExternalItems", settings.can_update_external_items))
        else:
            needed.append((_SETTING + "canUpsertInternalItems", settings.can_upsert_internal_items))
    false = [name for name, value in needed if not value]
    if false:
        return Decision(False, "denied: " + "; ".join(f"{n} is false" for n in false) + note)
    names = " and ".join(name for name, _ in needed)
    return Decision(True, f"allowed: {names} {'is' if len(needed) == 1 else 'are'} true{note}")


# --- the gate --------------------------------------------------------------------------


class AuditSink(Protocol):
    """What the gate needs of the audit log (``sync.audit.AuditLog`` is one)."""

    def record(
        self,
        *,
        kind: str,
        platform: str,
        operation: str,
        item: str | None,
        decision: str,
        reason: str,
        result: str | None,
        duration_ms: float | None = None,
        call: str | None = None,
        error: str | None = None,
    ) -> Mapping[str, Any]: ...


class GateOutcome(FrozenRecord, Generic[T]):
    """What became of one call. ``value`` is the call's return value on success."""

    __slots__ = (
        "decision",
        "duration_ms",
        "error",
        "item",
        "operation",
        "platform",
        "result",
        "value",
    )

    platform: str
    operation: str
    item: str | None
    decision: Decision
    result: str  # success | denied | error | dry-run
    value: T | None
    duration_ms: float | None
    error: str | None  # redacted

    def __init__(
        self,
        platform: str,
        operation: str,
        item: str | None,
        decision: Decision,
        result: str,
        value: T | None = None,
        duration_ms: float | None = None,
        error: str | None = None,
    ) -> None:
        set_field(self, "platform", platform)
        set_field(self, "operation", operation)
        set_field(self, "item", item)
        set_field(self, "decision", decision)
        set_field(self, "result", result)
        set_field(self, "value", value)
        set_field(self, "duration_ms", duration_ms)
        set_field(self, "error", error)

    @property
    def ok(self) -> bool:
        return self.result == "success"


_COUNTERS = ("allowed", "denied", "success", "error", "dry-run")
_ERROR_MAX = 500  # characters of an exception's text kept in the audit log


# Token shapes masked even when the run did not declare them (a token in a URL or a
# header echoed by a server): GitHub's prefixed tokens and HTTP credentials.
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"
    r"|(?<=Bearer )[^\s'\"]+|(?<=Basic )[^\s'\"]+|(?<=token )[^\s'\"]{20,}"
    r"|(?<=://)[^/\s:@]+:[^/\s@]+(?=@)",
    re.IGNORECASE,
)


def redactor(secrets: Iterable[Secret | str | None]) -> Callable[[str], str]:
    """Masks the run's ``secrets`` (``net.secret.redact``) and any token-shaped text."""
    from ..net.secret import REDACTED, redact

    known = tuple(secrets)

    def run(text: str) -> str:
        return _TOKEN_SHAPES.sub(REDACTED, redact(text, known))

    return run


class Gate:
    """Runs provider calls through ``decide``; built once per run.

    ``call`` records the decision before the call (so a crash mid-call still leaves the
    attempt in the trail) and the outcome after it. A denied call is not run and
    returns a ``denied`` outcome; the run goes on (``strict_failed`` tells a ``--strict``
    run to exit 1 at the end). In ``dry_run`` writes are recorded as ``dry-run`` and
    not run; reads run, so a dry run can plan against real data. A call that raises is
    recorded as ``error`` (text redacted: the run's ``secrets`` and token shapes,
    see :func:`redactor`) and the exception is re-raised: the engine
    needs its type (rate limit with retry-after, forbidden, conflict) to decide between
    retry, outbox and giving up, which a flattened failure value would lose.
    """

    def __init__(
        self,
        config: Config | None,
        context: Context,
        audit: AuditSink,
        *,
        dry_run: bool = False,
        strict: bool = False,
        secrets: Iterable[Secret | str | None] = (),
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.flags = effective_flags(config)
        self.context = context
        self.dry_run = dry_run
        self.strict = strict
        self._audit = audit
        self._redact = redactor(secrets)
        self._clock = clock
        self._counts: dict[str, dict[str, int]] = {}

    def decide(self, op: Operation, platform: str, item: str | None) -> Decision:
        return decide(
            op,
            platform,
            item,
            settings=self.flags.settings,
            permissions=self.flags.permissions,
            context=self.context,
        )

    def call(
        self,
        platform: str,
        op: Operation,
        item: str | None,
        fn: Callable[[], T],
        *,
        name: str | None = None,
    ) -> GateOutcome[T]:
        """Decide, record, and run ``fn`` only when allowed (and not a dry-run write).

        ``name`` is the client method, kept in the audit record for the reader.
        """
        decision = self.decide(op, platform, item)
        counts = self._counts.setdefault(platform, dict.fromkeys(_COUNTERS, 0))
        verdict = "allowed" if decision.allowed else "denied"
        counts[verdict] += 1

        def record(kind: str, result: str | None, **more: Any) -> None:
            self._audit.record(
                kind=kind,
                platform=platform,
                operation=op,
                item=item,
                decision=verdict,
                reason=decision.reason,
                result=result,
                call=name,
                **more,
            )

        if not decision.allowed:
            log.info("%s %s %s: %s", platform, op, item or "-", decision.reason)
            record("decision", "denied")
            return GateOutcome(platform, op, item, decision, "denied")
        record("decision", None)
        if self.dry_run and op in WRITES:
            counts["dry-run"] += 1
            record("outcome", "dry-run")
            return GateOutcome(platform, op, item, decision, "dry-run")
        start = self._clock()
        try:
            value = fn()
        except BaseException as e:
            ms = _ms(self._clock() - start)
            text = self._redact(f"{type(e).__name__}: {e}")[:_ERROR_MAX]
            counts["error"] += 1
            record("outcome", "error", duration_ms=ms, error=text)
            raise
        ms = _ms(self._clock() - start)
        counts["success"] += 1
        record("outcome", "success", duration_ms=ms)
        return GateOutcome(platform, op, item, decision, "success", value, ms)

    def summary(self) -> dict[str, dict[str, int]]:
        """platform -> counts of allowed, denied, success, error, dry-run (copies)."""
        return {p: dict(c) for p, c in sorted(self._counts.items())}

    @property
    def denied(self) -> int:
        return sum(c["denied"] for c in self._counts.values())

    @property
    def strict_failed(self) -> bool:
        """True when a ``--strict`` run must exit 1: some call was denied."""
        return self.strict and self.denied > 0


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


# --- the client providers get ----------------------------------------------------------

# A method's operation, fixed or chosen from the call's arguments (e.g. update_issue is
# a status change when it sets only ``state``).
Classifier = Callable[[tuple[Any, ...], Mapping[str, Any]], Operation]
OpSpec: TypeAlias = Operation | Classifier


def status_or(
    base: Operation, status_keys: frozenset[str] = frozenset({"state", "state_reason"})
) -> Classifier:
    """A classifier: ``update-status`` when the call changes only status keys, else ``base``.

    Keys are read from keyword arguments and from a dict positional argument (a JSON
    body). A call changing status *and* other fields is ``base``: split it in two calls
    when both flags matter.
    """

    def classify(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Operation:
        keys = {k for k, v in kwargs.items() if v is not None}
        for arg in args:
            if isinstance(arg, Mapping):
                keys |= {str(k) for k in arg}
        return "update-status" if keys and keys <= status_keys else base

    return classify


class GatedClient:
    """The raw client's methods named in ``ops``, each run through ``gate.call``.

    ``GatedClient(gate, "github", raw, ops={"get_issue": "read", "create_issue":
    "upsert-internal", "update_issue": status_or("upsert-internal")})``. Each method
    takes the raw method's arguments plus an optional keyword ``item`` (the SpecWeave
    id, e.g. ``US-004E``: it goes to the audit log and decides internal/external; without
    it the first positional argument names the item) and returns a
    :class:`GateOutcome`. Any other attribute raises AttributeError.

    The raw client is held only in the wrappers' closures, never in an attribute.
    Python cannot make it unreachable (``__closure__`` and the garbage collector see
    everything); what holds is that providers are only ever given a GatedClient and no
    public name leads from it to the raw client.
    """

    __slots__ = ("_methods", "_platform")

    _methods: Mapping[str, Callable[..., GateOutcome[Any]]]
    _platform: str

    def __init__(self, gate: Gate, platform: str, raw: Any, ops: Mapping[str, OpSpec]) -> None:
        methods = {}
        for method, spec in ops.items():
            if spec not in OPERATIONS and not callable(spec):
                raise ValueError(f"{platform}.{method}: unknown operation {spec!r}")
            methods[method] = _wrap(gate, platform, method, getattr(raw, method), spec)
        object.__setattr__(self, "_methods", MappingProxyType(methods))
        object.__setattr__(self, "_platform", platform)

    def __getattr__(self, name: str) -> Callable[..., GateOutcome[Any]]:
        # Only reached for names that are not slots: the gated methods.
        try:
            return self._methods[name]
        except KeyError:
            raise AttributeError(
                f"the gated {self._platform} client has no operation {name!r}"
            ) from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a gated client cannot be changed")

    def __dir__(self) -> list[str]:
        return sorted(self._methods)

    def __repr__(self) -> str:
        return f"GatedClient({self._platform!r}, {sorted(self._methods)})"


def _wrap(
    gate: Gate, platform: str, method: str, target: Callable[..., Any], spec: OpSpec
) -> Callable[..., GateOutcome[Any]]:
    def gated(*args: Any, item: str | None = None, **kwargs: Any) -> GateOutcome[Any]:
        op: Operation = spec(args, kwargs) if callable(spec) else spec
        if item is None and args and isinstance(args[0], (str, int)):
            item = str(args[0])
        return gate.call(platform, op, item, lambda: target(*args, **kwargs), name=method)

    gated.__name__ = method
    gated.__qualname__ = f"GatedClient.{method}"
    return gated

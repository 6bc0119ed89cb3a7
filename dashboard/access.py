"""Who may reach what: roles and their permissions, the doors (routes) and the Dash
callbacks.  Pure: no I/O, no request objects; unit tests ask it directly.

The table is closed by default: a path that no entry names needs ``admin`` (the
strictest permission a role has), and a callback that was not registered with a
permission needs ``admin`` too.  Doors that no one may open need :data:`NOBODY`.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson

ROLES = ("wall", "officer", "admin", "visitor")

# what each role may do; routes, callbacks and /live ask for one of these
PERMISSIONS: dict[str, frozenset[str]] = {
    "visitor": frozenset({"wall"}),
    "wall": frozenset({"wall", "records"}),
    "officer": frozenset({"wall", "records", "console", "act", "reveal"}),
    "admin": frozenset({"wall", "records", "console", "act", "reveal", "admin", "open311"}),
}
STRICTEST = "admin"  # what an unknown route or callback needs
NOBODY = "nobody"  # a permission no role has: the door is closed

# served before anyone has signed in (the sign-in room, dashboard/signin.py)
# (the 政务微信/WeCom sign-in's two paths answer 404 while it is off: dashboard/wecom_signin.py)
PUBLIC_PATHS = frozenset({"/login", "/logout", "/auth/login.css", "/favicon.ico",
                          "/auth/wecom/start", "/auth/wecom/callback"})
# loopback, or the monitoring token (see monitoring_allowed)
MONITORING_PATHS = frozenset({"/healthz", "/metrics"})

# Open311 GeoReport v2 (dashboard/open311.py): the open311 permission or the open311 token
OPEN311_PREFIX = "/open311/"

# exact path → permission
EXACT: dict[str, str] = {
    "/": "wall",  # the wall page (what it shows depends on the audience)
    "/live": "wall",
    "/api/wall-config": "wall",
    "/api/perception/summary.json": "wall",  # the wall's perception line: aggregates only
    "/api/performance/summary.json": "wall",  # the wall's ranking board (比学赶超): aggregates only
    "/api/video.geojson": "records",
    "/_dash-layout": "wall",
    "/_dash-dependencies": "wall",
    "/_dash-update-component": "wall",  # then each callback's own permission
    "/_favicon.ico": "wall",
    # Dash's WebSocket callback transport: unused (websocket_callbacks is off), and it
    # would run callbacks past the per-callback check below
    "/_dash-ws-callback": NOBODY,
    "/_reload-hash": NOBODY,  # Dash's hot reload, a development tool
}
# path prefix → permission; first match wins, so the longer prefix comes first
PREFIXES: tuple[tuple[str, str], ...] = (
    ("/api/admin/", "admin"),
    ("/api/perception", "console"),  # 12345 perception tables and their export (officers: their street)
    ("/api/performance", "console"),  # street performance board with its figures (docs/performance.md)
    ("/api/alarm-load", "console"),  # alarm load per duty seat (officers: their street's seat)
    ("/api/roster", "console"),  # a centre's roster as iCalendar (officers: the district's, their street's)
    ("/api/handover-print", "console"),  # the handover log, printable (names masked)
    (OPEN311_PREFIX, "open311"),  # Open311 GeoReport v2 (or the open311_token, open311_allowed)
    ("/admin", "admin"),
    ("/console", "console"),
    ("/api/geo/", "wall"),
    ("/assets/", "wall"),
    ("/_dash-component-suites/", "wall"),
)


def can(role: str, permission: str) -> bool:
    """Whether ``role`` has ``permission`` (an unknown role has none)."""
    return permission in PERMISSIONS.get(role, frozenset())


def route_permission(path: str) -> str:
    """The permission a request for ``path`` needs (a path no entry names: the strictest)."""
    exact = EXACT.get(path)
    if exact is not None:
        return exact
    for prefix, permission in PREFIXES:
        if path.startswith(prefix):
            return permission
    return STRICTEST


@dataclass(frozen=True)
class CallbackPermissions:
    """Each registered Dash callback (its output key, as dash-renderer sends it in
    ``output``) → the permission it needs."""

    by_output: Mapping[str, str]

    def __post_init__(self) -> None:
        unknown = {p for p in self.by_output.values() if not any(p in s for s in PERMISSIONS.values())}
        if unknown:
            raise ValueError(f"callback permissions name no role's permission: {sorted(unknown)}")

    def of_output(self, output: str) -> str:
        return self.by_output.get(output, STRICTEST)

    def of_request(self, body: bytes) -> str:
        """The permission of the callback a ``/_dash-update-component`` body asks for
        (unreadable, or a callback not registered: the strictest)."""
        try:
            output = orjson.loads(body)["output"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return STRICTEST
        return self.of_output(output) if isinstance(output, str) else STRICTEST


def output_of(body: bytes) -> str:
    """The output a ``/_dash-update-component`` body names ("" if unreadable)."""
    try:
        output = orjson.loads(body)["output"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return ""
    return output if isinstance(output, str) else ""


def is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def monitoring_allowed(ip: str, authorization: str, token: str | None) -> bool:
    """/healthz and /metrics: loopback clients, and others sending ``Bearer <token>``."""
    return is_loopback(ip) or bool(token) and hmac.compare_digest(authorization, f"Bearer {token}")


def open311_allowed(authorization: str, token: str | None) -> bool:
    """An Open311 client with ``Authorization: Bearer <open311_token>`` (unset: none)."""
    return bool(token) and hmac.compare_digest(authorization, f"Bearer {token}")


def origin_allowed(origin: str | None, host: str, allowed: frozenset[str], scheme: str = "http") -> bool:
    """A request's ``Origin``: none (not a browser: nothing to hijack), this site (the
    same scheme, host and port as the request: ``scheme`` is the request's own, a
    WebSocket's ``ws``/``wss`` counting as ``http``/``https``), or one of ``allowed``."""
    if origin is None or origin in allowed:
        return True
    parts = urlsplit(origin)
    own_scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    return parts.scheme == own_scheme and parts.netloc == host and not parts.path.strip("/")

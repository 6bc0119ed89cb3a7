"""The access table, without a server: every door and every role, callbacks, monitoring
and Origin."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from dashboard import access, hosts
from dashboard.access import NOBODY, PERMISSIONS, ROLES, STRICTEST, CallbackPermissions

# path → the roles that may open it (every prefix of the table, and its neighbours)
DOORS: dict[str, set[str]] = {
    "/": {"wall", "visitor", "officer", "admin"},
    "/live": {"wall", "visitor", "officer", "admin"},
    "/api/wall-config": {"wall", "visitor", "officer", "admin"},
    "/api/geo/district.geojson": {"wall", "visitor", "officer", "admin"},
    "/api/geo/streets.geojson": {"wall", "visitor", "officer", "admin"},
    "/assets/wall.js": {"wall", "visitor", "officer", "admin"},
    "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.v4.js": {
        "wall", "visitor", "officer", "admin"},
    "/_dash-layout": {"wall", "visitor", "officer", "admin"},
    "/_dash-dependencies": {"wall", "visitor", "officer", "admin"},
    "/_dash-update-component": {"wall", "visitor", "officer", "admin"},  # then per callback
    "/_favicon.ico": {"wall", "visitor", "officer", "admin"},
    "/api/video.geojson": {"wall", "officer", "admin"},
    "/console": {"officer", "admin"},
    "/console/anything": {"officer", "admin"},
    "/admin": {"admin"},
    "/admin/audit": {"admin"},
    "/api/admin/audit.csv": {"admin"},
    "/api/perception.json": {"officer", "admin"},
    "/api/perception/hard.xlsx": {"officer", "admin"},
    "/api/perception/hotspots.geojson": {"officer", "admin"},  # the console map's hotspots layer
    "/api/perception/summary.json": {"wall", "visitor", "officer", "admin"},  # aggregates only
    "/api/alarm-load.json": {"officer", "admin"},
    "/api/performance.json": {"officer", "admin"},
    "/api/performance/cases.json": {"officer", "admin"},
    "/api/performance/summary.json": {"wall", "visitor", "officer", "admin"},  # aggregates only
    "/console/performance": {"officer", "admin"},
    "/api/roster.ics": {"officer", "admin"},
    "/api/handover-print": {"officer", "admin"},
    "/open311/v2/requests.json": {"admin"},  # or the open311 token (open311_allowed)
    "/_dash-ws-callback": set(),
    "/_reload-hash": set(),
    "/no-such-page": {"admin"},  # named by no entry: the strictest
    "/api/incidents.json": {"admin"},
    "/livex": {"admin"},
    "/api/video.geojson/x": {"admin"},
}


@pytest.mark.parametrize("path", DOORS)
def test_each_door_opens_to_its_roles_only(path: str) -> None:
    """The permission a path needs lets in exactly the expected roles."""
    permission = access.route_permission(path)
    assert {role for role in ROLES if access.can(role, permission)} == DOORS[path], (path, permission)


def test_every_prefix_and_exact_entry_is_covered_by_the_door_list() -> None:
    """Each entry of the table has a case above, so a new entry needs a decision here."""
    missing = [path for path in access.EXACT if path not in DOORS]
    missing += [prefix for prefix, _ in access.PREFIXES if not any(path.startswith(prefix) for path in DOORS)]
    assert missing == []


def test_roles_and_permissions() -> None:
    """Each role's permissions, and the ordering visitor < wall < officer < admin."""
    assert set(PERMISSIONS) == set(ROLES)
    assert PERMISSIONS["visitor"] < PERMISSIONS["wall"] < PERMISSIONS["officer"] < PERMISSIONS["admin"]
    assert STRICTEST in PERMISSIONS["admin"] and not any(STRICTEST in PERMISSIONS[r] for r in ROLES
                                                         if r != "admin")
    assert not any(access.can(role, NOBODY) for role in ROLES)
    assert not access.can("intruder", "wall")


def test_public_and_monitoring_paths_are_not_in_the_table() -> None:
    """They are decided before the table (sign-in room, loopback/token)."""
    for path in access.PUBLIC_PATHS | access.MONITORING_PATHS:
        assert path not in access.EXACT and not any(path.startswith(p) for p, _ in access.PREFIXES)


def test_callback_permissions_default_to_the_strictest() -> None:
    """A registered callback needs its area's permission; unknown or unreadable: admin."""
    callbacks = CallbackPermissions({"..page.children..": "wall", "..reveal.children..": "console"})
    assert callbacks.of_request(orjson.dumps({"output": "..reveal.children.."})) == "console"
    assert callbacks.of_request(orjson.dumps({"output": "..page.children.."})) == "wall"
    for body in (orjson.dumps({"output": "..other.children.."}), b"not json", b"[]", b"{}",
                 orjson.dumps({"output": ["..page.children.."]})):
        assert callbacks.of_request(body) == STRICTEST, body


def test_callback_permissions_must_name_a_real_permission() -> None:
    """A typo in an area's permission fails at start-up, not as an open door."""
    with pytest.raises(ValueError, match="consol"):
        CallbackPermissions({"..x.children..": "consol"})


def test_monitoring_is_loopback_or_the_token() -> None:
    assert access.monitoring_allowed("127.0.0.1", "", None)
    assert access.monitoring_allowed("::1", "", None)
    assert not access.monitoring_allowed("10.20.30.40", "", None)
    assert not access.monitoring_allowed("10.20.30.40", "Bearer ", "")
    assert not access.monitoring_allowed("10.20.30.40", "Bearer wrong", "mon-secret")
    assert access.monitoring_allowed("10.20.30.40", "Bearer mon-secret", "mon-secret")
    assert not access.monitoring_allowed("not-an-ip", "", None)


def test_open311_is_the_token_or_nothing() -> None:
    assert access.open311_allowed("Bearer a-long-open311-token", "a-long-open311-token")
    assert not access.open311_allowed("Bearer wrong", "a-long-open311-token")
    assert not access.open311_allowed("Bearer ", None) and not access.open311_allowed("", "")


def test_origin_is_this_host_or_allowed() -> None:
    allowed = frozenset({"https://proxy.example"})
    assert access.origin_allowed(None, "dash:8050", allowed)
    assert access.origin_allowed("http://dash:8050", "dash:8050", allowed)
    assert access.origin_allowed("https://proxy.example", "dash:8050", allowed)
    assert not access.origin_allowed("http://evil.example", "dash:8050", allowed)
    assert not access.origin_allowed("null", "dash:8050", allowed)
    # the scheme counts: a page of http://dash:8050 is not the https site, nor the reverse
    assert not access.origin_allowed("https://dash:8050", "dash:8050", allowed, "http")
    assert access.origin_allowed("https://dash:8050", "dash:8050", allowed, "https")
    assert access.origin_allowed("https://dash:8050", "dash:8050", allowed, "wss")
    assert not access.origin_allowed("http://dash:8050", "dash:8050", allowed, "wss")


def test_served_hosts_and_host_names() -> None:
    assert hosts.served_hosts("127.0.0.1", "") >= {"127.0.0.1", "localhost", "::1"}
    assert "evil.example" not in hosts.served_hosts("127.0.0.1", "")
    assert hosts.served_hosts("0.0.0.0", "cityops.intranet") == {"cityops.intranet", *hosts.LOOPBACK_NAMES}
    assert [hosts.host_name(h) for h in ("a.b:8050", "[::1]:8050", "::1", "A.B", "")] == \
        ["a.b", "::1", "::1", "a.b", ""]


def test_every_route_of_the_app_is_named_by_the_table(tmp_path: Path) -> None:
    """No route of the built app (not served: nothing connects) falls to the default."""
    from dashboard.app import create_app
    from dashboard.config import load_settings

    settings = load_settings({"redis_url": "redis://127.0.0.1:1", "users_file": str(tmp_path / "u.json"),
                              "audit_spool": str(tmp_path / "spool.jsonl")}, environ={})
    app = create_app(settings)
    paths = {getattr(route, "path", "") for route in app.routes}
    decided = access.PUBLIC_PATHS | access.MONITORING_PATHS
    for path in paths - decided:
        concrete = path.split("{", 1)[0]
        assert concrete in access.EXACT or any(concrete.startswith(p) or p == concrete + "/"
                                               for p, _ in access.PREFIXES), path
    callbacks: CallbackPermissions = app.state.callbacks
    assert {"wall", "console", "admin"} <= set(callbacks.by_output.values())

"""The admin page's figures and builders, and which page a path shows to whom."""

from __future__ import annotations

from typing import Any

from dashboard.admin_figures import AuditFilters, counter_values, risk_figures
from dashboard.auth import Principal
from dashboard.i18n import client_strings
from dashboard.metrics import Metrics
from layouts import admin, pages
from layouts.map import LAYERS

HEALTH = {"dead": 2, "lag_s": 75.0, "redis": "up"}
AUDIT = {"spooled": 0, "spool_max": 100, "refused": 1, "last_error": None}


def figures(metrics: Metrics) -> Any:
    return risk_figures(metrics, HEALTH, AUDIT, {"wall": 2, "officer": 1}, [])


def test_risk_figures_read_the_counter_objects() -> None:
    """Labelled and plain counters are read from the registry's objects, not its text."""
    metrics = Metrics()
    metrics.logins.labels("failed").inc(3)
    metrics.denied.labels("csrf").inc()
    metrics.denied.labels("callback:admin").inc(2)
    metrics.reveals.inc()
    assert counter_values(metrics.denied) == {"csrf": 1, "callback:admin": 2}
    assert counter_values(metrics.bridge_errors) == {"": 0}
    f = figures(metrics)
    assert (f.login_failed, f.login_locked, f.reveals, f.bridge_errors, f.dead) == (3, 0, 1, 0, 2)
    assert f.denied == {"csrf": 1, "callback:admin": 2} and f.rate_limited == {}


def test_risk_cards_mark_what_calls_for_attention() -> None:
    """Failed sign-ins, refused audit entries and a lag over a minute are marked; text only."""
    metrics = Metrics()
    metrics.logins.labels("failed").inc()
    cards = admin.risk_cards(figures(metrics), client_strings("en"))
    marked = [card.children[0].children for card in cards if "is-alarm" in card.className]
    s = client_strings("en")
    assert marked == [s["risk.login_failed"], s["risk.dead"], s["risk.refused"], s["risk.lag"]]
    assert [card.children[1].children for card in cards][-3] == "3"  # clients: 2 walls + 1 officer
    assert admin.denials_table([], s).children == s["no_items"]


def test_audit_filters_repeat_in_the_csv_link() -> None:
    """The export link carries the filters that are set, in the page's order."""
    filters = AuditFilters.of("officer", None, "ticket:", "24h")
    assert filters.csv_href == "/api/admin/audit.csv?who=officer&target=ticket%3A&since=24h"
    assert AuditFilters.of(None, None, None, None).csv_href == "/api/admin/audit.csv"
    assert filters.query(now=100_000_000)["since_ms"] == 100_000_000 - 86_400_000


def test_pages_need_their_permission_and_visitors_see_streets_only() -> None:
    """Console and admin need their permission; a visitor's wall has the streets layer only."""
    officer = Principal("user", "o", "officer")
    visitor = Principal("user", "v", "visitor")
    assert pages.page_for("/console", "?lang=en", officer) == pages.Page("console", "en", True, "console")
    assert pages.page_for("/admin/x", "", officer).allowed is False
    wall = pages.page_for("/", "?layers=video,bogus&wall=5760x1080", officer)
    assert (wall.kind, wall.layers, wall.layout) == ("wall", frozenset({"video"}), "5760x1080")
    assert pages.page_for("/", "?layers=video", visitor).layers == frozenset({"streets"})
    assert pages.page_for("/", "", officer).layers == frozenset(LAYERS)
    token = Principal("wall", "w", "wall", layout="1920x1080")
    assert pages.page_for("/", "?wall=5760x1080&lang=xx", token).layout == "1920x1080"
    assert pages.lang_of("?lang=xx") == "zh" and pages.normal_path("/console/") == "/console"


def test_a_refused_page_renders_the_refusal_as_text() -> None:
    """A page the role may not open is one sentence, nothing of the page itself."""
    frame = pages.Frame(bounds=[[31.1, 121.3], [31.3, 121.5]], tile_url=None, dispatch_units=(), catalogue=[])
    refused = pages.render(pages.Page("admin", "zh", False), frame)
    assert (refused.className, refused.children) == ("forbidden", client_strings("zh")["forbidden"])
    assert pages.render(pages.Page("admin", "zh", True), frame, user="admin (admin)").id == "admin-root"

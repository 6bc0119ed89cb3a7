"""The administrators' pages at /admin: security operations (安全运营) and the audit trail.
Pure builders; the figures come from dashboard/admin_figures.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import dcc, html

from dashboard.admin_figures import RiskFigures
from dashboard.clock import clock_text
from dashboard.i18n import client_strings
from layouts import ids
from layouts.console import column, grid
from layouts.wall import header


def page(lang: str, user: str = "") -> html.Div:
    s = client_strings(lang)
    audit_columns = [
        column("time", s["audit.time"], maxWidth=190),
        column("who", s["audit.who"], maxWidth=160),
        column("role", s["audit.role"], maxWidth=100),
        column("action", s["audit.action"], maxWidth=170),
        column("target", s["audit.target"]),
        column("outcome", s["audit.outcome"], maxWidth=110),
        column("detail", s["audit.detail"]),
        column("ip", s["audit.ip"], maxWidth=140),
    ]
    filters = html.Div(
        [
            dcc.Input(id=ids.AUDIT_WHO, placeholder=s["audit.who"], className="input", debounce=True),
            dcc.Input(id=ids.AUDIT_ACTION, placeholder=s["audit.action"], className="input", debounce=True),
            dcc.Input(id=ids.AUDIT_TARGET, placeholder=s["audit.target"], className="input", debounce=True),
            dcc.Dropdown(id=ids.AUDIT_SINCE, className="dropdown", clearable=False, value="24h",
                         options=[{"label": s[f"since.{k}"], "value": k}
                                  for k in ("1h", "24h", "7d", "all")]),
            html.A(s["audit.csv"], id=ids.AUDIT_CSV, href="/api/admin/audit.csv", className="btn",
                   download="audit.csv"),
        ],
        className="audit-filters",
    )
    return html.Div(
        [
            header(s, "admin.title"),
            html.Div([html.Nav(s["admin.nav"], className="breadcrumbs"),
                      html.Div([s["console.officer"], html.Span(user, className="officer"),
                                html.A(s["console.logout"], href="/logout", className="logout")],
                               className="officer-label")], className="console-bar"),
            html.Main(
                [
                    html.Section([html.H2(s["admin.risk"], className="panel-title"),
                                  html.Div(id=ids.RISK_CARDS, className="risk-cards"),
                                  html.H3(s["admin.denials"], className="panel-subtitle"),
                                  html.Div(id=ids.RISK_DENIALS, className="risk-denials")],
                                 className="admin-risk"),
                    html.Section([html.H2(s["admin.audit"], className="panel-title"), filters,
                                  html.Div(grid(ids.AUDIT_GRID, audit_columns, "audit.csv", lang),
                                           className="audit-grid")],
                                 className="admin-audit"),
                ],
                className="admin-body",
            ),
            dcc.Interval(id=ids.ADMIN_REFRESH, interval=5000),
        ],
        id=ids.ADMIN_ROOT,
        className=f"console admin lang-{lang}",
        **{"data-lang": lang, "data-page": "admin"},  # type: ignore[arg-type]
    )


def risk_card(label: str, value: Any, alarm: bool = False, detail: str = "") -> html.Div:
    """One figure of the security page (text only), marked when it calls for attention."""
    return html.Div([html.Div(label, className="risk-label"), html.Div(str(value), className="risk-value"),
                     html.Div(detail, className="risk-detail")],
                    className="risk-card" + (" is-alarm" if alarm else ""))


def breakdown(counts: dict[str, int]) -> str:
    """``csrf 2 · rate 1``: counts by label, sorted."""
    return " · ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def risk_cards(f: RiskFigures, s: dict[str, str]) -> list[html.Div]:
    audit = f.audit
    lag = "—" if f.lag_s is None else f"{f.lag_s:.1f} s"
    return [
        risk_card(s["risk.login_failed"], f.login_failed, f.login_failed > 0),
        risk_card(s["risk.login_locked"], f.login_locked, f.login_locked > 0),
        risk_card(s["risk.denied"], sum(f.denied.values()), bool(f.denied), breakdown(f.denied)),
        risk_card(s["risk.rate_limited"], sum(f.rate_limited.values()), bool(f.rate_limited),
                  breakdown(f.rate_limited)),
        risk_card(s["risk.dead"], f.dead, f.dead > 0),
        risk_card(s["risk.spool"], f"{audit['spooled']} / {audit['spool_max']}", audit["spooled"] > 0,
                  audit["last_error"] or ""),
        risk_card(s["risk.refused"], audit["refused"], audit["refused"] > 0),
        risk_card(s["risk.lag"], lag, (f.lag_s or 0) > 60),
        risk_card(s["risk.redis"], f.redis, f.redis != "up"),
        risk_card(s["risk.clients"], sum(f.clients.values()), False, breakdown(f.clients)),
        risk_card(s["risk.reveals"], f.reveals),
        risk_card(s["risk.bridge_errors"], f.bridge_errors, f.bridge_errors > 0),
    ]


def denials_table(denials: Sequence[Mapping[str, Any]], s: dict[str, str],
                  limit: int = 15) -> html.Table | html.Div:
    """The latest refused requests (newest first), or "none"."""
    rows = [html.Tr([html.Td(clock_text(int(d["ts"]), with_year=True)), html.Td(d["reason"]),
                     html.Td(d["path"]), html.Td(d["who"] or "—"), html.Td(d["ip"] or "—")])
            for d in denials[:limit]]
    return html.Table(html.Tbody(rows), className="table") if rows else html.Div(s["no_items"])


def audit_grid_rows(entries: list[dict[str, str]]) -> list[dict[str, str]]:
    """Audit entries with their Beijing time as text."""
    return [{**e, "time": clock_text(int(e["ts"]), with_year=True)} for e in entries]

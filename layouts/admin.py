"""The administrators' pages at /admin: security operations (安全运营) and the audit trail."""

from __future__ import annotations

from dash import dcc, html

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
                                  html.Div(grid(ids.AUDIT_GRID, audit_columns, "audit.csv"),
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

"""The administrators' pages at /admin: security operations (安全运营) and the audit trail,
in the page's language.  Pure builders; the figures come from dashboard/admin_figures.py.

What the system says (actions, outcomes, roles, reasons, the details it wrote) is shown
by its label; what people typed or named (accounts, an officer's reason or note, record
ids, request paths) is data, marked ``data-text`` (in the grid, whose cells take no
attributes, by the ``data-text`` cell class), and never markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import dcc, html

from dashboard.admin_figures import FailedSignIns, RiskFigures
from dashboard.audit import detail_of
from dashboard.classify import project
from dashboard.clock import clock_text
from dashboard.i18n import client_strings, dropdown_labels, say
from layouts import ids
from layouts.console import column, grid
from layouts.wall import header

Strings = dict[str, str]
DATA_CELL = {"cellClass": "data-text"}  # a grid column whose cells are data


def page(lang: str, user: str = "") -> html.Div:
    s = client_strings(lang)
    audit_columns = [
        column("time", s["audit.time"], minWidth=180, maxWidth=200),
        column("who", s["audit.who"], maxWidth=140, **DATA_CELL),
        column("role_label", s["audit.role"], maxWidth=100),
        column("action_label", s["audit.action"], minWidth=150, maxWidth=200),
        column("target_kind", s["audit.target"], minWidth=90, maxWidth=110),
        column("target_id", s["col.id"], minWidth=120, maxWidth=200, **DATA_CELL),
        column("outcome_label", s["audit.outcome"], minWidth=110, maxWidth=130),
        column("detail_text", s["audit.detail"], minWidth=260,
               cellClassRules={"data-text": "params.data.detail_is_data"}),
        column("ip_label", s["audit.ip"], maxWidth=140),
    ]
    filters = html.Div(
        [
            dcc.Input(id=ids.AUDIT_WHO, placeholder=s["audit.who"], className="input", debounce=True),
            dcc.Input(id=ids.AUDIT_ACTION, placeholder=s["audit.action"], className="input", debounce=True),
            dcc.Input(id=ids.AUDIT_TARGET, placeholder=s["audit.target"], className="input", debounce=True),
            dcc.Dropdown(id=ids.AUDIT_SINCE, className="dropdown", clearable=False, value="24h",
                         labels=dropdown_labels(lang),
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
                      html.Div([s["admin.signed_in"],
                                html.Span(user, className="officer", **{"data-text": "name"}),  # type: ignore[arg-type]
                                html.A(s["console.logout"], href="/logout", className="logout")],
                               className="officer-label")], className="console-bar"),
            html.Main(
                [
                    html.Section([html.H2(s["admin.risk"], className="panel-title"),
                                  html.Div(id=ids.RISK_CARDS, className="risk-cards"),
                                  html.H3(s["admin.failed_signins"], className="panel-subtitle"),
                                  html.Div(id=ids.RISK_FAILED_SIGNINS, className="risk-denials"),
                                  html.H3(s["admin.denials"], className="panel-subtitle"),
                                  html.Div(id=ids.RISK_DENIALS, className="risk-denials"),
                                  html.H3(s["admin.sources"], className="panel-subtitle"),
                                  html.Div(id=ids.ADMIN_SOURCES, className="risk-denials")],
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


# ---------------------------------------------------------------- labels of codes


def role_label(role: str, s: Strings) -> str:
    return s.get(f"role.{role}", role) if role else "—"


def denial_label(reason: str, s: Strings) -> str:
    """A refusal reason of dashboard/risk.py (``role:admin``, ``csrf``, ...) by its label."""
    kind, _, needed = reason.partition(":")
    if needed and f"deny.{kind}" in s:
        value = {"rate": "what"}.get(kind, "perm")
        return say(s, f"deny.{kind}", {value: needed})
    return s.get(f"deny.{reason}", reason)


def action_label(action: str, s: Strings) -> str:
    """An audited action (``login``, ``incident.dispatch``, ``alarm.shelve``, ...) by its label."""
    kind, _, verb = action.partition(".")
    if kind == "incident" and f"action.{verb}" in s:
        return s["audit.act.incident"].format(verb=s[f"action.{verb}"])
    if kind == "ticket" and f"hotline.verb.{verb}" in s:
        return s["audit.act.ticket"].format(verb=s[f"hotline.verb.{verb}"])
    if kind == "alarm" and verb in ("acknowledge", "shelve"):
        return s["audit.act.alarm"].format(verb=s["inbox.ack" if verb == "acknowledge" else "inbox.shelve"])
    return s.get(f"audit.act.{action}", action)


def target_parts(target: str, s: Strings) -> tuple[str, str]:
    """``ticket:t-x#caller_phone`` → (工单, ``t-x · 来电号码``): what the entry is about by its
    label, and its id (data) with the field of a reveal."""
    kind, sep, rest = target.partition(":")
    if not sep or f"audit.kind.{kind}" not in s:
        return ("—" if not target else "", target)
    record, _, field = rest.partition("#")
    return s[f"audit.kind.{kind}"], record + (f" · {s.get('field.' + field, field)}" if field else "")


def detail_text(entry: Mapping[str, str], s: Strings) -> tuple[str, bool]:
    """An entry's detail in the page's language, and whether it is data (what someone
    wrote) rather than the system's words."""
    coded = detail_of(entry)
    if coded is not None:
        return say(s, *coded), False
    return project("audit", entry, ("detail",))["detail"] or "", True


def audit_grid_rows(entries: list[dict[str, str]], s: Strings) -> list[dict[str, Any]]:
    """Audit entries with their Beijing time and every code by its label."""
    rows = []
    for e in entries:
        kind, record = target_parts(e.get("target", ""), s)
        detail, is_data = detail_text(e, s)
        ip = e.get("ip", "")
        rows.append({"id": e["id"], "time": clock_text(int(e["ts"]), with_year=True), "who": e.get("who", ""),
                     "role_label": role_label(e.get("role", ""), s),
                     "action_label": action_label(e.get("action", ""), s),
                     "target_kind": kind, "target_id": record,
                     "outcome_label": s.get(f"audit.outcome.{e.get('outcome')}", e.get("outcome", "")),
                     "detail_text": detail, "detail_is_data": is_data,
                     "ip_label": s["audit.local"] if ip == "local" else ip})
    return rows


# ---------------------------------------------------------------- the risk panel


def risk_card(label: str, value: Any, alarm: bool = False, detail: str = "", detail_is_data: bool = False
              ) -> html.Div:
    """One figure of the security page (text only), marked when it calls for attention."""
    data = {"data-text": "event"} if detail_is_data else {}
    return html.Div([html.Div(label, className="risk-label"), html.Div(str(value), className="risk-value"),
                     html.Div(detail, className="risk-detail", **data)],  # type: ignore[arg-type]
                    className="risk-card" + (" is-alarm" if alarm else ""))


def breakdown(counts: dict[str, int], label: Any = str) -> str:
    """``拒绝 2 · 限流 1``: counts by label (``label`` names each key), sorted."""
    return " · ".join(f"{label(k)} {v}" for k, v in sorted(counts.items()))


def risk_cards(f: RiskFigures, s: Strings) -> list[html.Div]:
    audit = f.audit
    lag = "—" if f.lag_s is None else s["admin.seconds"].format(v=f"{f.lag_s:.1f}")
    return [
        risk_card(s["risk.login_failed"], f.login_failed, f.login_failed > 0),
        risk_card(s["risk.login_locked"], f.login_locked, f.login_locked > 0),
        risk_card(s["risk.denied"], sum(f.denied.values()), bool(f.denied),
                  breakdown(f.denied, lambda k: denial_label(k, s))),
        risk_card(s["risk.rate_limited"], sum(f.rate_limited.values()), bool(f.rate_limited),
                  breakdown(f.rate_limited, lambda k: s.get(f"limit.{k}", k))),
        risk_card(s["risk.dead"], f.dead, f.dead > 0),
        risk_card(s["risk.spool"], f"{audit['spooled']} / {audit['spool_max']}", audit["spooled"] > 0,
                  audit["last_error"] or "", detail_is_data=True),
        risk_card(s["risk.refused"], audit["refused"], audit["refused"] > 0),
        risk_card(s["risk.lag"], lag, (f.lag_s or 0) > 60),
        risk_card(s["risk.redis"], s.get(f"admin.{f.redis}", f.redis), f.redis != "up"),
        risk_card(s["risk.clients"], sum(f.clients.values()), False,
                  breakdown(f.clients, lambda k: role_label(k, s))),
        risk_card(s["risk.reveals"], f.reveals),
        risk_card(s["risk.bridge_errors"], f.bridge_errors, f.bridge_errors > 0),
    ]


def _data(text: str, kind: str = "name") -> html.Td:
    return html.Td(text or "—", **{"data-text": kind})  # type: ignore[arg-type]


def failed_sign_ins_table(failed: Sequence[FailedSignIns], s: Strings) -> html.Table | html.Div:
    """The accounts that failed to sign in (the name tried), newest first, or "none"."""
    head = html.Tr([html.Th(s[k]) for k in ("admin.account", "admin.attempts", "audit.outcome", "admin.last",
                                             "admin.from")])
    rows = [html.Tr([_data(f.account), html.Td(str(f.attempts)),
                     html.Td(s["audit.outcome.locked" if f.locked else "audit.outcome.failed"]),
                     html.Td(clock_text(f.last_ts, with_year=True)), html.Td(f.last_ip or "—")],
                    className="failed-sign-in" + (" is-locked" if f.locked else ""))
            for f in failed]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="table") if rows \
        else html.Div(s["no_items"])


def denials_table(denials: Sequence[Mapping[str, Any]], s: Strings,
                  limit: int = 15) -> html.Table | html.Div:
    """The latest refused requests (newest first), or "none"."""
    head = html.Tr([html.Th(s[k]) for k in ("admin.when", "admin.reason", "admin.path", "audit.who",
                                             "admin.from")])
    rows = [html.Tr([html.Td(clock_text(int(d["ts"]), with_year=True)), html.Td(denial_label(d["reason"], s)),
                     _data(d["path"], "event"), _data(d["who"]), html.Td(d["ip"] or "—")])
            for d in denials[:limit]]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="table") if rows \
        else html.Div(s["no_items"])


def sources_table(healths: Sequence[Mapping[str, Any]], now_ms: int, s: Strings) -> html.Table | html.Div:
    """Every feeding system (dashboard/sources.py ``health``): its health in words, its last
    event and how long ago, the last complete hour against the usual, what it feeds."""
    head = html.Tr([html.Th(s[k]) for k in ("admin.source", "admin.source_status", "admin.last",
                                             "admin.source_hour", "admin.source_feeds")])
    name = "name_en" if s["lang"] == "en" else "name_zh"
    rows = []
    for item in healths:
        last = item["last"]
        ago = "—" if last is None else s["admin.source_ago"].format(
            when=clock_text(int(last), with_year=True), s=max(0, (now_ms - int(last)) // 1000))
        hour = "—" if item["last_hour"] is None else (
            str(item["last_hour"]) + ("" if item["usual"] is None else f" / {item['usual']:g}"))
        rows.append(html.Tr([_data(item[name]), html.Td(s[f"source.status.{item['status']}"]), html.Td(ago),
                             html.Td(hour), html.Td(" · ".join(s.get(f"source.family.{f}", f)
                                                               for f in item["families"]) or "—")],
                            className=f"source-row is-{item['status']}"))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="table") if rows \
        else html.Div(s["no_items"])

"""The admins' callbacks: the risk and health figures, the audit trail with filters.

The guard refuses every request to these callbacks from a role without ``admin``; each
callback checks again.  The CSV export is a plain route (``/api/admin/audit.csv``,
dashboard/http_api.py) with the same filters, itself audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from dash import Input, Output, html
from prometheus_client.parser import text_string_to_metric_families

from dashboard import audit, clock
from dashboard.guard import require
from dashboard.i18n import client_strings
from layouts import ids

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

def since_ms(since: str | None) -> int | None:
    return clock.since(since, clock.now_ms())


def beijing(ms: str | int) -> str:
    return clock.clock_text(int(ms), with_year=True)


def metric_totals(runtime: Runtime) -> dict[str, dict[str, float]]:
    """Counter values by metric and label (the instance's own registry)."""
    out: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(runtime.metrics.render().decode()):
        for sample in family.samples:
            if sample.name.endswith("_total"):
                label = next(iter(sample.labels.values()), "")
                out.setdefault(sample.name.removesuffix("_total"), {})[label] = sample.value
    return out


def risk_figures(runtime: Runtime) -> dict[str, Any]:
    """What the security page shows, in one dict (also useful to tests)."""
    totals = metric_totals(runtime)
    health = runtime.health()
    return {
        "login_failed": int(totals.get("cn_logins", {}).get("failed", 0)),
        "login_locked": int(totals.get("cn_logins", {}).get("locked", 0)),
        "denied": {k: int(v) for k, v in totals.get("cn_denied", {}).items()},
        "rate_limited": {k: int(v) for k, v in totals.get("cn_rate_limited", {}).items()},
        "dead": health["dead"],
        "bridge_errors": int(totals.get("cn_pubsub_bridge_errors", {}).get("", 0)),
        "audit": runtime.auditor.health(),
        "lag_s": health["lag_s"],
        "redis": health["redis"],
        "clients": runtime.hub.clients_by_role(),
        "reveals": int(totals.get("cn_reveals", {}).get("", 0)),
        "recent_denials": runtime.refusals.recent(),
    }


def register(app: Any, runtime: Runtime) -> None:
    @app.callback(
        Output(ids.RISK_CARDS, "children"),
        Output(ids.RISK_DENIALS, "children"),
        Input(ids.ADMIN_REFRESH, "n_intervals"),
        Input(ids.URL, "search"),
    )
    async def risk(_n: int | None, search: str | None) -> tuple[Any, Any]:
        require("admin")
        s = client_strings("en" if "lang=en" in (search or "") else "zh")
        f = risk_figures(runtime)
        audit_state = f["audit"]

        def card(label: str, value: Any, alarm: bool = False, detail: str = "") -> html.Div:
            return html.Div([html.Div(label, className="risk-label"),
                             html.Div(str(value), className="risk-value"),
                             html.Div(detail, className="risk-detail")],
                            className="risk-card" + (" is-alarm" if alarm else ""))

        def breakdown(counts: dict[str, int]) -> str:
            return " · ".join(f"{k} {v}" for k, v in sorted(counts.items())) if counts else ""

        cards = [
            card(s["risk.login_failed"], f["login_failed"], f["login_failed"] > 0),
            card(s["risk.login_locked"], f["login_locked"], f["login_locked"] > 0),
            card(s["risk.denied"], sum(f["denied"].values()), bool(f["denied"]), breakdown(f["denied"])),
            card(s["risk.rate_limited"], sum(f["rate_limited"].values()), bool(f["rate_limited"]),
                 breakdown(f["rate_limited"])),
            card(s["risk.dead"], f["dead"], f["dead"] > 0),
            card(s["risk.spool"], f"{audit_state['spooled']} / {audit_state['spool_max']}",
                 audit_state["spooled"] > 0, audit_state["last_error"] or ""),
            card(s["risk.refused"], audit_state["refused"], audit_state["refused"] > 0),
            card(s["risk.lag"], "—" if f["lag_s"] is None else f"{f['lag_s']:.1f} s",
                 (f["lag_s"] or 0) > 60),
            card(s["risk.redis"], f["redis"], f["redis"] != "up"),
            card(s["risk.clients"], sum(f["clients"].values()), False, breakdown(f["clients"])),
            card(s["risk.reveals"], f["reveals"]),
            card(s["risk.bridge_errors"], f["bridge_errors"], f["bridge_errors"] > 0),
        ]
        rows = [html.Tr([html.Td(beijing(d["ts"])), html.Td(d["reason"]), html.Td(d["path"]),
                         html.Td(d["who"] or "—"), html.Td(d["ip"] or "—")])
                for d in f["recent_denials"][:15]]
        table = html.Table(html.Tbody(rows), className="table") if rows else html.Div(s["no_items"])
        return cards, table

    @app.callback(
        Output(ids.AUDIT_GRID, "rowData"),
        Output(ids.AUDIT_CSV, "href"),
        Input(ids.ADMIN_REFRESH, "n_intervals"),
        Input(ids.AUDIT_WHO, "value"),
        Input(ids.AUDIT_ACTION, "value"),
        Input(ids.AUDIT_TARGET, "value"),
        Input(ids.AUDIT_SINCE, "value"),
    )
    async def audit_rows(_n: int | None, who: str | None, action: str | None, target: str | None,
                         since: str | None) -> tuple[list[dict[str, str]], str]:
        require("admin")
        filters = {"who": who or "", "action": action or "", "target": target or ""}
        try:
            entries = await audit.query(runtime.bus.redis, runtime.settings.keys.audit, count=2000,
                                        since_ms=since_ms(since), who=filters["who"],
                                        action=filters["action"], target=filters["target"])
        except Exception as exc:  # Redis down: say so in the table rather than fail
            entries = [{"id": "error", "ts": str(clock.now_ms()), "who": "—", "role": "",
                        "action": "redis unavailable", "target": "", "outcome": "error",
                        "detail": str(exc), "ip": ""}]
        rows = [{**e, "time": beijing(e["ts"])} for e in entries]
        query = {k: v for k, v in {**filters, "since": since or ""}.items() if v}
        return rows, "/api/admin/audit.csv" + ("?" + urlencode(query) if query else "")

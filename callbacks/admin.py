"""The admins' callbacks: the risk and health figures, the failed sign-ins, the audit
trail with filters, in the page's language.  Adapters over dashboard/admin_figures.py and
the builders of layouts/admin.py.

The guard refuses every request to these callbacks from a role without ``admin``; each
callback checks again.  The CSV export is a plain route (``/api/admin/audit.csv``,
dashboard/http_api.py) with the same filters, itself audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dash import Input, Output

from dashboard import audit, clock
from dashboard.admin_figures import (
    SIGN_IN_FAILURES,
    AuditFilters,
    failed_sign_ins,
    risk_figures,
    unavailable_entry,
)
from dashboard.guard import require
from dashboard.i18n import client_strings
from dashboard.sources import health
from layouts import admin as layout
from layouts import ids
from layouts.pages import lang_of

if TYPE_CHECKING:
    from dashboard.runtime import Runtime


def register(app: Any, runtime: Runtime) -> None:
    key = runtime.settings.keys.audit

    @app.callback(
        output={"cards": Output(ids.RISK_CARDS, "children"), "denials": Output(ids.RISK_DENIALS, "children"),
                "failed": Output(ids.RISK_FAILED_SIGNINS, "children"),
                "sources": Output(ids.ADMIN_SOURCES, "children")},
        inputs={"_n": Input(ids.ADMIN_REFRESH, "n_intervals"), "search": Input(ids.URL, "search")},
    )
    async def risk(_n: int | None, search: str | None) -> dict[str, Any]:
        require("admin")
        s, now = client_strings(lang_of(search)), clock.now_ms()
        denials = runtime.refusals.recent()
        figures = risk_figures(runtime.metrics, runtime.health(), runtime.auditor.health(),
                               runtime.hub.clients_by_role(), denials)
        try:  # every instance's failed sign-ins of the last day, from the trail
            logins = await audit.query(runtime.bus.redis, key, count=1000, action="login",
                                       outcomes=SIGN_IN_FAILURES, since_ms=now - clock.DAY_MS)
        except Exception:  # Redis down: the cards say so
            logins = []
        return {"cards": layout.risk_cards(figures, s),
                "denials": layout.denials_table(figures.recent_denials, s),
                "failed": layout.failed_sign_ins_table(failed_sign_ins(logins), s),
                "sources": layout.sources_table(health(runtime.state.sources, runtime.sources, now), now, s)}

    @app.callback(
        output={"rows": Output(ids.AUDIT_GRID, "rowData"), "csv": Output(ids.AUDIT_CSV, "href")},
        inputs={"_n": Input(ids.ADMIN_REFRESH, "n_intervals"), "who": Input(ids.AUDIT_WHO, "value"),
                "action": Input(ids.AUDIT_ACTION, "value"), "target": Input(ids.AUDIT_TARGET, "value"),
                "since": Input(ids.AUDIT_SINCE, "value"), "search": Input(ids.URL, "search")},
    )
    async def audit_rows(_n: int | None, who: str | None, action: str | None, target: str | None,
                         since: str | None, search: str | None) -> dict[str, Any]:
        require("admin")
        filters, now = AuditFilters.of(who, action, target, since), clock.now_ms()
        try:
            entries = await audit.query(runtime.bus.redis, key, count=2000, **filters.query(now))
        except Exception as exc:  # Redis down: say so in the table rather than fail
            entries = [unavailable_entry(exc, now)]
        return {"rows": layout.audit_grid_rows(entries, client_strings(lang_of(search))),
                "csv": filters.csv_href}

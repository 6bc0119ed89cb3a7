"""The console's callbacks: thin adapters from the URL, filters and live ticks to the
selectors in dashboard/console.py, and from buttons to dashboard/actions.py.

Callbacks run on the server's event loop (Dash's FastAPI backend), between event
batches, so they read a consistent state; they must stay cheap.

Every callback asks :func:`dashboard.guard.require` who is calling (the guard has
already refused roles without the console permission before Dash ran) and confines
what it reads to the caller's scope: an officer of one street gets that street's
records whatever the URL asks.  Actions are taken as the signed-in user, never a
typed name; looking at a record that holds personal data and revealing a field of it
are audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

import dash
import dash_leaflet as dl
from dash import ALL, Input, Output, State, ctx, dcc, html

from dashboard import classify, clock, geo, lifecycle
from dashboard import console as sel
from dashboard.actions import alarm_action, incident_action
from dashboard.auth import Principal
from dashboard.clock import clock_text
from dashboard.guard import client_ip, refuse, require
from dashboard.i18n import client_strings
from dashboard.units import UNIT_CODES, UNITS
from layouts import console as layout
from layouts import ids

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

DRILL_KEYS = ("street", "incident", "camera", "sensor", "ticket", "duty")


def drill(search: str | None) -> dict[str, str]:
    """What the URL says is shown: street, and at most one item."""
    query = parse_qs((search or "").lstrip("?"))
    found = {key: query[key][0] for key in DRILL_KEYS if query.get(key)}
    if found.get("street") not in UNIT_CODES:
        found.pop("street", None)
    return found


def scoped(where: dict[str, str], principal: Principal) -> dict[str, str]:
    """``where`` confined to the principal's scope (a scoped officer is always in it)."""
    if principal.scope is not None:
        return {**where, "street": principal.scope}
    return where


def lang_of(search: str | None) -> str:
    return "en" if parse_qs((search or "").lstrip("?")).get("lang", [""])[0] == "en" else "zh"


def href(**params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return "/console" + ("?" + urlencode(kept) if kept else "")


def duration_text(seconds: int, lang: str) -> str:
    if seconds <= 0:
        return "—"
    hours, minutes = divmod(seconds // 60, 60)
    if lang == "en":
        return f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"{hours}小时{minutes}分" if hours else f"{minutes}分钟"


def register(app: dash.Dash, runtime: Runtime) -> None:
    settings = runtime.settings
    stale_ms = settings.video_stale_s * 1000
    overdue_ms = int(settings.hotline_overdue_h * 3_600_000)

    now = clock.now_ms

    # ------------------------------------------------------------ lists, map, overview
    @app.callback(
        Output(ids.GRID_INCIDENTS, "rowData"),
        Output(ids.GRID_CAMERAS, "rowData"),
        Output(ids.GRID_TICKETS, "rowData"),
        Output(ids.STREET_LIST, "children"),
        Output(ids.OVERVIEW, "children"),
        Output(ids.BREADCRUMBS, "children"),
        Output(ids.CONSOLE_INCIDENTS, "children"),
        Output(ids.CAMERA_RATES, "children"),
        Output(ids.DUTY, "children"),
        Input(ids.CONSOLE_SEARCH, "data"),
        Input(ids.LIVE_TICK, "data"),
        Input(ids.SEARCH, "value"),
        Input(ids.FILTER_DOMAINS, "value"),
        Input(ids.FILTER_SEVERITIES, "value"),
        Input(ids.FILTER_STATUSES, "value"),
        Input(ids.FILTER_SINCE, "value"),
    )
    async def lists(
        search: str | None,
        _tick: int,
        text: str | None,
        domains: list[str] | None,
        severities: list[int] | None,
        statuses: list[str] | None,
        since: str | None,
    ) -> tuple[Any, ...]:
        principal = require("console")
        scope = principal.scope
        lang, where, t = lang_of(search), scoped(drill(search), principal), now()
        s = client_strings(lang)
        state = runtime.state
        filters = sel.Filters(
            street=where.get("street"),
            domains=tuple(domains or ()),
            severities=tuple(severities or ()),
            statuses=tuple(statuses or ()),
            since_ms=clock.since(since, t),
            text=text or "",
        )
        incidents = sel.incident_rows(state, filters, t, runtime.console, scope)
        for row in incidents:
            row.update(
                domain_label=s[f"domain.{row['domain']}"],
                status_label=s[f"incident.{row['status']}"],
                street_label=s.get(f"unit.{row['street']}", s["district"]),
                reported_text=clock_text(row["reported"]),
                deadline_label=s[f"deadline.{row['deadline']}"],
            )
        camera_filters = sel.Filters(street=filters.street, text=filters.text)
        cameras = sel.camera_rows(state, camera_filters, t, stale_ms, scope)
        for row in cameras:
            row.update(
                street_label=s.get(f"unit.{row['street']}", "—"),
                status_label=s[f"status.{row['status']}"],
                down_text=duration_text(row["down_s"], lang),
                last_text=clock_text(row["last"]),
            )
        ticket_filters = sel.Filters(street=filters.street, since_ms=filters.since_ms, text=filters.text)
        tickets = sel.ticket_rows(state, ticket_filters, t, overdue_ms, scope)
        for row in tickets:
            row.update(
                street_label=s.get(f"unit.{row['street']}", "—"),
                created_text=clock_text(row["created"]),
                overdue_text="⚠" if row["overdue"] else "",
            )
        all_rows = sel.incident_rows(state, sel.Filters(), t, runtime.console, scope)
        return (
            incidents,
            cameras,
            tickets,
            street_list(all_rows, where.get("street"), s, lang, scope),
            overview(where.get("street"), t, s, lang),
            breadcrumbs(where, s, lang),
            incident_features(incidents),
            camera_rates(cameras, s),
            layout.duty_table([{**row, "href": href(street=where.get("street"), duty=row["key"],
                                                    lang="en" if lang == "en" else None)}
                               for row in sel.duty_rows(state, where.get("street"))], s),
        )

    def street_list(
        rows: list[dict[str, Any]], current: str | None, s: dict[str, str], lang: str,
        scope: str | None = None,
    ) -> list[Any]:
        counts = sel.street_counts(rows)
        video = runtime.hub.views.summary(scope)["video"]["streets"]  # the wall's figures
        items = []
        for code, _, _ in UNITS:
            if scope is not None and code != scope:
                continue
            total, online = video.get(code, (0, 0))
            rate = f"{100 * online / total:.1f}%" if total else "—"
            here = counts.get(code, {})
            badges = [html.Span(str(here.get("open", 0)), className="count-open", title=s["overview.open"])]
            for key in ("overdue", "near"):
                if here.get(key):
                    badges.append(
                        html.Span(str(here[key]), className=f"count-{key}", title=s[f"overview.{key}"])
                    )
            items.append(
                dcc.Link(
                    [
                        html.Span(s[f"unit.{code}"], className="street-name"),
                        html.Span(badges, className="badges"),
                        html.Span(rate, className="street-rate"),
                    ],
                    href=href(street=code, lang="en" if lang == "en" else None),
                    className="street-item" + (" is-current" if code == current else ""),
                    id={"type": "street-link", "code": code},
                )
            )
        return items

    def overview(street: str | None, t: int, s: dict[str, str], lang: str) -> Any:
        if not street:
            return html.Div(s["district"], className="overview-title")
        data = sel.street_overview(runtime.state, street, t, stale_ms, runtime.console)
        video = data["video"]
        total = sum(video.values())
        figures = [
            (s["overview.open"], data["open_incidents"], ""),
            (s["overview.near"], data["near"], "is-near" if data["near"] else ""),
            (s["overview.overdue"], data["overdue"], "is-overdue" if data["overdue"] else ""),
            (s["overview.cameras"], f"{video.get('online', 0)}/{total}", ""),
            (s["overview.sensors"], data["sensors"], ""),
        ]
        names = {i["key"]: i for i in runtime.catalogue}
        chips = []
        for series in runtime.state.indicators.values():
            indicator = names.get(series["key"])
            if series["street"] == street and indicator is not None:
                name = indicator["name_en"] if lang == "en" else indicator["name_zh"]
                level = sel.level(series["value"], indicator)
                chips.append(
                    html.Div(
                        [html.B(f"{series['value']}"), html.Span(name)],
                        className=f"overview-figure indicator is-{level}",
                    )
                )
        return [
            html.Div(s[f"unit.{street}"], className="overview-title"),
            *[
                html.Div([html.B(str(value)), html.Span(label)], className=f"overview-figure {cls}")
                for label, value, cls in figures
            ],
            *chips,
        ]

    def breadcrumbs(where: dict[str, str], s: dict[str, str], lang: str) -> list[Any]:
        en = "en" if lang == "en" else None
        crumbs: list[Any] = [dcc.Link(s["district"], href=href(lang=en), className="crumb")]
        if where.get("street"):
            crumbs += [
                html.Span("›", className="crumb-sep"),
                dcc.Link(
                    s[f"unit.{where['street']}"],
                    href=href(street=where["street"], lang=en),
                    className="crumb",
                ),
            ]
        for key in ("incident", "camera", "sensor"):
            if where.get(key):
                crumbs += [
                    html.Span("›", className="crumb-sep"),
                    html.Span(where[key], className="crumb crumb-current"),
                ]
        return crumbs

    def incident_features(rows: list[dict[str, Any]]) -> list[Any]:
        """Open incidents of the filtered list as map markers (severe or overdue ones pulse)."""
        markers = []
        projection = runtime.hub.views.projection
        for row in rows:
            incident = runtime.state.incidents[row["id"]]
            if incident.get("lat") is None or row["status"] == "closed":
                continue
            lat, lon = projection.point(incident["lat"], incident["lon"], incident.get("crs"))
            pulse = row["severity"] == 1 or row["deadline"] == "overdue"
            markers.append(
                dl.DivMarker(
                    id=ids.incident_marker(row["id"]),
                    position=[lat, lon],
                    iconOptions={
                        "className": f"incident-marker sev-{row['severity']}" + (" pulse" if pulse else ""),
                        "html": "<div></div>",
                        "iconSize": [22, 22],
                    },
                    zIndexOffset=1000 - row["severity"] * 100,
                    # text children: the title is data, never markup
                    children=dl.Tooltip(f"{row['title']} · {row['status_label']}", direction="top"),
                )
            )
        return markers

    def camera_rates(rows: list[dict[str, Any]], s: dict[str, str]) -> list[Any]:
        rates = sel.camera_rates(rows)
        out = [
            dcc.Link(
                [
                    html.Span(s[f"unit.{code}"]),
                    html.B(f"{100 * rates[code][1] / rates[code][0]:.1f}%"),
                    html.Span(f"{rates[code][0] - rates[code][1]}", className="down-count"),
                ],
                href=href(street=code),
                className="rate-item",
            )
            for code, _, _ in UNITS
            if rates.get(code, (0, 0))[0]
        ]
        help_text = s["status.help"].format(m=settings.video_stale_s // 60)
        return [html.Div(out, className="rate-list"), html.Div(help_text, className="help")]

    # ------------------------------------------------------------ the detail drawer
    @app.callback(
        Output(ids.DETAIL, "children"),
        Output("detail-drawer", "hidden"),
        Output(ids.DETAIL_VERSION, "data"),
        Output(ids.ACTION_FORM, "hidden"),
        Output(ids.action_button(ALL), "hidden"),  # type: ignore[arg-type]
        Output(ids.REVEAL_FORM, "hidden"),
        Output(ids.REVEAL_FIELD, "options"),
        Input(ids.CONSOLE_SEARCH, "data"),
        Input(ids.LIVE_TICK, "data"),
    )
    async def detail(search: str | None, _tick: int) -> tuple[Any, ...]:
        principal = require("console")
        lang, where, t = lang_of(search), drill(search), now()
        s = client_strings(lang)
        hide_all = [True] * len(lifecycle.VERBS)
        navigated = ctx.triggered_id != ids.LIVE_TICK  # a look, not a refresh: audited once

        def not_found(what: str) -> tuple[Any, ...]:
            return html.Div(s["detail.not_found"].format(what=what)), False, None, True, hide_all, True, []

        def reveal_options(kind: str) -> list[dict[str, str]]:
            return [{"label": s[f"field.{name}"], "value": name}
                    for name in classify.personal_fields(classify.REVEALABLE[kind])]

        if where.get("incident"):
            data = sel.incident_detail(runtime.state, where["incident"], t, runtime.console)
            if data is None or not principal.sees_street(data.get("street")):
                return not_found(where["incident"])
            if navigated:
                await audit_look(principal, f"incident:{data['id']}")
            data = classify.mask_personal(data, "incident.reported")
            allowed = lifecycle.allowed_verbs(data["status"]) if principal.can("act") else ()
            hidden = [verb not in allowed for verb in lifecycle.VERBS]
            return (incident_view(data, s, lang), False, data["version"], not principal.can("act"),
                    hidden, not principal.can("reveal"), reveal_options("incident"))
        if where.get("ticket"):
            ticket = runtime.state.tickets.get(where["ticket"])
            if ticket is None or not principal.sees_street(ticket.get("street")):
                return not_found(where["ticket"])
            if navigated:
                await audit_look(principal, f"ticket:{ticket['id']}")
            body = ticket_view(classify.mask_personal(ticket, "hotline.ticket"), s)
            return body, False, None, True, hide_all, not principal.can("reveal"), reveal_options("ticket")
        if where.get("duty"):
            shift = runtime.state.duty.get(where["duty"])
            if shift is None or not sees_center(principal, shift["center"]):
                return not_found(where["duty"])
            body = duty_view(classify.mask_personal(shift, "duty.shift"), s)
            return body, False, None, True, hide_all, not principal.can("reveal"), reveal_options("duty")
        if where.get("camera"):
            data = sel.camera_detail(runtime.state, where["camera"], t, stale_ms)
            if data is None or not principal.sees_street(data.get("street")):
                return not_found(where["camera"])
            return camera_view(data, s, lang), False, None, True, hide_all, True, []
        if where.get("sensor"):
            data = sel.sensor_detail(runtime.state, where["sensor"])
            if data is None or not principal.sees_street(data.get("street")):
                return not_found(where["sensor"])
            return sensor_view(data, s), False, None, True, hide_all, True, []
        return [], True, None, True, hide_all, True, []

    async def audit_look(principal: Principal, target: str) -> None:
        await runtime.auditor.record("view", principal.name, principal.role, target=target,
                                     detail="record holding personal data (masked)", ip=client_ip())

    def sees_center(principal: Principal, center: str) -> bool:
        """A duty shift is the district centre's (everyone's) or one unit's."""
        return center == "district" or principal.sees_street(center)

    def duty_view(shift: dict[str, Any], s: dict[str, str]) -> list[Any]:
        rows = [
            (s["duty.center"], s.get(f"unit.{shift['center']}", s["district"])),
            (s["duty.post"], shift.get("post")),
            (s["duty.name"], shift.get("name")),
            (s["duty.phone"], shift.get("phone")),
            (s["duty.shift"], f"{(shift.get('start') or '')[5:16]} – {(shift.get('end') or '')[11:16]}"),
        ]
        return [
            layout.detail_head(f"{shift.get('post')} · {shift.get('name')}"),
            layout.detail_fields(rows),
        ]

    def ticket_view(ticket: dict[str, Any], s: dict[str, str]) -> list[Any]:
        rows = [
            (s["ticket.category"], ticket.get("category")),
            (s["ticket.status"], ticket.get("status")),
            (s["ticket.created"], clock_text(ticket.get("created"))),
            (s["field.caller_name"], ticket.get("caller_name")),
            (s["field.caller_phone"], ticket.get("caller_phone")),
            (s["field.address"], ticket.get("address")),
            (s["ticket.summary"], ticket.get("summary")),
        ]
        return [
            layout.detail_head(s["ticket.title"].format(id=ticket["id"])),
            html.Div(s.get(f"unit.{ticket.get('street')}", "—"), className="detail-meta"),
            layout.detail_fields(rows),
        ]

    # ------------------------------------------------------------ reveal (audited)
    @app.callback(
        Output(ids.REVEAL_RESULT, "children"),
        Output(ids.REVEAL_RESULT, "className"),
        Input(ids.REVEAL_BUTTON, "n_clicks"),
        State(ids.REVEAL_FIELD, "value"),
        State(ids.REVEAL_REASON, "value"),
        State(ids.CONSOLE_SEARCH, "data"),
        prevent_initial_call=True,
    )
    async def reveal(clicks: int | None, field: str | None, reason: str | None,
                     search: str | None) -> tuple[str, str]:
        principal = require("reveal")
        s = client_strings(lang_of(search))
        where = drill(search)
        kind = next((k for k in ("incident", "ticket", "duty") if where.get(k)), None)
        if not clicks or kind is None or not field:
            return dash.no_update, dash.no_update
        if not (reason or "").strip():
            return s["reveal.need_reason"], "result is-error"
        if not classify.can_reveal(kind, field):
            raise refuse(f"{field} of a {kind} is not a revealable field")
        records = {"incident": runtime.state.incidents, "ticket": runtime.state.tickets,
                   "duty": runtime.state.duty}[kind]
        record = records.get(where[kind])
        in_scope = record is not None and (sees_center(principal, record["center"]) if kind == "duty"
                                           else principal.sees_street(record.get("street")))
        if record is None or not in_scope:
            raise refuse(f"{kind} {where[kind]} is not in {principal.name}'s scope")
        target = f"{kind}:{record.get('id', where[kind])}#{field}"
        recorded = await runtime.auditor.record("reveal", principal.name, principal.role, target=target,
                                                detail=(reason or "").strip(), ip=client_ip())
        if not recorded:  # an unaudited look is not allowed
            return s["reveal.refused"].format(reason="audit unavailable"), "result is-error"
        runtime.metrics.reveals.inc()
        value = record.get(field)
        return s["reveal.shown"].format(field=s[f"field.{field}"], value=value or "—"), "result is-ok"

    def incident_view(data: dict[str, Any], s: dict[str, str], lang: str) -> list[Any]:
        due = data.get("deadline")
        deadline_text = (
            s["detail.deadline"].format(
                stage=s[f"stage.{due['stage']}"],
                due=clock_text(due["due"]),
                state=s[f"deadline.{due['state']}"],
            )
            if due
            else ""
        )
        steps = layout.timeline(
            [
                (
                    clock_text(step["ts"]),
                    s.get(f"incident.{step['step']}", step["step"]),
                    " · ".join(
                        str(x)
                        for x in (
                            step.get("by"),
                            step.get("unit"),
                            step.get("note"),
                            s.get(f"severity.{step.get('severity')}"),
                        )
                        if x
                    ),
                )
                for step in data["timeline"]
            ],
            [f"tl-{step['step']}" for step in data["timeline"]],
        )
        return [
            layout.detail_head(
                data["title"], s[f"severity.{data['severity']}"], f"sev-pill sev-{data['severity']}"
            ),
            html.Div(
                " · ".join(
                    [
                        data["id"],
                        s[f"domain.{data['domain']}"],
                        s.get(f"unit.{data['street']}", s["district"]),
                        s[f"incident.{data['status']}"],
                        s["detail.version"].format(v=data["version"]),
                    ]
                ),
                className="detail-meta",
            ),
            html.Div(data.get("address") or "", className="detail-meta"),
            html.Div(data.get("description") or "", className="detail-text"),
            html.Div(
                deadline_text, className=f"detail-deadline is-{due['state']}" if due else "detail-deadline"
            ),
            html.H4(s["detail.timeline"]),
            steps,
        ]

    def camera_view(data: dict[str, Any], s: dict[str, str], lang: str) -> list[Any]:
        history = layout.timeline(
            [
                (clock_text(h["ts"]), s.get(f"status.{h['status']}", h["status"]), h.get("reason") or "")
                for h in data["history"]
            ]
        )
        return [
            layout.detail_head(
                data["name"], s[f"status.{data['status']}"], f"status-pill status-{data['status']}"
            ),
            html.Div(
                " · ".join(
                    [
                        data["id"],
                        s.get(f"unit.{data['street']}", "—"),
                        data.get("kind") or "",
                        s["col.last"] + " " + clock_text(data["last"]),
                    ]
                ),
                className="detail-meta",
            ),
            html.Div(
                s["detail.down_for"].format(d=duration_text(data["down_s"], lang)) if data["down_s"] else "",
                className="detail-deadline is-overdue",
            ),
            html.H4(s["detail.history"]),
            history,
        ]

    def sensor_view(data: dict[str, Any], s: dict[str, str]) -> list[Any]:
        unit = data.get("unit") or ""
        return [
            layout.detail_head(f"{s.get('sensor.' + data['kind'], data['kind'])} {data['id']}"),
            html.Div(s.get(f"unit.{data.get('street')}", "—"), className="detail-meta"),
            html.H4(s["detail.readings"]),
            layout.timeline(
                [(clock_text(ts), f"{value} {unit}", "") for ts, value in reversed(data["readings"])]
            ),
        ]

    # ------------------------------------------------------------ where the map looks
    @app.callback(Output(ids.MAP, "viewport"), Input(ids.CONSOLE_SEARCH, "data"))
    async def focus_map(search: str | None) -> dict[str, Any]:
        """Fly to the selected incident, else to the selected street, else the district."""
        principal = require("console")
        where = scoped(drill(search), principal)
        projection = runtime.hub.views.projection
        incident = runtime.state.incidents.get(where.get("incident", ""))
        if incident and incident.get("lat") is not None and principal.sees_street(incident["street"]):
            lat, lon = projection.point(incident["lat"], incident["lon"], incident.get("crs"))
            return {"center": [lat, lon], "zoom": 16, "transition": "flyTo"}
        if where.get("street"):
            bounds = geo.street_bounds(where["street"], settings.streets_geojson)
        else:
            bounds = geo.district_bounds()
        return {"bounds": projection.bounds(*bounds), "transition": "flyToBounds"}

    # ------------------------------------------------------------ navigation
    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.GRID_INCIDENTS, "cellClicked"),
        Input(ids.GRID_CAMERAS, "cellClicked"),
        Input(ids.GRID_TICKETS, "cellClicked"),
        Input(ids.incident_marker(ALL), "n_clicks"),  # type: ignore[arg-type]
        Input(ids.CONSOLE_STREETS, "clickData"),
        State(ids.CONSOLE_SEARCH, "data"),
        prevent_initial_call=True,
    )
    async def navigate(
        incident_cell: dict[str, Any] | None,
        camera_cell: dict[str, Any] | None,
        ticket_cell: dict[str, Any] | None,
        incident_click: list[int | None] | None,
        street_click: dict[str, Any] | None,
        search: str | None,
    ) -> str:
        where = scoped(drill(search), require("console"))
        en = "en" if lang_of(search) == "en" else None
        trigger = ctx.triggered_id
        if trigger == ids.GRID_INCIDENTS and incident_cell:
            return href(street=where.get("street"), incident=incident_cell.get("rowId"), lang=en)[8:]
        if trigger == ids.GRID_CAMERAS and camera_cell:
            return href(street=where.get("street"), camera=camera_cell.get("rowId"), lang=en)[8:]
        if trigger == ids.GRID_TICKETS and ticket_cell:
            return href(street=where.get("street"), ticket=ticket_cell.get("rowId"), lang=en)[8:]
        if (
            isinstance(trigger, dict)
            and trigger.get("type") == "incident-marker"
            and any(incident_click or [])
        ):
            return href(street=where.get("street"), incident=trigger["id"], lang=en)[8:]
        if trigger == ids.CONSOLE_STREETS and street_click:
            return href(street=street_click["properties"]["code"], lang=en)[8:]
        return dash.no_update

    # ------------------------------------------------------------ actions
    @app.callback(
        Output(ids.ACTION_RESULT, "children"),
        Output(ids.ACTION_RESULT, "className"),
        Input(ids.action_button(ALL), "n_clicks"),  # type: ignore[arg-type]
        State(ids.CONSOLE_SEARCH, "data"),
        State(ids.DETAIL_VERSION, "data"),
        State(ids.ACTION_UNIT, "value"),
        State(ids.ACTION_NOTE, "value"),
        State(ids.ACTION_SEVERITY, "value"),
        prevent_initial_call=True,
    )
    async def act(
        clicks: list[int | None],
        search: str | None,
        version: int | None,
        unit: str | None,
        note: str | None,
        severity: int | None,
    ) -> tuple[str, str]:
        trigger = ctx.triggered_id
        if not trigger or not any(clicks):
            return dash.no_update, dash.no_update
        principal = require("act")
        s = client_strings(lang_of(search))
        incident_id = drill(search).get("incident") or ""
        incident = runtime.state.incidents.get(incident_id)
        if incident is not None and not principal.sees_street(incident["street"]):
            raise refuse(f"incident {incident_id} is not in {principal.name}'s scope")
        outcome = await incident_action(
            runtime,
            principal.name,
            incident_id,
            trigger["verb"],
            version=version,
            unit=unit,
            note=note,
            severity=severity,
            role=principal.role,
            ip=client_ip(),
        )
        if outcome.ok:
            return s["action.done"].format(what=s[f"action.{trigger['verb']}"]), "result is-ok"
        return s["action.refused"].format(reason=outcome.message), "result is-error"

    # ------------------------------------------------------------ the alarm inbox
    @app.callback(
        Output(ids.INBOX, "children"),
        Input(ids.CONSOLE_SEARCH, "data"),
        Input(ids.LIVE_TICK, "data"),
        Input(ids.INBOX_SELECTED, "data"),
    )
    async def inbox_list(search: str | None, _tick: int, selected: str | None) -> list[Any]:
        principal = require("console")
        s = client_strings(lang_of(search))
        box = sel.inbox(
            runtime.state,
            now(),
            runtime.console,
            runtime.catalogue,
            scope=scoped(drill(search), principal).get("street"),
            window_ms=settings.flood_window_s * 1000,
            flood_alarms=settings.flood_alarms,
        )
        items: list[Any] = []
        if box["flood"]:
            items.append(
                html.Div(
                    s["banner.flood"].format(
                        n=box["recent"], s=sum(1 for i in box["active"] if i["severity"] == 1)
                    ),
                    className="flood",
                )
            )
        detail_key = {"sensor": "sensor", "camera": "camera"}
        for item in box["active"][:200]:
            target = detail_key.get(item["kind"])
            link = (
                dcc.Link("›", href=href(**{target: item["ref"]}), className="inbox-open", title=item["ref"])
                if target
                else html.Span(className="inbox-open")
            )
            items.append(
                html.Div(
                    [
                        html.Button(
                            [
                                html.Span(
                                    s[f"level.{item['severity']}"],
                                    className=f"sev-pill sev-{item['severity']}",
                                ),
                                html.Span(s[f"inbox.kind.{item['kind']}"], className="inbox-kind"),
                                html.Span(item["title"], className="inbox-title"),
                                html.Span(
                                    s.get(f"unit.{item['street']}", s["district"]), className="inbox-street"
                                ),
                                html.Span(clock_text(item["since"]), className="inbox-time"),
                            ],
                            id=ids.inbox_item(item["key"]),
                            className="inbox-item" + (" is-selected" if item["key"] == selected else ""),
                        ),
                        link,
                    ],
                    className="inbox-row",
                )
            )
        if box["shelved"]:
            items.append(html.Div(s["inbox.shelved"].format(n=len(box["shelved"])), className="help"))
        return items

    @app.callback(
        Output(ids.INBOX_SELECTED, "data"), Input(ids.inbox_item(ALL), "n_clicks"), prevent_initial_call=True
    )  # type: ignore[arg-type]
    async def select_alarm(clicks: list[int | None]) -> str:
        if not ctx.triggered_id or not any(clicks):
            return dash.no_update
        return str(ctx.triggered_id["key"])

    @app.callback(
        Output(ids.INBOX_RESULT, "children"),
        Output(ids.INBOX_RESULT, "className"),
        Input(ids.INBOX_ACK, "n_clicks"),
        Input(ids.INBOX_SHELVE, "n_clicks"),
        State(ids.INBOX_SELECTED, "data"),
        State(ids.INBOX_COMMENT, "value"),
        State(ids.INBOX_SHELVE_REASON, "value"),
        State(ids.INBOX_SHELVE_MINUTES, "value"),
        State(ids.CONSOLE_SEARCH, "data"),
        prevent_initial_call=True,
    )
    async def handle_alarm(
        _ack: int | None,
        _shelve: int | None,
        key: str | None,
        comment: str | None,
        reason: str | None,
        minutes: float | None,
        search: str | None,
    ) -> tuple[str, str]:
        principal = require("act")
        s = client_strings(lang_of(search))
        if not key:
            return s["inbox.select"], "result is-error"
        if principal.scope is not None:
            box = sel.inbox(runtime.state, now(), runtime.console, runtime.catalogue, scope=principal.scope,
                            window_ms=settings.flood_window_s * 1000, flood_alarms=settings.flood_alarms)
            if not any(item["key"] == key for item in box["active"] + box.get("shelved", [])):
                raise refuse(f"alarm {key} is not in {principal.name}'s scope")
        verb = "shelve" if ctx.triggered_id == ids.INBOX_SHELVE else "acknowledge"
        outcome = await alarm_action(
            runtime, principal.name, key, verb, comment=comment, reason=reason, shelve_minutes=minutes,
            role=principal.role, ip=client_ip(),
        )
        label = s["inbox.shelve" if verb == "shelve" else "inbox.ack"]
        if outcome.ok:
            return s["action.done"].format(what=label), "result is-ok"
        return s["action.refused"].format(reason=outcome.message), "result is-error"

    # ------------------------------------------------------------ CSV export
    for button, grid_id in (
        (ids.EXPORT_INCIDENTS, ids.GRID_INCIDENTS),
        (ids.EXPORT_CAMERAS, ids.GRID_CAMERAS),
        (ids.EXPORT_TICKETS, ids.GRID_TICKETS),
    ):
        app.clientside_callback(
            "function (n) { return Boolean(n); }",
            Output(grid_id, "exportDataAsCsv"),
            Input(button, "n_clicks"),
            prevent_initial_call=True,
        )

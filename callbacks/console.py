"""The console's callbacks: adapters from the URL, filters and live ticks to the
selectors of dashboard/console.py and dashboard/console_map.py, the policies of
dashboard/console_policy.py and the builders of layouts/console_panels.py and
layouts/console_detail.py; from buttons to dashboard/actions.py.  Each unpacks, calls,
returns (a dict of outputs where there are several).

Callbacks run on the server's event loop (Dash's FastAPI backend), between event
batches, so they read a consistent state; they must stay cheap: a page of rows from the
incident index (dashboard/console_index.py), never a pass over every incident, and each
refreshes only when a /live cue names its area (the ``tick-<area>`` stores).

Every callback asks :func:`dashboard.guard.require` who is calling (the guard has
already refused roles without the console permission before Dash ran) and confines
what it reads to the caller's scope: an officer of one street gets that street's
records whatever the URL asks.  Actions are taken as the signed-in user, never a
typed name; looking at a record that holds personal data and revealing a field of it
are audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from callbacks import export
from dashboard import checkin_view, clock, hotline, roster_view
from dashboard import console as sel
from dashboard import console_pages as pages
from dashboard import console_policy as policy
from dashboard.actions import alarm_action, incident_action, ticket_action
from dashboard.auth import Principal
from dashboard.camera import CAMERA_STATUSES
from dashboard.console_index import Deadlines
from dashboard.console_map import incident_markers, map_viewport
from dashboard.console_url import ConsoleUrl, DrillKind
from dashboard.guard import client_ip, refuse, require
from dashboard.i18n import client_strings, unit_label
from dashboard.inbox import inbox
from dashboard.protocol import Cue
from layouts import console_detail as drawer
from layouts import console_panels as panels
from layouts import ids
from layouts.console_checkin import checkin_table
from layouts.console_roster import roster_panel

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

#: The console area whose cue refreshes an open record of each kind.
DETAIL_CUES: dict[DrillKind, Cue] = {"incident": Cue.INCIDENTS, "camera": Cue.CAMERAS, "ticket": Cue.TICKETS,
                                     "sensor": Cue.SENSORS, "duty": Cue.DUTY,
                                     # a series' alarms and band: its values change too often to cue
                                     "series": Cue.INBOX}

#: The export links (callbacks/export.py) of the grids.
EXPORT_LINKS = {"incidents": ids.EXPORT_INCIDENTS, "cameras": ids.EXPORT_CAMERAS,
                "tickets": ids.EXPORT_TICKETS}

TICK_IDS = frozenset(ids.tick(cue) for cue in Cue)

#: The grid whose row was clicked → what the row drills into.
GRID_KINDS: dict[str, DrillKind] = {ids.GRID_INCIDENTS: "incident", ids.GRID_CAMERAS: "camera",
                              ids.GRID_TICKETS: "ticket"}

#: The inbox's buttons: the verb of dashboard/actions.py ``alarm_action`` and its label.
INBOX_VERBS: dict[str, tuple[str, str]] = {
    ids.INBOX_ACK: ("acknowledge", "inbox.ack"),
    ids.INBOX_SHELVE: ("shelve", "inbox.shelve"),
    ids.INBOX_OUT_OF_SERVICE: ("out_of_service", "inbox.out_of_service"),
    ids.INBOX_IN_SERVICE: ("in_service", "inbox.in_service"),
}


def where(search: str | None, principal: Principal) -> ConsoleUrl:
    """The console URL, confined to the principal's scope."""
    return ConsoleUrl.parse(search).scoped(principal.scope)


def strings(search: str | None) -> dict[str, str]:
    """The labels in the console URL's language."""
    return client_strings(ConsoleUrl.parse(search).lang)


def register(app: dash.Dash, runtime: Runtime) -> None:
    export.register(app.server, runtime)
    settings = runtime.settings
    stale_ms = settings.video_stale_s * 1000
    projection = runtime.hub.views.projection
    now = clock.now_ms

    index, deadlines = runtime.incidents, Deadlines(runtime.console)
    filter_ids = {"text": ids.SEARCH, "domains": ids.FILTER_DOMAINS, "severities": ids.FILTER_SEVERITIES,
                  "statuses": ids.FILTER_STATUSES, "since": ids.FILTER_SINCE}
    filter_states = {name: State(cid, "value") for name, cid in filter_ids.items()}
    filter_inputs = {name: Input(cid, "value") for name, cid in filter_ids.items()}
    search_state, search_input = State(ids.CONSOLE_SEARCH, "data"), Input(ids.CONSOLE_SEARCH, "data")

    def answer(rows: list[dict[str, Any]], count: int) -> dict[str, Any]:
        return {"rowData": rows, "rowCount": count}

    def shared(name: str, areas: tuple[Cue, ...], principal: Principal, asked: list[Any],
               compute: Any) -> Any:
        """One answer for every page that asks the same (dashboard/shared_answers.py)."""
        return runtime.answers.get(name, areas, [principal.role, principal.scope, *asked], compute)

    def unless_shown(name: str, areas: tuple[Cue, ...], principal: Principal, asked: list[Any],
                     compute: Any, shown: str | None) -> tuple[Any, str]:
        """:func:`shared`, with its signature; nothing (204) when the page shows it already."""
        answer, signature = runtime.answers.signed(name, areas, [principal.role, principal.scope, *asked],
                                                   compute)
        if signature == shown:
            raise PreventUpdate
        return answer, signature

    # ------------------------------------------------------------ the lists, a page at a time
    # Each grid asks for the rows it shows (AG Grid's infinite row model); a /live cue
    # makes assets/console.js refresh the pages a grid holds, a filter change sends it back
    # to its first page (the clientside callback below).
    @app.callback(Output(ids.GRID_INCIDENTS, "getRowsResponse"),
                  inputs={"request": Input(ids.GRID_INCIDENTS, "getRowsRequest")},
                  state={"search": search_state, **filter_states})
    async def incident_page(request: dict[str, Any] | None, search: str | None,
                            **filters: Any) -> dict[str, Any]:
        principal = require("console")

        def compute() -> dict[str, Any]:
            url, t = where(search, principal), now()
            rows, count = pages.incident_page(index, runtime.state, url.filters(**filters, now=t),
                                              pages.PageRequest.of_grid(request), t, runtime.console,
                                              deadlines, principal.scope)
            return answer(panels.incident_grid_rows(rows, client_strings(url.lang)), count)

        return shared("incidents.page", (Cue.INCIDENTS,), principal, [search, request, filters], compute)

    @app.callback(Output(ids.GRID_CAMERAS, "getRowsResponse"),
                  inputs={"request": Input(ids.GRID_CAMERAS, "getRowsRequest")},
                  state={"search": search_state, "text": filter_states["text"]})
    async def camera_page(request: dict[str, Any] | None, search: str | None,
                          text: str | None) -> dict[str, Any]:
        principal = require("console")

        def compute() -> dict[str, Any]:
            url, t = where(search, principal), now()
            rows, count = pages.camera_page(runtime.state, sel.Filters(street=url.street, text=text or ""),
                                            pages.PageRequest.of_grid(request), t, stale_ms, principal.scope)
            return answer(panels.camera_grid_rows(rows, client_strings(url.lang), url.lang), count)

        return shared("cameras.page", (Cue.CAMERAS,), principal, [search, request, text], compute)

    @app.callback(Output(ids.GRID_TICKETS, "getRowsResponse"),
                  inputs={"request": Input(ids.GRID_TICKETS, "getRowsRequest")},
                  state={"search": search_state, "text": filter_states["text"],
                         "since": filter_states["since"]})
    async def ticket_page(request: dict[str, Any] | None, search: str | None, text: str | None,
                          since: str | None) -> dict[str, Any]:
        principal = require("console")

        def compute() -> dict[str, Any]:
            url, t = where(search, principal), now()
            window = url.filters(text=text, since=since, now=t)
            only = sel.Filters(street=url.street, since_ms=window.since_ms, text=window.text)
            rows, count = pages.ticket_page(runtime.state, only, pages.PageRequest.of_grid(request), t,
                                            runtime.deadlines, principal.scope)
            return answer(panels.ticket_grid_rows(rows, client_strings(url.lang)), count)

        return shared("tickets.page", (Cue.TICKETS,), principal, [search, request, text, since], compute)

    app.clientside_callback(  # filters changed: every grid back to its first page (assets/console.js)
        ClientsideFunction("console", "resetGrids"),
        Output(ids.GRID_RESET, "data"), search_input, *filter_inputs.values(),
        prevent_initial_call=True,
    )

    @app.callback(output={kind: Output(link, "href") for kind, link in EXPORT_LINKS.items()},
                  inputs={"search": search_input, **filter_inputs})
    async def export_links(search: str | None, **filters: Any) -> dict[str, str]:
        require("console")
        return {kind: export.href(kind, search, **filters) for kind in EXPORT_LINKS}

    # ------------------------------------------------------------ the map's cases and camera rates
    @app.callback(output={"markers": Output(ids.CONSOLE_INCIDENTS, "children"),
                          "shown": Output(ids.MARKERS_SHOWN, "data")},
                  inputs={"search": search_input, "_tick": Input(ids.tick(Cue.INCIDENTS), "data"),
                          **filter_inputs},
                  state={"shown": State(ids.MARKERS_SHOWN, "data")})
    async def markers(search: str | None, _tick: int, shown: str | None, **filters: Any) -> dict[str, Any]:
        """The map's open cases; sent only when what they show changed (most cues concern
        other cases than the few hundred on the map, and 300 markers are ~150 kB)."""
        principal = require("console")

        def compute() -> dict[str, Any]:
            url, t = where(search, principal), now()
            rows = pages.open_incidents(index, runtime.state, url.filters(**filters, now=t), t,
                                        runtime.console, deadlines, principal.scope)
            placed = incident_markers(runtime.state, rows, projection)
            s = client_strings(url.lang)
            return {"markers": [panels.incident_marker(marker, s) for marker in placed],
                    "shown": pages.markers_signature(url.lang, placed)}

        answered = shared("incidents.markers", (Cue.INCIDENTS,), principal, [search, filters], compute)
        if answered["shown"] == shown:
            raise PreventUpdate
        return answered

    @app.callback(Output(ids.CAMERA_RATES, "children"), Output(ids.shown("rates"), "data"),
                  Input(ids.CONSOLE_SEARCH, "data"), Input(ids.tick(Cue.CAMERAS), "data"),
                  Input(ids.SEARCH, "value"), State(ids.shown("rates"), "data"))
    async def rates(search: str | None, _tick: int, text: str | None, shown: str | None) -> tuple[Any, str]:
        principal = require("console")

        def compute() -> list[Any]:
            url, t = where(search, principal), now()
            if text:  # the cameras the search finds
                found = sel.Filters(street=url.street, text=text)
                rates = sel.camera_rates(sel.camera_rows(runtime.state, found, t, stale_ms, principal.scope))
            else:  # every camera: the wall's figures
                video = runtime.hub.views.summary(principal.scope)["video"]
                rates = sel.street_camera_rates(video["streets"], url.street)
            return panels.camera_rates(rates, url, client_strings(url.lang), settings.video_stale_s // 60)

        return unless_shown("cameras.rates", (Cue.CAMERAS,), principal, [search, text], compute, shown)

    # ------------------------------------------------------------ streets, overview, breadcrumbs
    @app.callback(
        output={"streets": Output(ids.STREET_LIST, "children"), "overview": Output(ids.OVERVIEW, "children"),
                "crumbs": Output(ids.BREADCRUMBS, "children"),
                # a street's own camera counts in the map's legend (the district's: assets/wall.js)
                "legend": {status: Output(ids.map_legend_count(status), "children")
                           for status in CAMERA_STATUSES},
                "shown": Output(ids.shown("streets"), "data")},
        inputs={"search": search_input, **{f"_{cue}": Input(ids.tick(cue), "data")
                                           for cue in (Cue.INCIDENTS, Cue.CAMERAS, Cue.DUTY)}},
        state={"shown": State(ids.shown("streets"), "data")},
    )
    async def streets(search: str | None, shown: str | None, **_ticks: int) -> dict[str, Any]:
        principal = require("console")
        url = where(search, principal)
        # what the panels show: cases, cameras, duty; a street's indicator chips (their
        # changes cue the inbox); the street of a drilled record
        areas = (Cue.INCIDENTS, Cue.CAMERAS, Cue.DUTY, *((Cue.INBOX,) if url.street else ()),
                 *((Cue.TICKETS, Cue.SENSORS) if url.kind else ()))
        panels_, signature = unless_shown("streets", areas, principal, [search],
                                          lambda: street_panels(search, principal), shown)
        return {**panels_, "shown": signature}

    def street_panels(search: str | None, principal: Principal) -> dict[str, Any]:
        url, t, state = where(search, principal), now(), runtime.state
        s = client_strings(url.lang)
        counts = index.street_counts(principal.scope, t, deadlines, runtime.console.near)
        video = runtime.hub.views.summary(principal.scope)["video"]["streets"]  # the wall's figures
        figures = (sel.street_overview(state, url.street, t, stale_ms, counts.get(url.street))
                   if url.street else None)
        chips = sel.street_indicators(state, url.street, runtime.catalogue)
        return {"streets": panels.street_list(counts, video, url, s, principal.scope),
                "overview": panels.overview(figures, chips, url, s),
                "crumbs": panels.breadcrumbs(url, s, sel.record_street(state, url.kind, url.key)),
                "legend": {status: f"{figures['video'].get(status, 0):,}" if figures else dash.no_update
                           for status in CAMERA_STATUSES}}

    @app.callback(Output(ids.DUTY, "children"), Output(ids.shown("duty"), "data"),
                  Input(ids.CONSOLE_SEARCH, "data"), Input(ids.tick(Cue.DUTY), "data"),
                  State(ids.shown("duty"), "data"))
    async def duty(search: str | None, _tick: int, shown: str | None) -> tuple[Any, str]:
        principal = require("console")

        def compute() -> Any:
            url = where(search, principal)
            strings_ = client_strings(url.lang)
            week = roster_view.console_roster(runtime.state.roster, now(), runtime.deadlines.calendar,
                                              url.street)
            shifts = sel.duty_rows(runtime.state, url.street)  # duty.shift, when a producer sends them
            checkins = checkin_view.today(runtime.state, now(), url.street)  # 查岗
            return [*([panels.duty_table(shifts, url, strings_)] if shifts else []),
                    checkin_table(checkins, strings_), roster_panel(week, url, strings_)]

        return unless_shown("duty", (Cue.DUTY,), principal, [search], compute, shown)

    # ------------------------------------------------------------ the detail drawer
    @app.callback(
        output={"body": Output(ids.DETAIL, "children"),
                "drawer_hidden": Output(ids.DETAIL_DRAWER, "hidden"),
                "version": Output(ids.DETAIL_VERSION, "data"),
                "form_hidden": Output(ids.ACTION_FORM, "hidden"),
                "verbs_hidden": Output(ids.action_button(ALL), "hidden"),  # type: ignore[arg-type]
                "reveal_hidden": Output(ids.REVEAL_FORM, "hidden"),
                "reveal_options": Output(ids.REVEAL_FIELD, "options"),
                "ticket_form_hidden": Output(ids.TICKET_FORM, "hidden"),
                "ticket_buttons_hidden": Output(ids.ticket_button(ALL), "hidden"),  # type: ignore[arg-type]
                "unit_options": Output(ids.ACTION_UNIT, "options")},
        inputs={"search": Input(ids.CONSOLE_SEARCH, "data"),
                "_ticks": [Input(ids.tick(cue), "data") for cue in DETAIL_CUES.values()]},
    )
    async def detail(search: str | None, _ticks: list[int]) -> dict[str, Any]:
        return {"unit_options": dash.no_update, **await drawer_for(search)}

    async def drawer_for(search: str | None) -> dict[str, Any]:
        principal = require("console")
        url = ConsoleUrl.parse(search)
        s = client_strings(url.lang)
        # a cue, not the officer opening something; one patch may cue several areas at once
        # (an incident's change cues its list and the inbox), so every input that fired counts
        fired = {str(cid) for cid in ctx.triggered_prop_ids.values()}
        refresh = bool(fired) and fired <= TICK_IDS
        if refresh and (url.kind is None or ids.tick(DETAIL_CUES[url.kind]) not in fired):
            raise PreventUpdate  # a cue for another area than the record shown
        if url.kind is None or url.key is None:
            return drawer.closed()
        data = sel.drilled(runtime.state, url.kind, url.key, now(), runtime.console, stale_ms,
                           runtime.deadlines, runtime.catalogue)
        if data is None or not policy.sees_record(principal, url.kind, data):
            return drawer.not_found(url.key, s)
        if url.kind in policy.AUDITED_LOOKS and not refresh:  # a look, not a refresh
            await policy.audit_look(runtime.auditor, principal, url.kind, data["id"], client_ip())
        allowed: tuple[str, ...] = ()
        if url.kind == "incident":
            allowed = policy.allowed_actions(data, principal)
        elif url.kind == "ticket" and principal.can("act"):
            allowed = hotline.allowed_buttons(runtime.state.tickets[url.key])
        opened = drawer.opened(url.kind, data, s, url.lang, allowed=allowed, can_act=principal.can("act"),
                               can_reveal=principal.can("reveal"))
        if url.kind == "incident":  # its own street's centre first
            units = sel.dispatch_choices(runtime.console, data.get("street"))
            own = data.get("street") is not None and units[:1] != runtime.console.dispatch_units[:1]
            opened["unit_options"] = [{"label": unit_label(unit, url.lang)
                                       + (s["console.suggested"] if own and n == 0 else ""),
                                       "value": unit} for n, unit in enumerate(units)]
        return opened

    # ------------------------------------------------------------ reveal (audited)
    @app.callback(
        output={"children": Output(ids.REVEAL_RESULT, "children"),
                "className": Output(ids.REVEAL_RESULT, "className")},
        inputs={"clicks": Input(ids.REVEAL_BUTTON, "n_clicks")},
        state={"field": State(ids.REVEAL_FIELD, "value"), "reason": State(ids.REVEAL_REASON, "value"),
               "search": State(ids.CONSOLE_SEARCH, "data")},
        prevent_initial_call=True,
    )
    async def reveal(clicks: int | None, field: str | None, reason: str | None,
                     search: str | None) -> dict[str, str]:
        principal = require("reveal")
        url = ConsoleUrl.parse(search)
        if not (clicks and field and url.key and url.kind in policy.REVEALABLE_KINDS):
            raise PreventUpdate
        shown = await policy.reveal(runtime.state, principal, url.kind, url.key, field, reason,
                                    auditor=runtime.auditor, counter=runtime.metrics.reveals, ip=client_ip())
        if shown.outcome == "denied":
            raise refuse(shown.reason)
        return drawer.reveal_result(shown.outcome, field, shown.value, shown.reason, client_strings(url.lang))

    # ------------------------------------------------------------ where the map looks
    @app.callback(Output(ids.MAP, "viewport"), Input(ids.CONSOLE_SEARCH, "data"))
    async def focus_map(search: str | None) -> dict[str, Any]:
        """Fly to the selected incident, else to the selected street, else the district."""
        principal = require("console")
        url = where(search, principal)
        return map_viewport(runtime.state, url.item("incident"), url.street, principal.scope, projection,
                            settings.streets_geojson)

    # ------------------------------------------------------------ navigation
    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        inputs={"cells": {grid: Input(grid, "cellClicked") for grid in GRID_KINDS},
                "clicks": Input(ids.incident_marker(ALL), "n_clicks"),  # type: ignore[arg-type]
                "street_click": Input(ids.CONSOLE_STREETS, "clickData")},
        state={"search": State(ids.CONSOLE_SEARCH, "data")},
        prevent_initial_call=True,
    )
    async def navigate(cells: dict[str, dict[str, Any] | None], clicks: list[int | None] | None,
                       street_click: dict[str, Any] | None, search: str | None) -> str:
        url, trigger = where(search, require("console")), ctx.triggered_id
        cell = cells.get(trigger) if isinstance(trigger, str) else None
        if cell:
            return url.drill(GRID_KINDS[trigger], cell.get("rowId")).search
        if isinstance(trigger, dict) and trigger.get("type") == "incident-marker" and any(clicks or []):
            return url.drill("incident", trigger["id"]).search
        if trigger == ids.CONSOLE_STREETS and street_click:
            return url.at_street(street_click["properties"]["code"]).search
        raise PreventUpdate

    # ------------------------------------------------------------ incident actions
    @app.callback(
        output={"children": Output(ids.ACTION_RESULT, "children"),
                "className": Output(ids.ACTION_RESULT, "className"),
                # after a step: an empty form, and no buttons until the case's refresh
                # (its cue) shows the steps that may follow
                "unit": Output(ids.ACTION_UNIT, "value"), "note": Output(ids.ACTION_NOTE, "value"),
                "severity": Output(ids.ACTION_SEVERITY, "value"),
                "verbs_hidden": Output(ids.action_button(ALL), "hidden",  # type: ignore[arg-type]
                                       allow_duplicate=True)},
        inputs={"clicks": Input(ids.action_button(ALL), "n_clicks")},  # type: ignore[arg-type]
        state={"search": State(ids.CONSOLE_SEARCH, "data"), "version": State(ids.DETAIL_VERSION, "data"),
               "unit": State(ids.ACTION_UNIT, "value"), "note": State(ids.ACTION_NOTE, "value"),
               "severity": State(ids.ACTION_SEVERITY, "value")},
        prevent_initial_call=True,
    )
    async def act(clicks: list[int | None], search: str | None, version: int | None, unit: str | None,
                  note: str | None, severity: int | None) -> dict[str, Any]:
        trigger = ctx.triggered_id
        if not trigger or not any(clicks):
            raise PreventUpdate
        principal, incident_id = require("act"), ConsoleUrl.parse(search).item("incident") or ""
        incident = runtime.state.incidents.get(incident_id)
        if incident is not None and not policy.sees_record(principal, "incident", incident):
            raise refuse(f"incident {incident_id} is not in {principal.name}'s scope")
        done = await incident_action(runtime, principal.name, incident_id, trigger["verb"], version=version,
                                     unit=unit, note=note, severity=severity, role=principal.role,
                                     ip=client_ip())
        s = strings(search)
        what = s[f"action.{trigger['verb']}"]
        result: dict[str, Any] = dict(panels.outcome(done.ok, what, done.says(s), s))
        if done.ok:
            return {**result, "unit": None, "note": "", "severity": None,
                    "verbs_hidden": [True] * len(clicks)}
        return {**result, "unit": dash.no_update, "note": dash.no_update, "severity": dash.no_update,
                "verbs_hidden": [dash.no_update] * len(clicks)}

    # ------------------------------------------------------------ 12345 ticket steps
    @app.callback(
        output={"children": Output(ids.TICKET_OUTCOME, "children"),
                "className": Output(ids.TICKET_OUTCOME, "className"),
                # after a step: an empty text, and no buttons until the ticket's refresh
                # (its cue) shows the steps that may follow
                "text": Output(ids.TICKET_TEXT, "value"),
                "buttons_hidden": Output(ids.ticket_button(ALL), "hidden",  # type: ignore[arg-type]
                                         allow_duplicate=True)},
        inputs={"clicks": Input(ids.ticket_button(ALL), "n_clicks")},  # type: ignore[arg-type]
        state={"search": State(ids.CONSOLE_SEARCH, "data"), "version": State(ids.DETAIL_VERSION, "data"),
               "unit": State(ids.TICKET_UNIT, "value"), "text": State(ids.TICKET_TEXT, "value"),
               "result": State(ids.TICKET_RESULT, "value"), "until": State(ids.TICKET_UNTIL, "value")},
        prevent_initial_call=True,
    )
    async def act_on_ticket(clicks: list[int | None], search: str | None, version: int | None,
                            unit: str | None, text: str | None, result: str | None,
                            until: str | None) -> dict[str, Any]:
        trigger = ctx.triggered_id
        if not trigger or not any(clicks):
            raise PreventUpdate
        principal, ticket_id = require("act"), ConsoleUrl.parse(search).item("ticket") or ""
        ticket = runtime.state.tickets.get(ticket_id)
        if ticket is not None and not policy.sees_record(principal, "ticket", ticket):
            raise refuse(f"ticket {ticket_id} is not in {principal.name}'s scope")
        button = str(trigger["button"])
        verb, approved = hotline.verb_of_button(button)
        done = await ticket_action(runtime, principal.name, ticket_id, verb or button, version=version,
                                   unit=unit, text=text, result=result, until=until, approved=approved,
                                   role=principal.role, ip=client_ip())
        s = strings(search)
        line: dict[str, Any] = dict(panels.outcome(done.ok, s.get(f"ticket.button.{button}", button),
                                                   done.says(s), s))
        if done.ok:
            return {**line, "text": "", "buttons_hidden": [True] * len(clicks)}
        return {**line, "text": dash.no_update, "buttons_hidden": [dash.no_update] * len(clicks)}

    # ------------------------------------------------------------ the alarm inbox
    @app.callback(Output(ids.INBOX, "children"), Output(ids.INBOX_FORM, "hidden"),
                  Input(ids.CONSOLE_SEARCH, "data"), Input(ids.tick(Cue.INBOX), "data"),
                  Input(ids.INBOX_SELECTED, "data"))
    async def inbox_list(search: str | None, _tick: int, selected: str | None) -> tuple[list[Any], bool]:
        url = where(search, require("console"))
        box = inbox(runtime.state, now(), runtime.console, runtime.catalogue, scope=url.street,
                    window_ms=settings.flood_window_s * 1000, flood_alarms=settings.flood_alarms,
                    feeding=runtime.sources, calendar=runtime.deadlines.calendar,
                    handover_ack_min=settings.handover_ack_min)
        waiting = box["active"] or box["acknowledged"] or box["out_of_service"]
        strings_ = client_strings(url.lang)
        return panels.inbox_items(box, selected, url, strings_, runtime.console.alarm_stale_h), not waiting

    @app.callback(Output(ids.INBOX_SELECTED, "data"), Input(ids.inbox_item(ALL), "n_clicks"),  # type: ignore[arg-type]
                  prevent_initial_call=True)
    async def select_alarm(clicks: list[int | None]) -> str:
        if not ctx.triggered_id or not any(clicks):
            raise PreventUpdate
        return str(ctx.triggered_id["key"])

    @app.callback(
        output={"children": Output(ids.INBOX_RESULT, "children"),
                "className": Output(ids.INBOX_RESULT, "className")},
        inputs={"_ack": Input(ids.INBOX_ACK, "n_clicks"), "_shelve": Input(ids.INBOX_SHELVE, "n_clicks"),
                "_out": Input(ids.INBOX_OUT_OF_SERVICE, "n_clicks"),
                "_in": Input(ids.INBOX_IN_SERVICE, "n_clicks")},
        state={"key": State(ids.INBOX_SELECTED, "data"), "comment": State(ids.INBOX_COMMENT, "value"),
               "reason": State(ids.INBOX_SHELVE_REASON, "value"),
               "minutes": State(ids.INBOX_SHELVE_MINUTES, "value"),
               "search": State(ids.CONSOLE_SEARCH, "data")},
        prevent_initial_call=True,
    )
    async def handle_alarm(_ack: int | None, _shelve: int | None, _out: int | None, _in: int | None,
                           key: str | None, comment: str | None, reason: str | None, minutes: float | None,
                           search: str | None) -> dict[str, str]:
        principal, s = require("act"), strings(search)
        if not key:
            return panels.problem(s["inbox.select"])
        if not policy.inbox_in_scope(runtime.state, key, principal.scope):
            raise refuse(f"alarm {key} is not in {principal.name}'s scope")
        verb, what = INBOX_VERBS.get(str(ctx.triggered_id), INBOX_VERBS[ids.INBOX_ACK])
        done = await alarm_action(runtime, principal.name, key, verb, comment=comment, reason=reason,
                                  shelve_minutes=minutes, role=principal.role, ip=client_ip())
        what = s[what]
        return panels.outcome(done.ok, what, done.says(s), s)

"""The officers' console (一屏管): filters and streets, the map, tables, detail and actions.

Pure builders of the page's frame.  The URL holds what is shown
(``/console?street=…&incident=…``, dashboard/console_url.py); the callbacks in
callbacks/console.py fill the tables, the overview and the detail with the builders of
layouts/console_panels.py and layouts/console_detail.py.
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from dashboard import hotline
from dashboard.console_pages import PAGE_SIZE
from dashboard.events import INCIDENT_DOMAINS
from dashboard.i18n import client_strings, dropdown_labels, grid_locale, unit_label
from dashboard.levels import LEVEL_VALUES
from dashboard.lifecycle import FLOW, VERBS
from dashboard.protocol import Cue
from dashboard.units import UNITS
from layouts import ids
from layouts.console_checkin import checkin_prompt
from layouts.console_handover import handover_section
from layouts.console_roster import roster_form
from layouts.map import one_map
from layouts.wall import header

GRID_THEME = {
    "function": (
        "themeQuartz.withParams({backgroundColor: '#071a36', foregroundColor: '#e6f1ff', "
        "headerBackgroundColor: '#0b2447', accentColor: '#36c8ff', borderColor: '#1d4275', "
        "oddRowBackgroundColor: '#0a1f40', fontSize: 15, headerFontSize: 15})"
    )
}


def grid(grid_id: str, columns: list[dict[str, Any]], file_name: str, lang: str) -> dag.AgGrid:
    """A sortable, filterable table of rows sent whole (the admin page's short lists), with
    CSV export, its own texts (pager, filters) in ``lang``."""
    return dag.AgGrid(
        id=grid_id,
        rowData=[],
        columnDefs=columns,
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 80},
        dashGridOptions={
            "theme": GRID_THEME,
            "animateRows": False,
            "rowHeight": 36,
            "pagination": True,
            "paginationAutoPageSize": True,
            "localeText": grid_locale(lang),
        },
        getRowId="params.data.id",
        columnSize="responsiveSizeToFit",
        csvExportParams={"fileName": file_name},
        style={"height": "100%"},
    )


def paged_grid(grid_id: str, columns: list[dict[str, Any]], lang: str) -> dag.AgGrid:
    """A paged table whose rows the server sends a page at a time (AG Grid's infinite row
    model: dashboard/console_pages.py answers each ``getRowsRequest``; a /live cue makes
    assets/wall.js refresh the pages held), its own texts (pager, menus) in ``lang``.
    Columns sort on the server (those with a ``colId`` of a sort key); the filters are the
    console's own, left of the map."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowModelType="infinite",
        defaultColDef={"sortable": False, "filter": False, "resizable": True, "minWidth": 56,
                       "wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions={
            "theme": GRID_THEME,
            "animateRows": False,
            "rowHeight": 36,
            "pagination": True,
            "paginationPageSize": PAGE_SIZE,
            "paginationPageSizeSelector": False,
            "cacheBlockSize": PAGE_SIZE,
            "maxBlocksInCache": 4,
            "maxConcurrentDatasourceRequests": 1,
            "infiniteInitialRowCount": 1,
            "localeText": grid_locale(lang),
        },
        getRowId="params.data.id",
        style={"height": "100%"},
    )


def column(field: str, header_name: str, sort_key: str | None = None, **extra: Any) -> dict[str, Any]:
    """A grid column; with ``sort_key`` the server can order by it (the column's id)."""
    sortable = {"colId": sort_key, "sortable": True} if sort_key else {}
    return {"field": field, "headerName": header_name, **sortable, **extra}


def filters(s: dict[str, str]) -> html.Div:
    domains = [{"label": s[f"domain.{d}"], "value": d} for d in INCIDENT_DOMAINS]
    severities = [{"label": s[f"severity.{n}"], "value": n} for n in LEVEL_VALUES]
    statuses = [{"label": s[f"incident.{x}"], "value": x} for x in FLOW]
    since = [{"label": s[f"since.{k}"], "value": k} for k in ("1h", "24h", "7d", "all")]
    return html.Div(
        [
            dcc.Input(
                id=ids.SEARCH,
                type="search",
                placeholder=s["console.search"],
                debounce=0.4,  # seconds: the lists follow the typing, not every key
                className="search",
            ),
            html.Div(s["console.search_hint"], className="search-hint"),
            html.Label(s["console.domains"]),
            dcc.Dropdown(id=ids.FILTER_DOMAINS, options=domains, multi=True, className="dropdown",
                         labels=dropdown_labels(s["lang"])),
            html.Label(s["console.severities"]),
            dcc.Checklist(
                id=ids.FILTER_SEVERITIES, options=severities, value=[], inline=True, className="checklist"
            ),
            html.Label(s["console.statuses"]),
            dcc.Dropdown(id=ids.FILTER_STATUSES, options=statuses, multi=True, className="dropdown",
                         labels=dropdown_labels(s["lang"])),
            html.Label(s["console.since"]),
            dcc.RadioItems(id=ids.FILTER_SINCE, options=since, value="all", inline=True, className="radios"),
        ],
        className="filters",
    )


def tabs(s: dict[str, str], lang: str = "zh") -> dcc.Tabs:
    incidents = paged_grid(
        ids.GRID_INCIDENTS,
        [
            column("short_id", s["col.id"], width=84, tooltipField="id"),
            column("title", s["col.title"], flex=1, minWidth=150, tooltipField="title",
                   cellClass="data-text"),
            column("severity_label", s["col.severity"], "severity", width=124),
            column("street_label", s["col.street"], "street", width=116),
            column("status_label", s["col.status"], "status", width=96),
            column("reported_text", s["col.reported"], "reported", width=150),
            column(
                "deadline_label",
                s["col.deadline"],
                "deadline",
                width=92,
                cellClassRules={
                    "cell-overdue": "params.data && params.data.deadline == 'overdue'",
                    "cell-near": "params.data && params.data.deadline == 'near'",
                },
            ),
        ],
        lang,
    )
    cameras = paged_grid(
        ids.GRID_CAMERAS,
        [
            column("id", s["col.id"], width=110, tooltipField="id"),
            column("name", s["col.name"], "name", flex=1, minWidth=160, tooltipField="name",
                   cellClass="data-text"),
            column("street_label", s["col.street"], "street", width=116),
            column("status_label", s["col.status"], "status", width=84),
            column("down_text", s["col.down"], "down", width=110),
            column("last_text", s["col.last"], "last", width=150),
        ],
        lang,
    )
    tickets = paged_grid(
        ids.GRID_TICKETS,
        [
            column("short_id", s["col.id"], width=84, tooltipField="id"),
            column("category", s["col.category"], "category", width=90, cellClass="data-text"),
            column("summary", s["col.summary"], flex=1, minWidth=150, tooltipField="summary",
                   cellClass="data-text"),
            column("status_label", s["col.status"], "status", width=80),
            column("street_label", s["col.street"], "street", width=116),
            column("caller_name", s["col.caller"], width=72, cellClass="data-text"),
            column("caller_phone", s["col.phone"], width=118, cellClass="data-text"),
            column("created_text", s["col.created"], "created", width=150),
            column("deadline_text", s["col.deadline"], "deadline", width=104),
            column("flag_text", s["col.due_flag"], width=72),
        ],
        lang,
    )

    def tab(label: str, value: str, body: Any, export_id: str | None = None, *extra: Any) -> dcc.Tab:
        # the href (/console/export/<kind>.csv with the filters) comes from a callback
        tools = [html.A(s["export"], id=export_id, className="btn", download="")] if export_id else []
        tools.extend(extra)
        return dcc.Tab(
            label=label,
            value=value,
            className="tab",
            selected_className="tab-on",
            children=html.Div(
                [html.Div(tools, className="tab-tools"), html.Div(body, className="tab-body")],
                className="tab-pane",
            ),
        )

    inbox = html.Div(
        [
            html.Div(
                [
                    dcc.Input(id=ids.INBOX_COMMENT, placeholder=s["inbox.comment"], className="input"),
                    html.Button(s["inbox.ack"], id=ids.INBOX_ACK, className="btn btn-primary"),
                    dcc.Input(id=ids.INBOX_SHELVE_REASON, placeholder=s["inbox.reason"], className="input"),
                    dcc.Dropdown(
                        id=ids.INBOX_SHELVE_MINUTES,
                        labels=dropdown_labels(s["lang"]),
                        value=60,
                        clearable=False,
                        options=[{"label": s["minutes"].format(n=30), "value": 30}] + [
                            {"label": s["hours"].format(n=hours), "value": hours * 60} for hours in (1, 4, 24)
                        ],
                        className="dropdown minutes",
                    ),
                    html.Button(s["inbox.shelve"], id=ids.INBOX_SHELVE, className="btn"),
                    html.Button(s["inbox.out_of_service"], id=ids.INBOX_OUT_OF_SERVICE, className="btn"),
                    html.Button(s["inbox.in_service"], id=ids.INBOX_IN_SERVICE, className="btn"),
                ],
                className="inbox-form",
                id=ids.INBOX_FORM,
            ),
            html.Div("", id=ids.INBOX_RESULT, className="result", role="status"),
            html.A(s["alarmload.link"], href=f"/console/alarms?lang={s['lang']}",
                   className="inbox-load-link"),
            html.Div(id=ids.INBOX, className="inbox-list"),
            dcc.Store(id=ids.INBOX_SELECTED),
        ],
        className="inbox",
    )
    cameras_tab = html.Div(
        [html.Div(id=ids.CAMERA_RATES, className="camera-rates"), html.Div(cameras, className="camera-grid")],
        className="cameras",
    )
    return dcc.Tabs(
        id=ids.TABS,
        mobile_breakpoint=0,  # tabs stay a row on phones (assets/console.css lays out the rest)
        value="incidents",
        className="tabs",
        children=[
            tab(s["tab.incidents"], "incidents", incidents, ids.EXPORT_INCIDENTS),
            tab(s["tab.inbox"], "inbox", inbox),
            tab(s["tab.cameras"], "cameras", cameras_tab, ids.EXPORT_CAMERAS),
            tab(s["tab.tickets"], "tickets", tickets, ids.EXPORT_TICKETS,
                # the officers' phone page (dashboard/phone_api.py) and the perception page
                html.A(s["phone.open"], id=ids.PHONE_LINK, className="btn",
                       href="/console/m" + ("?lang=en" if lang == "en" else "")),
                html.A(s["perception.open"], id=ids.PERCEPTION_LINK, className="btn console-perception-link",
                       href="/console/perception" + ("?lang=en" if lang == "en" else "")),
                html.A(s["perf.open"], id=ids.PERFORMANCE_LINK, className="btn console-perception-link",
                       href="/console/performance" + ("?lang=en" if lang == "en" else ""))),
            tab(s["tab.duty"], "duty", html.Div([html.Div(id=ids.DUTY, className="duty"), roster_form(s),
                                                  handover_section(s)])),
        ],
    )


def action_form(s: dict[str, str], dispatch_units: tuple[str, ...]) -> html.Div:
    """The lifecycle actions; the callback shows only those that fit the incident's status."""
    return html.Div(
        [
            dcc.Dropdown(
                id=ids.ACTION_UNIT,
                labels=dropdown_labels(s["lang"]),
                options=[{"label": unit_label(unit, s["lang"]), "value": unit} for unit in dispatch_units],
                placeholder=s["action.unit"],
                className="dropdown",
            ),
            dcc.Input(id=ids.ACTION_NOTE, placeholder=s["action.note_text"], className="input"),
            dcc.Dropdown(
                id=ids.ACTION_SEVERITY,
                labels=dropdown_labels(s["lang"]),
                placeholder=s["action.new_severity"],
                className="dropdown",
                options=[{"label": s[f"severity.{n}"], "value": n} for n in LEVEL_VALUES[:-1]],
            ),
            html.Div(
                [
                    html.Button(
                        s[f"action.{verb}"],
                        id=ids.action_button(verb),
                        className="btn",
                        **{"data-verb": verb},  # type: ignore[arg-type]  # Dash types no data-*
                    )
                    for verb in VERBS
                ],
                className="action-buttons",
            ),
            html.Div("", id=ids.ACTION_RESULT, className="result", role="status"),
        ],
        className="action-form",
        id=ids.ACTION_FORM,
    )


def ticket_form(s: dict[str, str], dispatch_units: tuple[str, ...]) -> html.Div:
    """The 12345 ticket's steps (dashboard/hotline.py); the detail callback shows only the
    buttons the ticket's state allows, the action is dashboard/actions.py ``ticket_action``."""
    return html.Div(
        [
            dcc.Dropdown(
                id=ids.TICKET_UNIT,
                labels=dropdown_labels(s["lang"]),
                options=[{"label": unit_label(unit, s["lang"]), "value": unit} for unit in dispatch_units],
                placeholder=s["ticket.unit"],
                className="dropdown",
            ),
            dcc.Textarea(id=ids.TICKET_TEXT, placeholder=s["ticket.text"], className="input",
                         maxLength=4000),
            dcc.Dropdown(
                id=ids.TICKET_RESULT,
                labels=dropdown_labels(s["lang"]),
                placeholder=s["ticket.result"],
                className="dropdown",
                options=[{"label": s[f"hotline.result.{r}"], "value": r} for r in hotline.RESULTS],
            ),
            dcc.Input(id=ids.TICKET_UNTIL, placeholder=s["ticket.until"], className="input", maxLength=10),
            html.Div(
                [
                    html.Button(s[f"ticket.button.{button}"], id=ids.ticket_button(button), className="btn",
                                hidden=True, **{"data-button": button})  # type: ignore[arg-type]
                    for button in hotline.BUTTONS
                ],
                className="action-buttons",
            ),
            html.Div("", id=ids.TICKET_OUTCOME, className="result", role="status"),
        ],
        className="action-form ticket-form",
        id=ids.TICKET_FORM,
        hidden=True,
    )


def reveal_form(s: dict[str, str]) -> html.Div:
    """Reveal one personal field of the record in the detail, with a reason (audited)."""
    return html.Div(
        [
            html.Div(s["reveal.title"], className="reveal-title"),
            dcc.Dropdown(id=ids.REVEAL_FIELD, placeholder=s["reveal.field"], className="dropdown",
                         clearable=False, labels=dropdown_labels(s["lang"])),
            dcc.Input(id=ids.REVEAL_REASON, placeholder=s["reveal.reason"], className="input",
                      maxLength=200),
            html.Button(s["reveal.button"], id=ids.REVEAL_BUTTON, className="btn"),
            html.Div("", id=ids.REVEAL_RESULT, className="result", role="status"),
        ],
        id=ids.REVEAL_FORM,
        className="reveal-form",
        hidden=True,
    )


def page(
    lang: str,
    bounds: list[list[float]],
    tile_url: str | None,
    dispatch_units: tuple[str, ...],
    search: str = "",
    user: str = "",
) -> html.Div:
    s = client_strings(lang)
    streets = html.Div(
        [
            html.H2(s["console.streets"], className="panel-title"),
            html.Div(id=ids.STREET_LIST, className="street-list"),
        ],
        className="streets",
    )
    top = header(s, "console.title")
    officer = html.Span(user, id=ids.OFFICER, className="officer", **{"data-text": "name"})  # type: ignore[arg-type]
    return html.Div(
        [
            top,
            html.Div(
                [
                    html.Nav(id=ids.BREADCRUMBS, className="breadcrumbs"),
                    html.Div([s["console.officer"], officer,
                              html.A(s["console.logout"], href="/logout", className="logout")],
                             className="officer-label"),
                ],
                className="console-bar",
            ),
            checkin_prompt(s),
            html.Main(
                [
                    html.Div([filters(s), streets], className="console-left"),
                    html.Div(
                        [
                            html.Div(id=ids.OVERVIEW, className="overview"),
                            one_map(
                                s,
                                bounds,
                                tile_url,
                                interactive=True,
                                incidents_id=ids.CONSOLE_INCIDENTS,
                                streets_id=ids.CONSOLE_STREETS,
                            ),
                            html.Div(
                                [
                                    html.Div(id=ids.DETAIL, className="detail-body"),
                                    reveal_form(s),
                                    action_form(s, dispatch_units),
                                    ticket_form(s, dispatch_units),
                                ],
                                className="detail",
                                id=ids.DETAIL_DRAWER,
                                hidden=True,
                            ),
                        ],
                        className="console-centre",
                    ),
                    html.Div(tabs(s, lang), className="console-right"),
                ],
                className="console-body",
            ),
            dcc.Store(id=ids.CONSOLE_SEARCH, data=search),
            *[dcc.Store(id=ids.tick(cue), data=0) for cue in Cue],
            dcc.Store(id=ids.GRID_RESET),
            dcc.Store(id=ids.MARKERS_SHOWN),
            *[dcc.Store(id=ids.shown(panel)) for panel in ids.SHOWN_PANELS],
            dcc.Store(id=ids.DETAIL_VERSION),
        ],
        id=ids.CONSOLE_ROOT,
        className=f"console lang-{lang}",
        # data-areas: what assets/console.js refreshes after a fresh /live hello (a reconnect)
        **{"data-lang": lang, "data-page": "console",  # type: ignore[arg-type]  # Dash types no data-*
           "data-areas": " ".join(Cue)},
    )


def unit_options(lang: str) -> list[dict[str, str]]:
    s = client_strings(lang)
    return [{"label": s[f"unit.{code}"], "value": code} for code, _, _ in UNITS]

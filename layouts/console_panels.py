"""The console's server-rendered panels: grid rows with their labels, the map's incident
markers, camera rates, the street list, the street overview, breadcrumbs, the duty table,
the alarm inbox and the result line of an action.  Pure builders over plain data (rows
and figures from dashboard/console.py and dashboard/console_map.py), a
:class:`~dashboard.console_url.ConsoleUrl` for the links and the language's strings; event
text is always a component's text, never markup.
"""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import dcc, html

from dashboard import levels
from dashboard.clock import clock_text
from dashboard.console_url import ConsoleUrl, DrillKind
from dashboard.i18n import unit_label
from dashboard.levels import MOST_SEVERE
from dashboard.units import UNITS
from layouts import ids
from layouts.components import data_text
from layouts.console_detail import data, duration_text, shift_text

Strings = dict[str, str]
Row = dict[str, Any]


# ---------------------------------------------------------------- grids (labels added)


def short_id(record_id: str) -> str:
    """What tells ids of one producer apart: the part after the last dash when it is long
    enough (``inc-7r193181-000042`` → ``000042``), else the whole id (full id on hover)."""
    tail = record_id.rsplit("-", 1)[-1]
    return tail if len(tail) >= 4 and tail != record_id else record_id


def incident_grid_rows(rows: list[Row], s: Strings) -> list[Row]:
    return [{**row, "short_id": short_id(row["id"]), "domain_label": s[f"domain.{row['domain']}"],
             "status_label": s[f"incident.{row['status']}"],
             "severity_label": severity_cell(row["severity"], s),
             "street_label": s.get(f"unit.{row['street']}", s["district"]),
             "reported_text": clock_text(row["reported"]),
             "deadline_label": s[f"deadline.{row['deadline']}"],
             "unit": unit_label(row["unit"], s["lang"]) if row.get("unit") else ""} for row in rows]


def camera_grid_rows(rows: list[Row], s: Strings, lang: str) -> list[Row]:
    return [{**row, "street_label": s.get(f"unit.{row['street']}", "—"),
             "status_label": s[f"status.{row['status']}"],
             "down_text": duration_text(row["down_s"], lang),
             "last_text": clock_text(row["last"])} for row in rows]


def severity_cell(level: int, s: Strings) -> str:
    """``I 特别重大`` … ``IV 一般``: the level's name, led by its numeral so that a grid sorts
    the column from the most severe."""
    return f"{levels.info(level).roman} {s[f'severity.{level}']}"


def ticket_grid_rows(rows: list[Row], s: Strings) -> list[Row]:
    return [{**row, "short_id": short_id(row["id"]), "street_label": s.get(f"unit.{row['street']}", "—"),
             "status_label": s.get(f"hotline.status.{row['status']}", row["status"] or "—"),
             "created_text": clock_text(row["created"]),
             "deadline_text": row.get("deadline") or "—",
             "flag_text": s[f"ticket.flag.{row['flag']}"] if row.get("flag") else "",
             "overdue_text": "⚠" if row["overdue"] else ""} for row in rows]


# ---------------------------------------------------------------- the map and cameras


def incident_marker(marker: Row, s: Strings) -> dl.DivMarker:
    """One marker of dashboard/console_map.py ``incident_markers`` (a pulsing one marked)."""
    pulse = " pulse" if marker["pulse"] else ""
    return dl.DivMarker(
        id=ids.incident_marker(marker["id"]),
        position=marker["position"],
        iconOptions={"className": f"incident-marker sev-{marker['severity']}{pulse}",
                     "html": "<div></div>", "iconSize": [22, 22]},
        zIndexOffset=1000 - marker["severity"] * 100,
        # text children: the title is data, never markup
        children=dl.Tooltip([data(marker["title"]), f" · {s['incident.' + marker['status']]}"],
                            direction="top"),
    )


def camera_rates(rates: dict[str, tuple[int, int]], url: ConsoleUrl, s: Strings,
                 stale_minutes: int) -> list[Any]:
    """Online share per street (streets with cameras, in the wall's order), and the help
    line on what stale means."""
    items = [
        dcc.Link([html.Span(s[f"unit.{code}"]), html.B(f"{100 * online / total:.1f}%"),
                  html.Span(f"{total - online}", className="down-count")],
                 href=url.at_street(code).href, className="rate-item")
        for code, _, _ in UNITS
        for total, online in [rates.get(code, (0, 0))]
        if total
    ]
    return [html.Div(items, className="rate-list"),
            html.Div(s["status.help"].format(m=stale_minutes), className="help")]


# ---------------------------------------------------------------- streets, overview, crumbs


def street_list(counts: dict[str, dict[str, int]], video: dict[str, Any], url: ConsoleUrl, s: Strings,
                scope: str | None = None) -> list[dcc.Link]:
    """One link per street (only the scope's for a scoped officer): open, overdue and
    near-deadline counts, and the camera online rate the wall shows (``[total, online]``)."""
    items = []
    for code, _, _ in UNITS:
        if scope is not None and code != scope:
            continue
        total, online = video.get(code, (0, 0))
        here = counts.get(code, {})
        badges = [html.Span(str(here.get("open", 0)), className="count-open", title=s["overview.open"])]
        badges += [html.Span(str(here[key]), className=f"count-{key}", title=s[f"overview.{key}"])
                   for key in ("overdue", "near") if here.get(key)]
        items.append(dcc.Link(
            [html.Span(s[f"unit.{code}"], className="street-name"), html.Span(badges, className="badges"),
             html.Span(f"{100 * online / total:.1f}%" if total else "—", className="street-rate")],
            href=url.at_street(code).href,
            className="street-item" + (" is-current" if code == url.street else ""),
            id={"type": "street-link", "code": code},
        ))
    return items


def overview(figures: dict[str, Any] | None, indicators: list[Row], url: ConsoleUrl, s: Strings) -> Any:
    """The street's header figures (dashboard/console.py ``street_overview``) and its
    indicator chips (links to their series); for the district only its name."""
    if figures is None or url.street is None:
        return html.Div(s["district"], className="overview-title")
    video = figures["video"]
    items = [
        (s["overview.open"], figures["open_incidents"], ""),
        (s["overview.near"], figures["near"], "is-near" if figures["near"] else ""),
        (s["overview.overdue"], figures["overdue"], "is-overdue" if figures["overdue"] else ""),
        (s["overview.cameras"], f"{video.get('online', 0)}/{sum(video.values())}", ""),
        (s["overview.sensors"], figures["sensors"], ""),
    ]
    name = "name_en" if url.lang == "en" else "name_zh"
    # each chip opens its series' detail (the figure of its values, band and forecast)
    chips = [dcc.Link([html.B(f"{chip['value']}"), html.Span(chip[name])],
                      href=url.drill("series", chip["id"]).href,
                      className=f"overview-figure indicator is-{chip['level']}") for chip in indicators]
    return [
        html.Div(s[f"unit.{url.street}"], className="overview-title"),
        *[html.Div([html.B(str(value)), html.Span(label)], className=f"overview-figure {cls}")
          for label, value, cls in items],
        *chips,
    ]


def breadcrumbs(url: ConsoleUrl, s: Strings, record_street: str | None = None) -> list[Any]:
    """District › street › item (an incident, camera, sensor or series): the street is the URL's,
    or the opened record's own when the record was opened directly."""
    crumbs: list[Any] = [dcc.Link(s["district"], href=url.at_street(None).href, className="crumb")]
    street = url.street or record_street
    if street and f"unit.{street}" in s:
        crumbs += [html.Span("›", className="crumb-sep"),
                   dcc.Link(s[f"unit.{street}"], href=url.at_street(street).href, className="crumb")]
    if url.kind in ("incident", "camera", "sensor", "series") and url.key:
        crumbs += [html.Span("›", className="crumb-sep"), html.Span(url.key, className="crumb crumb-current")]
    return crumbs


def duty_table(shifts: list[Row], url: ConsoleUrl, s: Strings) -> html.Table:
    """Shifts (phones masked), each linking to its detail, where a phone may be revealed."""
    head = html.Tr([html.Th(s[k]) for k in ("duty.center", "duty.post", "duty.name", "duty.phone",
                                             "duty.shift")] + [html.Th("")])
    rows = [
        html.Tr([
            html.Td(s.get(f"unit.{x['center']}", s["district"])),
            html.Td(x["post"], **data_text("name")),  # type: ignore[arg-type]
            html.Td(x["name"], **data_text("name")),  # type: ignore[arg-type]
            html.Td(x.get("phone") or "—", **data_text("name")),  # type: ignore[arg-type]
            html.Td(shift_text(x)),
            html.Td(dcc.Link("›", href=url.drill("duty", x["key"]).href, className="inbox-open",
                             title=s["reveal.button"])),
        ])
        for x in shifts
    ]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="table")


# ---------------------------------------------------------------- the alarm inbox

INBOX_LIMIT = 200  # items rendered; the rest wait behind them
_DETAIL_OF_ALARM: dict[str, DrillKind] = {"sensor": "sensor", "camera": "camera", "indicator": "series"}


def _drill_of(item: dict[str, Any]) -> DrillKind | None:
    """Where an inbox alarm's link opens (inbox kind → drill): an early-warning alarm opens
    its series' figure, an indicator series' or else the sensor's (its source says which)."""
    if item["kind"] == "anomaly":
        return "series" if str(item.get("source", "")).startswith("indicator:") else "sensor"
    return _DETAIL_OF_ALARM.get(item["kind"])


def inbox_title(item: dict[str, Any], lang: str) -> html.Span:
    """An alarm's title: the indicator's or sensor kind's name in ``lang``, else the event's
    own words (a sensor's message, a camera's name), marked as data."""
    names = item.get("names")
    if names:
        return html.Span(names["en" if lang == "en" else "zh"], className="inbox-title")
    return html.Span(item["title"], className="inbox-title", **data_text())  # type: ignore[arg-type]


def inbox_items(box: dict[str, Any], selected: str | None, url: ConsoleUrl, s: Strings,
                stale_h: float = 24) -> list[Any]:
    """The inbox (dashboard/inbox.py ``inbox``): a flood banner, the alarms that wait for
    the operator with their ISA-18.2 state (the ``selected`` one marked; sensors and cameras
    link to their detail), then those acknowledged and still active, those out of service,
    and the shelved count; the stale and chattering counts when there are any."""
    items: list[Any] = []
    if box["flood"]:
        severe = sum(1 for item in box["active"] if item["severity"] == MOST_SEVERE)
        items.append(html.Div(s["banner.flood"].format(n=box["recent"], s=severe), className="flood"))
    if box["stale"] or box["chattering"]:
        items.append(html.Div(s["inbox.marks"].format(h=f"{stale_h:g}", stale=box["stale"],
                                                      chattering=box["chattering"]),
                              className="help inbox-marks"))
    shown = 0
    for item in box["active"][:INBOX_LIMIT]:
        items.append(_inbox_row(item, selected, url, s, stale_h))
        shown += 1
    if not box["active"]:
        empty = (s["inbox.empty_street"].format(street=s[f"unit.{url.street}"]) if url.street
                 else s["inbox.empty"])
        items.append(html.Div(empty, className="empty-state"))
    for listed, title in (("acknowledged", "inbox.acknowledged_title"),
                          ("out_of_service", "inbox.out_of_service_title")):
        if box[listed]:
            items.append(html.Div(s[title].format(n=len(box[listed])), className="inbox-section"))
            for item in box[listed][:max(0, INBOX_LIMIT - shown)]:
                items.append(_inbox_row(item, selected, url, s, stale_h, listed))
                shown += 1
    if box["shelved"]:
        items.append(html.Div(s["inbox.shelved"].format(n=len(box["shelved"])), className="help"))
    return items


def _inbox_row(item: dict[str, Any], selected: str | None, url: ConsoleUrl, s: Strings, stale_h: float,
               listed: str = "active") -> html.Div:
    """One alarm of the inbox: level, kind, title, its state and marks, street, since."""
    target = _drill_of(item)
    # its tooltip names what opens in the page's language (a series' key is no word)
    link = (dcc.Link("›", href=url.drill(target, item["ref"]).href, className="inbox-open",
                     title=s["inbox.open"])
            if target else html.Span(className="inbox-open"))
    state = "out_of_service" if listed == "out_of_service" else item["state"]
    marks = [html.Span(s["inbox.out_of_service"] if state == "out_of_service" else s[f"alarm.state.{state}"],
                       className=f"alarm-state state-{state}")]
    if item["chattering"]:
        marks.append(html.Span(s["alarm.chattering"].format(n=item["reactivations"]),
                               className="alarm-mark is-chattering"))
    if item["stale"]:
        marks.append(html.Span(s["alarm.stale"].format(h=f"{stale_h:g}"), className="alarm-mark is-stale"))
    button = html.Button(
        [html.Span(s[f"level.{item['severity']}"], className=f"sev-pill sev-{item['severity']}"),
         html.Span(s[f"inbox.kind.{item['kind']}"], className="inbox-kind"),
         html.Span([inbox_title(item, url.lang), *marks], className="inbox-what"),
         html.Span(s.get(f"unit.{item['street']}", s["district"]), className="inbox-street"),
         html.Span(clock_text(item["since"]), className="inbox-time")],
        id=ids.inbox_item(item["key"]),
        className=f"inbox-item is-{state}" + (" is-selected" if item["key"] == selected else ""),
    )
    return html.Div([button, link], className="inbox-row")


def outcome(ok: bool, what: str, message: str, s: Strings) -> dict[str, str]:
    """The result line of an action (``children`` and ``className``): done, or refused
    with the reason."""
    if ok:
        return {"children": s["action.done"].format(what=what), "className": "result is-ok"}
    return {"children": s["action.refused"].format(reason=message), "className": "result is-error"}


def problem(text: str) -> dict[str, str]:
    """A result line that says what is missing or wrong."""
    return {"children": text, "className": "result is-error"}

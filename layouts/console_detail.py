"""The console's detail drawer: one drilled record as components, and the state of its
action and reveal forms.  Pure builders over plain data (masked records from
dashboard/console.py ``drilled``) and the language's strings; event text is always a
component's text, never markup, and marked as data (layouts/components.py ``data_text``):
every label, status, unit name and time is in the page's language, what an event or a
person wrote is shown as written.

:func:`opened`, :func:`not_found` and :func:`closed` return the drawer's outputs as one
dict (the keys of :data:`DRAWER_KEYS`), which the detail callback returns as is.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Collection
from typing import Any

from dash import dcc, html

from dashboard import hotline
from dashboard.cards import BAND_GRACE_MS
from dashboard.classify import REVEALABLE, personal_fields
from dashboard.clock import clock_text, span_text
from dashboard.i18n import unit_label
from dashboard.lifecycle import VERBS
from dashboard.series_figure import series_figure
from layouts.components import data_text

Strings = dict[str, str]
DRAWER_KEYS = ("body", "drawer_hidden", "version", "form_hidden", "verbs_hidden", "reveal_hidden",
               "reveal_options", "ticket_form_hidden", "ticket_buttons_hidden")


def duration_text(seconds: int, lang: str) -> str:
    """``2 h 5 min`` / ``2小时5分``; a dash for nothing."""
    if seconds <= 0:
        return "—"
    hours, minutes = divmod(seconds // 60, 60)
    if lang == "en":
        return f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"{hours}小时{minutes}分" if hours else f"{minutes}分钟"


def data(text: Any, kind: str = "event") -> html.Span:
    """Text that is data (an event's words, a proper name), marked as such."""
    return html.Span(str(text), **data_text(kind))  # type: ignore[arg-type]


def joined(parts: list[Any], separator: str = " · ") -> list[Any]:
    """``parts`` (strings or components; empty ones dropped) with ``separator`` between."""
    kept = [part for part in parts if part not in (None, "")]
    return [item for i, part in enumerate(kept) for item in ((separator, part) if i else (part,))]


def timeline(entries: list[tuple[str, str, Any]], step_classes: list[str] | None = None) -> html.Ol:
    """A detail timeline: (time, what, details) per line, newest as given; ``details`` is
    text or components (data marked by :func:`data`)."""
    classes = step_classes or [""] * len(entries)
    return html.Ol(
        [
            html.Li(
                [
                    html.Span(when, className="tl-time"),
                    html.B(what, className="tl-step"),
                    html.Span(details, className="tl-meta"),
                ],
                className=f"tl-item {extra}".strip(),
            )
            for (when, what, details), extra in zip(entries, classes, strict=True)
        ],
        className="timeline",
    )


def detail_head(title: str, pill: str | None = None, pill_class: str = "", kind: str = "event") -> html.Div:
    """The heading of a detail: an optional coloured pill and the title (data, text only)."""
    parts: list[Any] = [html.Span(pill, className=pill_class)] if pill else []
    return html.Div([*parts, html.H3(title, className="detail-title", **data_text(kind))],  # type: ignore[arg-type]
                    className="detail-head")


def detail_fields(rows: list[tuple[str, Any, bool]]) -> html.Dl:
    """A detail's (label, value, is data) list; values as text, None as a dash."""
    return html.Dl([part for label, value, is_data in rows
                    for part in (html.Dt(label),
                                 html.Dd(data(value) if is_data and value is not None
                                         else str(value) if value is not None else "—"))],
                   className="detail-fields")


def shift_text(shift: dict[str, Any]) -> str:
    """``12-01 08:00 – 20:00`` in Beijing time, from a shift's ISO start and end."""
    return span_text(shift.get("start"), shift.get("end"))


def camera_kind(kind: str | None, s: Strings) -> Any:
    """A camera's kind by its label; a kind the labels do not know is the producer's word."""
    if not kind:
        return ""
    return s.get(f"camera.kind.{kind}") or data(kind)


# ---------------------------------------------------------------- one view per kind


def step_details(step: dict[str, Any], s: Strings) -> list[Any]:
    """Who took a step (a name), the unit it went to (by its name in the page's language),
    the note (the officer's words) and the new level of an escalation."""
    lang = s.get("lang", "zh")
    return joined([data(step["by"], "name") if step.get("by") else None,
                   data(unit_label(step["unit"], lang), "name") if step.get("unit") else None,
                   data(step["note"]) if step.get("note") else None,
                   s.get(f"severity.{step.get('severity')}")])


def incident_view(data_: dict[str, Any], s: Strings, lang: str) -> list[Any]:
    due = data_.get("deadline")
    deadline_text = (
        s["detail.deadline"].format(stage=s[f"stage.{due['stage']}"], due=clock_text(due["due"]),
                                    state=s[f"deadline.{due['state']}"])
        if due else ""
    )
    steps = [(clock_text(step["ts"]), s.get(f"incident.{step['step']}", step["step"]), step_details(step, s))
             for step in data_["timeline"]]
    unit = html.Span(filled(s["detail.unit"], unit=data(unit_label(data_["unit"], lang), "name"))) \
        if data_.get("unit") else None
    street = s.get(f"unit.{data_['street']}", s["district"])
    meta = joined([data_["id"], s[f"domain.{data_['domain']}"], street, s[f"incident.{data_['status']}"],
                   s["detail.version"].format(v=data_["version"]), unit])
    return [
        detail_head(data_["title"], s[f"severity.{data_['severity']}"], f"sev-pill sev-{data_['severity']}"),
        html.Div(meta, className="detail-meta"),
        html.Div(data(data_["address"]) if data_.get("address") else "", className="detail-meta"),
        html.Div(data(data_["description"]) if data_.get("description") else "", className="detail-text"),
        html.Div(deadline_text,
                 className=f"detail-deadline is-{due['state']}" if due else "detail-deadline"),
        html.H4(s["detail.timeline"]),
        timeline(steps, [f"tl-{step['step']}" for step in data_["timeline"]]),
    ]


def camera_view(data_: dict[str, Any], s: Strings, lang: str) -> list[Any]:
    history = [(clock_text(h["ts"]), s.get(f"status.{h['status']}", h["status"]),
                data(h["reason"]) if h.get("reason") else "")
               for h in data_["history"]]
    meta = joined([data_["id"], s.get(f"unit.{data_['street']}", "—"), camera_kind(data_.get("kind"), s),
                   s["col.last"] + " " + clock_text(data_["last"])])
    down = s["detail.down_for"].format(d=duration_text(data_["down_s"], lang)) if data_["down_s"] else ""
    return [
        detail_head(data_["name"], s[f"status.{data_['status']}"], f"status-pill status-{data_['status']}",
                    kind="name"),
        html.Div(meta, className="detail-meta"),
        html.Div(down, className="detail-deadline is-overdue"),
        html.H4(s["detail.history"]),
        timeline(history),
    ]


def series_graph(figure: dict[str, Any]) -> dcc.Graph:
    """The series figure (dashboard/series_figure.py) in the drawer."""
    return dcc.Graph(figure=figure, config={"displayModeBar": False, "responsive": True},
                     className="series-figure", style={"height": "320px"})


def series_view(data_: dict[str, Any], s: Strings, lang: str) -> list[Any]:
    """An indicator series: now, its usual band (or learning), and the figure of its recent
    values, band, anomalies and forecast."""
    en = lang == "en"
    unit, decimals = data_["unit_en" if en else "unit"], data_["decimals"]
    name = data_["name_en" if en else "name_zh"]
    band = data_.get("band") or {}
    now_ms = int(data_["now"])
    now_line = (s["detail.series_now"].format(value=f"{data_['value']:.{decimals}f}", unit=unit,
                                               time=clock_text(data_["ts"]))
                if data_.get("value") is not None and data_.get("ts") is not None else "—")
    # the band of now (as a tile says it: a band still describes the quarter hour after its hour)
    current = band.get("from", 0) <= now_ms < band.get("until", 0) + BAND_GRACE_MS
    if band.get("state") == "ready" and band.get("low") is not None and current:
        band_line = s["detail.series_band"].format(low=f"{band['low']:.{decimals}f}",
                                                   high=f"{band['high']:.{decimals}f}", unit=unit)
    elif band.get("state") == "learning":
        band_line = s["detail.series_learning"].format(d=duration_text(int(band.get("left_s") or 0), lang))
    else:
        band_line = ""
    bands = data_.get("bands") or []
    figure = series_figure(name=name, unit=unit, decimals=decimals, values=data_.get("history") or [],
                           bands=bands, anomalies=data_["anomalies"], now=now_ms, lang=lang)
    has_forecast = any(p[0] > now_ms for p in bands)
    return [
        detail_head(name, s["detail.series"], "status-pill", kind="name"),
        html.Div(joined([s.get(f"unit.{data_.get('street')}", s["district"]), now_line, band_line]),
                 className="detail-meta"),
        html.H4(s["detail.series_figure"]),
        series_graph(figure),
        html.Div(joined([s["detail.series_anomalies"].format(n=len(data_["anomalies"])),
                         "" if has_forecast else s["detail.series_no_forecast"]]),
                 className="help series-notes"),
    ]


def sensor_view(data_: dict[str, Any], s: Strings, lang: str) -> list[Any]:
    unit = data_.get("unit") or ""  # the producer's unit of measure
    kind = data_["kind"]
    title = s.get(f"sensor.{kind}")
    anomalies = data_.get("anomalies") or []
    # a sensor with early-warning alarms: its readings with the anomalies marked (no band
    # through time nor forecast: the engine publishes those for indicator series only)
    graph = ([html.H4(s["detail.series_figure"]),
              series_graph(series_figure(name=title or str(kind), unit=unit, decimals=2,
                                         values=data_["readings"], bands=[], anomalies=anomalies,
                                         now=max(int(r[0]) for r in data_["readings"]) if data_["readings"]
                                         else 0, lang=lang))]
             if anomalies else [])
    return [
        html.Div([html.H3([title or data(kind), " ", data(data_["id"], "name")], className="detail-title")],
                 className="detail-head"),
        html.Div(s.get(f"unit.{data_.get('street')}", "—"), className="detail-meta"),
        *graph,
        html.H4(s["detail.readings"]),
        timeline([(clock_text(ts), f"{value}", data(unit) if unit else "")
                  for ts, value in reversed(data_["readings"])]),
    ]


def ticket_step_details(step: dict[str, Any], s: Strings) -> list[Any]:
    """Who took a ticket's step, the unit it went to, and what was written (as data)."""
    lang = s.get("lang", "zh")
    decision = None
    if step.get("approved") is not None:
        decision = s["ticket.approved" if step["approved"] else "ticket.denied"]
    return joined([data(step["by"], "name") if step.get("by") else None,
                   data(unit_label(step["unit"], lang), "name") if step.get("unit") else None,
                   s.get(f"hotline.result.{step.get('result')}") if step.get("result") else None,
                   step.get("until") or None, decision,
                   *(data(step[name]) for name in ("reply", "reason", "note") if step.get(name))])


def ticket_view(ticket: dict[str, Any], s: Strings, lang: str) -> list[Any]:
    status = ticket.get("status")
    flag = ticket.get("flag")
    urgency = ticket.get("urgency")
    rows = [
        (s["ticket.category"], ticket.get("category"), True),
        (s["ticket.status"], s.get(f"hotline.status.{status}", status) if status else None,
         f"hotline.status.{status}" not in s),
        (s["ticket.urgency"], s.get(f"ticket.urgency.{urgency}") if urgency else None, False),
        (s["ticket.created"], clock_text(ticket.get("created")), False),
        (s["ticket.deadline"], " ".join(filter(None, [ticket.get("deadline"),
                                                       s[f"ticket.flag.{flag}"] if flag else None])) or None,
         False),
        (s["ticket.handling_unit"], unit_label(ticket["unit"], lang) if ticket.get("unit") else None, True),
        (s["field.caller_name"], ticket.get("caller_name"), True),
        (s["field.caller_phone"], ticket.get("caller_phone"), True),
        (s["field.address"], ticket.get("address"), True),
        (s["ticket.summary"], ticket.get("summary"), True),
        (s["ticket.reply"], ticket.get("reply"), True),
        (s["ticket.callback"],
         s.get(f"hotline.result.{ticket.get('result')}") if ticket.get("result") else None, False),
        (s["ticket.extension_requested"], ticket.get("extension_requested"), False),
        (s["ticket.extended_until"], ticket.get("extended_until"), False),
    ]
    steps = [(clock_text(step.get("ts")), s.get(f"ticket.step.{step['step']}", step["step"]),
              ticket_step_details(step, s)) for step in ticket.get("timeline") or []]
    meta = joined([s.get(f"unit.{ticket.get('street')}", "—"),
                   s["detail.version"].format(v=ticket["version"]) if ticket.get("version") else None])
    return [
        html.Div(html.H3(s["ticket.title"].format(id=ticket["id"]), className="detail-title"),
                 className="detail-head"),
        html.Div(meta, className="detail-meta"),
        html.Div(s[f"ticket.flag.{flag}"] if flag else "",
                 className=f"detail-deadline is-{flag}" if flag else "detail-deadline"),
        detail_fields(rows),
        html.H4(s["detail.timeline"]),
        timeline(steps, [f"tl-{step['step']}" for step in ticket.get("timeline") or []]),
    ]


def duty_view(shift: dict[str, Any], s: Strings, lang: str) -> list[Any]:
    rows = [
        (s["duty.center"], s.get(f"unit.{shift['center']}", s["district"]), False),
        (s["duty.post"], shift.get("post"), True),
        (s["duty.name"], shift.get("name"), True),
        (s["duty.phone"], shift.get("phone"), True),
        (s["duty.shift"], shift_text(shift), False),
    ]
    return [detail_head(f"{shift.get('post')} · {shift.get('name')}", kind="name"), detail_fields(rows)]


VIEWS: dict[str, Callable[[dict[str, Any], Strings, str], list[Any]]] = {
    "incident": incident_view, "camera": camera_view, "sensor": sensor_view,
    "ticket": ticket_view, "duty": duty_view, "series": series_view,
}


# ---------------------------------------------------------------- the drawer's outputs


def reveal_options(kind: str, s: Strings) -> list[dict[str, str]]:
    """The personal fields of a ``kind`` of record that may be revealed (none: [])."""
    event_type = REVEALABLE.get(kind)
    names = personal_fields(event_type) if event_type else ()
    return [{"label": s[f"field.{name}"], "value": name} for name in names]


def verbs_hidden(allowed: Collection[str]) -> list[bool]:
    """``hidden`` of each action button, in the form's order (layouts/console.py)."""
    return [verb not in allowed for verb in VERBS]


def filled(template: str, **parts: Any) -> list[Any]:
    """``template`` with its ``{name}`` placeholders replaced by ``parts`` (text or components)."""
    out: list[Any] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            out.append(literal)
        if name is not None:
            out.append(parts[name])
    return out


def reveal_result(outcome: str, field: str, value: Any, reason: str, s: Strings) -> dict[str, Any]:
    """The reveal form's result line (``children``, ``className``) for an outcome of
    dashboard/console_policy.py ``reveal`` other than a denial (the value shown is data)."""
    if outcome == "shown":
        text = filled(s["reveal.shown"], field=s[f"field.{field}"], value=data(value or "—"))
        return {"children": text, "className": "result is-ok"}
    if outcome == "need_reason":
        return {"children": s["reveal.need_reason"], "className": "result is-error"}
    return {"children": s["reveal.unaudited"], "className": "result is-error"}


def ticket_buttons_hidden(allowed: Collection[str]) -> list[bool]:
    """``hidden`` of each ticket step button, in the form's order (layouts/console.py)."""
    return [button not in allowed for button in hotline.BUTTONS]


def closed() -> dict[str, Any]:
    """Nothing drilled: the drawer hidden, every form hidden."""
    return {"body": [], "drawer_hidden": True, "version": None, "form_hidden": True,
            "verbs_hidden": verbs_hidden(()), "reveal_hidden": True, "reveal_options": [],
            "ticket_form_hidden": True, "ticket_buttons_hidden": ticket_buttons_hidden(())}


def not_found(what: str, s: Strings) -> dict[str, Any]:
    """The drawer saying the record is not known (or not the principal's to see)."""
    return {**closed(), "body": html.Div(s["detail.not_found"].format(what=what)), "drawer_hidden": False}


def opened(kind: str, data: dict[str, Any], s: Strings, lang: str, *, allowed: Collection[str] = (),
           can_act: bool = False, can_reveal: bool = False) -> dict[str, Any]:
    """The drawer showing ``data`` (a masked record of ``kind``): the action form for an
    incident whose principal may act (only the ``allowed`` verbs), the ticket form for a
    12345 ticket (only the ``allowed`` buttons of dashboard/hotline.py), the reveal form for
    a record with personal fields whose principal may reveal."""
    incident, ticket = kind == "incident", kind == "ticket"
    options = reveal_options(kind, s)
    return {"body": VIEWS[kind](data, s, lang), "drawer_hidden": False,
            "version": data.get("version") if incident or ticket else None,
            "form_hidden": not (incident and can_act),
            "verbs_hidden": verbs_hidden(allowed if incident else ()),
            "reveal_hidden": not (options and can_reveal), "reveal_options": options,
            "ticket_form_hidden": not (ticket and can_act and allowed),
            "ticket_buttons_hidden": ticket_buttons_hidden(allowed if ticket else ())}

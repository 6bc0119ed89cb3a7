"""The console's detail drawer: one drilled record as components, and the state of its
action and reveal forms.  Pure builders over plain data (masked records from
dashboard/console.py ``drilled``) and the language's strings; event text is always a
component's text, never markup.

:func:`opened`, :func:`not_found` and :func:`closed` return the drawer's outputs as one
dict (the keys of :data:`DRAWER_KEYS`), which the detail callback returns as is.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from dash import html

from dashboard.classify import REVEALABLE, personal_fields
from dashboard.clock import clock_text
from dashboard.lifecycle import VERBS

Strings = dict[str, str]
DRAWER_KEYS = ("body", "drawer_hidden", "version", "form_hidden", "verbs_hidden", "reveal_hidden",
               "reveal_options")


def duration_text(seconds: int, lang: str) -> str:
    """``2 h 5 min`` / ``2小时5分``; a dash for nothing."""
    if seconds <= 0:
        return "—"
    hours, minutes = divmod(seconds // 60, 60)
    if lang == "en":
        return f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"{hours}小时{minutes}分" if hours else f"{minutes}分钟"


def timeline(entries: list[tuple[str, str, str]], step_classes: list[str] | None = None) -> html.Ol:
    """A detail timeline: (time, what, details) per line, newest as given."""
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


def detail_head(title: str, pill: str | None = None, pill_class: str = "") -> html.Div:
    """The heading of a detail: an optional coloured pill and the title (text only)."""
    parts: list[Any] = [html.Span(pill, className=pill_class)] if pill else []
    return html.Div([*parts, html.H3(title, className="detail-title")], className="detail-head")


def detail_fields(rows: list[tuple[str, Any]]) -> html.Dl:
    """A detail's label/value list (values as text; None shows as a dash)."""
    return html.Dl([part for label, value in rows
                    for part in (html.Dt(label), html.Dd(str(value) if value is not None else "—"))],
                   className="detail-fields")


def shift_text(shift: dict[str, Any]) -> str:
    """``12-01 08:00 – 20:00`` from a shift's ISO start and end."""
    return f"{(shift.get('start') or '')[5:16]} – {(shift.get('end') or '')[11:16]}"


# ---------------------------------------------------------------- one view per kind


def incident_view(data: dict[str, Any], s: Strings, lang: str) -> list[Any]:
    due = data.get("deadline")
    deadline_text = (
        s["detail.deadline"].format(stage=s[f"stage.{due['stage']}"], due=clock_text(due["due"]),
                                    state=s[f"deadline.{due['state']}"])
        if due else ""
    )
    steps = [
        (clock_text(step["ts"]), s.get(f"incident.{step['step']}", step["step"]),
         " · ".join(str(x) for x in (step.get("by"), step.get("unit"), step.get("note"),
                                     s.get(f"severity.{step.get('severity')}")) if x))
        for step in data["timeline"]
    ]
    meta = [data["id"], s[f"domain.{data['domain']}"], s.get(f"unit.{data['street']}", s["district"]),
            s[f"incident.{data['status']}"], s["detail.version"].format(v=data["version"])]
    return [
        detail_head(data["title"], s[f"severity.{data['severity']}"], f"sev-pill sev-{data['severity']}"),
        html.Div(" · ".join(meta), className="detail-meta"),
        html.Div(data.get("address") or "", className="detail-meta"),
        html.Div(data.get("description") or "", className="detail-text"),
        html.Div(deadline_text,
                 className=f"detail-deadline is-{due['state']}" if due else "detail-deadline"),
        html.H4(s["detail.timeline"]),
        timeline(steps, [f"tl-{step['step']}" for step in data["timeline"]]),
    ]


def camera_view(data: dict[str, Any], s: Strings, lang: str) -> list[Any]:
    history = [(clock_text(h["ts"]), s.get(f"status.{h['status']}", h["status"]), h.get("reason") or "")
               for h in data["history"]]
    meta = [data["id"], s.get(f"unit.{data['street']}", "—"), data.get("kind") or "",
            s["col.last"] + " " + clock_text(data["last"])]
    down = s["detail.down_for"].format(d=duration_text(data["down_s"], lang)) if data["down_s"] else ""
    return [
        detail_head(data["name"], s[f"status.{data['status']}"], f"status-pill status-{data['status']}"),
        html.Div(" · ".join(meta), className="detail-meta"),
        html.Div(down, className="detail-deadline is-overdue"),
        html.H4(s["detail.history"]),
        timeline(history),
    ]


def sensor_view(data: dict[str, Any], s: Strings, lang: str) -> list[Any]:
    unit = data.get("unit") or ""
    return [
        detail_head(f"{s.get('sensor.' + data['kind'], data['kind'])} {data['id']}"),
        html.Div(s.get(f"unit.{data.get('street')}", "—"), className="detail-meta"),
        html.H4(s["detail.readings"]),
        timeline([(clock_text(ts), f"{value} {unit}", "") for ts, value in reversed(data["readings"])]),
    ]


def ticket_view(ticket: dict[str, Any], s: Strings, lang: str) -> list[Any]:
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
        detail_head(s["ticket.title"].format(id=ticket["id"])),
        html.Div(s.get(f"unit.{ticket.get('street')}", "—"), className="detail-meta"),
        detail_fields(rows),
    ]


def duty_view(shift: dict[str, Any], s: Strings, lang: str) -> list[Any]:
    rows = [
        (s["duty.center"], s.get(f"unit.{shift['center']}", s["district"])),
        (s["duty.post"], shift.get("post")),
        (s["duty.name"], shift.get("name")),
        (s["duty.phone"], shift.get("phone")),
        (s["duty.shift"], shift_text(shift)),
    ]
    return [detail_head(f"{shift.get('post')} · {shift.get('name')}"), detail_fields(rows)]


VIEWS: dict[str, Callable[[dict[str, Any], Strings, str], list[Any]]] = {
    "incident": incident_view, "camera": camera_view, "sensor": sensor_view,
    "ticket": ticket_view, "duty": duty_view,
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


def reveal_result(outcome: str, field: str, value: Any, reason: str, s: Strings) -> dict[str, str]:
    """The reveal form's result line (``children``, ``className``) for an outcome of
    dashboard/console_policy.py ``reveal`` other than a denial."""
    if outcome == "shown":
        text = s["reveal.shown"].format(field=s[f"field.{field}"], value=value or "—")
        return {"children": text, "className": "result is-ok"}
    if outcome == "need_reason":
        return {"children": s["reveal.need_reason"], "className": "result is-error"}
    return {"children": s["reveal.refused"].format(reason=reason), "className": "result is-error"}


def closed() -> dict[str, Any]:
    """Nothing drilled: the drawer hidden, every form hidden."""
    return {"body": [], "drawer_hidden": True, "version": None, "form_hidden": True,
            "verbs_hidden": verbs_hidden(()), "reveal_hidden": True, "reveal_options": []}


def not_found(what: str, s: Strings) -> dict[str, Any]:
    """The drawer saying the record is not known (or not the principal's to see)."""
    return {**closed(), "body": html.Div(s["detail.not_found"].format(what=what)), "drawer_hidden": False}


def opened(kind: str, data: dict[str, Any], s: Strings, lang: str, *, allowed: Collection[str] = (),
           can_act: bool = False, can_reveal: bool = False) -> dict[str, Any]:
    """The drawer showing ``data`` (a masked record of ``kind``): the action form for an
    incident whose principal may act (only the ``allowed`` verbs), the reveal form for a
    record with personal fields whose principal may reveal."""
    incident = kind == "incident"
    options = reveal_options(kind, s)
    return {"body": VIEWS[kind](data, s, lang), "drawer_hidden": False,
            "version": data["version"] if incident else None, "form_hidden": not (incident and can_act),
            "verbs_hidden": verbs_hidden(allowed if incident else ()),
            "reveal_hidden": not (options and can_reveal), "reveal_options": options}

"""Open311 GeoReport v2, read-only: ``GET /open311/v2/services.json`` and
``/open311/v2/requests.json`` (#14 req 5), for other systems of the district.

What is served, by the spec (https://wiki.open311.org/GeoReport_v2):

* services: one per 12345 category, ``service_code`` a stable ASCII code
  (:data:`SERVICE_CODES`; a category without one gets ``cat-`` and a hash of its name),
  ``group`` the work plan's theme (:data:`THEMES`: epidemic control, property management,
  livelihoods, construction), ``metadata`` false, ``type`` ``realtime``;
* requests: the tickets registered between ``start_date`` and ``end_date`` (W3C
  datetimes; default the 90 days before now, at most 90 days), filtered by ``status``
  (``open`` / ``closed``) and ``service_code`` (comma-separated), newest first, in
  pages (``page`` from 1, ``page_size`` up to 1,000, default 100; extensions the spec
  allows).  ``status`` is ``closed`` once the ticket was closed (结案), else ``open``; the
  detailed state (registered, dispatched, signed, replied, visited, returned, extension,
  reopened, closed) is in ``status_notes``.  ``lat``/``long`` are WGS-84, converted from
  the GCJ-02 the district's producers send.  ``expected_datetime``: the end of the
  deadline day (working days by urgency, dashboard/perception.py's :func:`deadline`).

Read from the history archive, not the live state: the archive holds every ticket of the
date range (the live state keeps open tickets and a window of closed ones), and requests
over months are what other systems ask.  No personal field is ever included: no caller
name or phone; ``description`` is the summary with names and phone numbers masked and
``address`` keeps only its places, as every screen shows a ticket (dashboard/classify.py);
``agency_responsible``, ``address_id``, ``zipcode``, ``media_url`` and ``service_notice``
are null.

Who may read: the ``open311`` permission (admins), or any client sending
``Authorization: Bearer <open311_token>`` (dashboard/guard.py, the setting
``open311_token``; unset: no token works).  Bad parameters answer 400 with the reason
as the spec's error list ``[{"code": 400, "description": …}]``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dashboard import clock
from dashboard.classify import project
from dashboard.history import Archive
from dashboard.perception import Rules, deadline
from dashboard.projection import Projection

#: the work plan's four themes (the ``group`` of a service)
THEMES = ("疫情防控", "物业管理", "民生保障", "城市建设")
#: category → (service_code, theme)
SERVICE_CODES: dict[str, tuple[str, str]] = {
    "疫情防控": ("epidemic", "疫情防控"),
    "物业管理": ("property", "物业管理"),
    "噪声扰民": ("noise", "民生保障"),
    "环境卫生": ("sanitation", "民生保障"),
    "消费维权": ("consumer", "民生保障"),
    "养老服务": ("elderly", "民生保障"),
    "交通出行": ("transport", "城市建设"),
    "市容管理": ("cityscape", "城市建设"),
    "公共设施": ("facilities", "城市建设"),
    "建设施工": ("construction", "城市建设"),
}
DEFAULT_DAYS, MAX_DAYS = 90, 90
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1_000
STATUSES = ("open", "closed")
#: the fields of a service request, in the spec's order
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code",
                  "description", "agency_responsible", "service_notice", "requested_datetime",
                  "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
                  "long", "media_url")
SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
_WGS84 = Projection("wgs84")


class Open311Error(ValueError):
    """A bad parameter; the message says which and why (answered 400)."""


def service_code(category: str) -> str:
    known = SERVICE_CODES.get(category)
    if known is not None:
        return known[0]
    return "cat-" + hashlib.sha1(category.encode()).hexdigest()[:8]


def services(categories: list[str] | None = None) -> list[dict[str, Any]]:
    """The service list: the known categories and any others seen (``categories``)."""
    names = list(SERVICE_CODES) + sorted(set(categories or ()) - set(SERVICE_CODES))
    return [{"service_code": service_code(name), "service_name": name,
             "description": f"12345 市民热线：{name}", "metadata": False, "type": "realtime",
             "keywords": name, "group": SERVICE_CODES.get(name, ("", "民生保障"))[1]} for name in names]


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """The parameters of ``requests.json``, checked."""

    start_ms: int
    end_ms: int
    status: str | None = None
    service_codes: frozenset[str] = frozenset()
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def parse(cls, params: Mapping[str, str], now_ms: int) -> RequestQuery:
        end = _instant(params.get("end_date"), "end_date", now_ms)
        start = _instant(params.get("start_date"), "start_date", end - DEFAULT_DAYS * clock.DAY_MS)
        if start >= end:
            raise Open311Error("start_date must be before end_date")
        if end - start > MAX_DAYS * clock.DAY_MS:
            raise Open311Error(f"start_date to end_date spans more than {MAX_DAYS} days")
        status = params.get("status") or None
        if status is not None and status not in STATUSES:
            raise Open311Error("status must be open or closed")
        codes = frozenset(c.strip() for c in (params.get("service_code") or "").split(",") if c.strip())
        return cls(start, end, status, codes, _number(params.get("page"), "page", 1, 1, 1_000_000),
                   _number(params.get("page_size"), "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE))


def _instant(text: str | None, name: str, default: int) -> int:
    if not text:
        return default
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(f"{name} must be a W3C datetime such as 2026-12-01T00:00:00+08:00") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=clock.BEIJING)
    return int(when.timestamp() * 1000)


def _number(text: str | None, name: str, default: int, low: int, high: int) -> int:
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise Open311Error(f"{name} must be a whole number from {low} to {high}")
    return int(text)


def _iso(ms: int) -> str:
    return clock.beijing(ms).isoformat(timespec="seconds")


def state_of(kind: str, status: str | None) -> str:
    """The detailed state of a ticket from its last event (a v1 update: its status)."""
    if kind == "hotline.ticket":
        return "registered" if status in (None, "new") else status
    return kind.removeprefix("hotline.")


def requests(archive: Archive, query: RequestQuery, rules: Rules | None = None) -> list[dict[str, Any]]:
    """One page of service requests (newest first); see the module docstring."""
    rules = rules or Rules()
    first_day = clock.beijing_day(query.start_ms)
    last_day = clock.beijing_day(query.end_ms)
    found = archive.query("open311_requests", _iso(query.start_ms), _iso(query.end_ms), first_day, last_day,
                          first_day)
    out = []
    for (ticket_id, category, summary, address, lat, lon, urgency, day, requested_ms, kind, status,
         updated_ms) in sorted(found, key=lambda r: (-r[8], r[0])):
        state = state_of(kind, status)
        open_or_closed = "closed" if state == "closed" else "open"
        code = service_code(category or "")
        if query.status is not None and open_or_closed != query.status:
            continue
        if query.service_codes and code not in query.service_codes:
            continue
        level = int(urgency) if str(urgency) in ("1", "2", "3") else 3
        due = datetime.fromisoformat(deadline(day, rules.deadline_days[level - 1], rules.calendar))
        expected = due.replace(hour=23, minute=59, second=59, tzinfo=clock.BEIJING)
        wgs = _WGS84.point(lat, lon, "gcj02") if lat is not None and lon is not None else (None, None)
        shown = project("ticket", {"summary": summary, "address": address}, ("summary", "address"))
        out.append({
            "service_request_id": ticket_id, "status": open_or_closed, "status_notes": state,
            "service_name": category, "service_code": code,
            "description": shown["summary"] or None,
            "agency_responsible": None, "service_notice": None,
            "requested_datetime": _iso(requested_ms), "updated_datetime": _iso(updated_ms),
            "expected_datetime": expected.isoformat(timespec="seconds"),
            "address": shown["address"] or None, "address_id": None, "zipcode": None,
            "lat": None if wgs[0] is None else round(wgs[0], 6),
            "long": None if wgs[1] is None else round(wgs[1], 6), "media_url": None,
        })
    start = (query.page - 1) * query.page_size
    return out[start:start + query.page_size]


def error(text: str, code: int = 400) -> list[dict[str, Any]]:
    """The spec's error answer."""
    return [{"code": code, "description": text}]

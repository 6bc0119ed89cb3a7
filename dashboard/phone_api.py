"""The officers' phone page for 12345 work orders (``/console/m``) and its JSON.

* ``GET /console/m``: the page, rendered here with its strings in the page's language
  (``?lang=zh|en``); its script is ``assets/phone.js`` (no inline script: the strings
  travel in a ``<script type="application/json">`` block, which is data, not code).
* ``GET /console/m/api/tickets?offset=&limit=&lang=``: one page of the officer's open
  tickets by deadline (dashboard/phone.py ``ticket_list``).
* ``GET /console/m/api/tickets/<id>?lang=``: one ticket, masked as the console's drawer,
  with the buttons the officer may take now.
* ``POST /console/m/api/tickets/<id>?lang=`` with ``{"button", "version", "text",
  "until"}``: a step through dashboard/actions.py ``ticket_action`` (checked, written,
  judged by the reducer, audited); a ticket not at the officer's units, or a text over
  :data:`~dashboard.phone.TEXT_MAX`, is refused here and audited the same way.  The
  answer says in the page's language what happened and carries the ticket as it is now.

The guard (dashboard/guard.py) checks the session, the ``console`` door, CSRF and Origin
of the POST, and hands ``/console/m/api/`` to the console worker, so the phones never
load the wall's event loop.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from dashboard import clock, hotline
from dashboard.actions import Outcome, ticket_action, ticket_refused
from dashboard.guard import client_ip, require
from dashboard.i18n import LANGS, client_strings, say, signed_in_as, t, unit_label
from dashboard.phone import PHONE_BUTTONS, TEXT_MAX, is_mine, ticket_card, ticket_list, units_of

if TYPE_CHECKING:
    from dashboard.auth import Principal
    from dashboard.runtime import Runtime

JSON = "application/json"
PAGE = "/console/m"
API = "/console/m/api/"
#: The strings assets/phone.js needs (besides the buttons' and statuses' labels).
_CLIENT_KEYS = ("phone.more", "phone.empty", "phone.back", "phone.live", "phone.reconnecting",
                "phone.text", "phone.until", "phone.due", "phone.timeline", "phone.pending",
                "phone.no_actions", "phone.loading", "phone.failed", "phone.count", "action.done",
                "action.refused", "ticket.category", "ticket.summary", "ticket.status", "ticket.created",
                "ticket.deadline", "ticket.urgency", "ticket.handling_unit", "field.caller_name",
                "field.caller_phone", "field.address", "ticket.reply", "ticket.callback",
                "ticket.extended_until", "col.street",
                *(f"ticket.button.{b}" for b in PHONE_BUTTONS),
                *(f"phone.guard.{code}" for code in ("csrf", "too_large", "too_slow", "length_required",
                                                     "permission", "sign_in", "refused")))


def _lang(value: str | None) -> str:
    return value if value in LANGS else "zh"


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=JSON,
                    headers={"Cache-Control": "no-store"})


def _asset(name: str, assets: Path) -> str:
    """An asset's URL, with its modification time so that a new version is fetched."""
    try:
        return f"/assets/{name}?m={int((assets / name).stat().st_mtime)}"
    except OSError:
        return f"/assets/{name}"


def register(server: FastAPI, runtime: Runtime, assets: Path) -> None:
    def units(principal: Principal) -> frozenset[str] | None:
        user = runtime.identity.store.current().users.get(principal.name)
        return units_of(user, principal.scope)

    def scope_text(principal: Principal, lang: str) -> str:
        mine = units(principal)
        if mine is None:
            district = t("phone.district", lang)
            return district if principal.scope is None else unit_label(principal.scope, lang)
        return t("phone.units", lang, units="、".join(sorted(unit_label(u, lang) for u in mine)))

    @server.get(PAGE)
    async def phone_page(lang: str = "zh") -> Response:
        principal = require("console")
        lang = _lang(lang)
        strings = client_strings(lang)
        shown = {key: strings[key] for key in _CLIENT_KEYS}
        shown.update({k: v for k, v in strings.items() if k.startswith("hotline.status.")})
        shown["lang"] = lang
        data = orjson.dumps(shown).decode().replace("<", "\\u003c")  # inert in the HTML
        other = "en" if lang == "zh" else "zh"
        suffix = "?lang=en" if lang == "en" else ""
        console = "/console" + suffix
        esc = html.escape
        page = f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(t("phone.title", lang))}</title>
<link rel="stylesheet" href="{_asset("phone.css", assets)}">
</head>
<body class="phone">
<script type="application/json" id="phone-strings">{data}</script>
<header class="ph-top">
  <div class="ph-row">
    <h1 class="ph-title">{esc(t("phone.heading", lang))}</h1>
    <span id="ph-conn" class="ph-conn is-off" role="status">{esc(t("phone.reconnecting", lang))}</span>
  </div>
  <div class="ph-row ph-sub">
    <span id="ph-who" class="ph-who">{esc(signed_in_as(principal.name, principal.role, lang))}</span>
    <span id="ph-scope" class="ph-scope">{esc(scope_text(principal, lang))}</span>
  </div>
  <nav class="ph-row ph-nav">
    <a class="ph-link" id="ph-lang" href="{PAGE}?lang={other}">{esc(t("phone.lang", lang))}</a>
    <a class="ph-link" id="ph-console" href="{console}">{esc(t("phone.console", lang))}</a>
    <a class="ph-link" id="ph-logout" href="/logout{suffix}">{esc(t("login.logout", lang))}</a>
  </nav>
  <div id="ph-outcome" class="ph-outcome" role="status" aria-live="polite" hidden></div>
</header>
<main id="ph-main">
  <section id="ph-checkin" class="ph-checkin" aria-live="polite" hidden></section>
  <section id="ph-list-view" class="ph-view">
    <p id="ph-count" class="ph-count">{esc(t("phone.loading", lang))}</p>
    <ol id="ph-list" class="ph-list"></ol>
    <button type="button" id="ph-more" class="ph-btn ph-more" hidden>{esc(t("phone.more", lang))}</button>
  </section>
  <section id="ph-detail-view" class="ph-view" hidden>
    <button type="button" id="ph-back" class="ph-btn ph-back">{esc(t("phone.back", lang))}</button>
    <div id="ph-detail"></div>
  </section>
</main>
<script src="{_asset("live.js", assets)}"></script>
<script src="{_asset("phone.js", assets)}"></script>
<script src="{_asset("checkin_phone.js", assets)}"></script>
</body>
</html>
"""
        return Response(page, media_type="text/html; charset=utf-8")

    @server.get(API + "tickets")
    async def phone_tickets(offset: int = 0, limit: int = 50, lang: str = "zh") -> Response:
        principal = require("console")
        lang = _lang(lang)
        body = ticket_list(runtime.state, units(principal), principal.scope, clock.now_ms(),
                           runtime.deadlines, lang, offset, limit)
        body["count_text"] = t("phone.count", lang, n=body["total"])
        return _json(body)

    @server.get(API + "tickets/{ticket_id}")
    async def phone_ticket(ticket_id: str, lang: str = "zh") -> Response:
        principal = require("console")
        lang = _lang(lang)
        ticket = runtime.state.tickets.get(ticket_id)
        if ticket is None:
            unknown = say(client_strings(lang), "refusal.unknown_ticket", {"id": ticket_id[:80]})
            return _json({"error": unknown}, 404)
        if not is_mine(ticket, units(principal), principal.scope):
            await runtime.auditor.record("ticket.look", principal.name, principal.role,
                                         target=f"ticket:{ticket_id}", detail_key="refusal.out_of_scope",
                                         outcome="refused", ip=client_ip())
            return _json({"error": t("refusal.out_of_scope", lang)}, 403)
        return _json(ticket_card(runtime.state, ticket_id, clock.now_ms(), runtime.deadlines, lang))

    @server.post(API + "tickets/{ticket_id}")
    async def phone_step(ticket_id: str, request: Request, lang: str = "zh") -> Response:
        principal = require("act")
        lang = _lang(lang)
        strings = client_strings(lang)
        try:
            form = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            form = None
        if not isinstance(form, dict):
            return _json({"ok": False, "message": say(strings, "refusal.bad_request", {"what": "JSON"})}, 400)
        button = str(form.get("button") or "")[:40]
        version = form.get("version")
        text, until = form.get("text"), form.get("until")
        if (version is not None and (not isinstance(version, int) or isinstance(version, bool))) or \
                not isinstance(text, str | None) or not isinstance(until, str | None):
            return _json({"ok": False, "message": say(strings, "refusal.bad_request",
                                                      {"what": "version, text, until"})}, 400)
        verb, _ = hotline.verb_of_button(button)
        who: dict[str, Any] = {"role": principal.role, "ip": client_ip()}
        ticket = runtime.state.tickets.get(ticket_id)
        done: Outcome
        if button not in PHONE_BUTTONS:
            done = await ticket_refused(runtime, principal.name, ticket_id, button or "?", "unknown_action",
                                        values={"verb": button}, **who)
        elif ticket is not None and not is_mine(ticket, units(principal), principal.scope):
            done = await ticket_refused(runtime, principal.name, ticket_id, button, "out_of_scope",
                                        version=ticket["version"], **who)
        elif text is not None and len(text) > TEXT_MAX:
            done = await ticket_refused(runtime, principal.name, ticket_id, button, "text_too_long",
                                        version=ticket["version"] if ticket else None,
                                        values={"max": TEXT_MAX}, **who)
        else:
            done = await ticket_action(runtime, principal.name, ticket_id, verb or button, version=version,
                                       text=None if button == "sign" else text,
                                       until=until if button == "extend" else None, **who)
        now = runtime.state.tickets.get(ticket_id)
        mine = now is not None and is_mine(now, units(principal), principal.scope)
        what = strings.get(f"ticket.button.{button}", button)
        message = (strings["action.done"].format(what=what) if done.ok
                   else strings["action.refused"].format(reason=done.says(strings)))
        return _json({"ok": done.ok, "message": message, "version": done.version,
                      "ticket": ticket_card(runtime.state, ticket_id, clock.now_ms(), runtime.deadlines, lang)
                      if mine else None})


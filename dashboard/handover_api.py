"""``GET /api/handover-print?q=&center=&day=`` (the ``console`` permission): the handover log
as a printable page (A4, print CSS), filtered as in the console; names masked as on
screen, every text escaped (it is data, never markup).  An officer of one street sees the
district centre's and their street's."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse

from dashboard.clock import beijing, now_ms, span_text
from dashboard.guard import require
from dashboard.handover_actions import handover_log
from dashboard.i18n import t, unit_name

if TYPE_CHECKING:
    from dashboard.runtime import Runtime

PRINT_CSS = """
@page { size: A4; margin: 15mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 11pt; color: #000; }
h1 { font-size: 16pt; margin: 0 0 4pt; } .meta { color: #444; margin-bottom: 10pt; }
.entry { border-top: 1px solid #888; padding: 6pt 0; break-inside: avoid; }
.head { font-weight: bold; } .ack { color: #060; } .wait { color: #a00; }
pre { white-space: pre-wrap; font-family: inherit; margin: 4pt 0 0; }
"""


def _hm(ms: int | None) -> str:
    return beijing(ms).strftime("%Y-%m-%d %H:%M") if ms else ""


def register(server: FastAPI, runtime: Runtime) -> None:
    @server.get("/api/handover-print", response_class=HTMLResponse)
    async def handover_print(
        q: str = Query(""), center: str = Query(""), day: str = Query(""), lang: str = Query("zh")
    ) -> HTMLResponse:
        principal = require("console")
        lang = "en" if lang == "en" else "zh"
        entries = handover_log(
            runtime.state,
            center=center or None,
            text=q[:200],
            day=day[:10],
            street=principal.scope,
            limit=1000,
        )
        rows = []
        for x in entries:
            unit = None if x["center"] == "district" else x["center"]
            if x.get("acked_ts"):
                said = t("handover.acked", lang, name=x.get("acked_by") or "", time=_hm(x.get("acked_ts")))
                acked = f'<span class="ack">{escape(said)}</span>'
            else:
                acked = f'<span class="wait">{escape(t("handover.waiting", lang))}</span>'
            who = t("handover.from_to", lang, giver=x.get("from_name") or "", taker=x.get("to_name") or "")
            rows.append(
                f'<div class="entry"><div class="head">{escape(unit_name(unit, lang))} {escape(x["post"])} '
                f"{escape(span_text(x['shift_start'], x['shift_end']))} · {escape(who)}"
                f" · {escape(t('handover.submitted', lang))} {_hm(x['ts'])} · {acked}</div>"
                f"<pre>{escape(x.get('summary') or '')}</pre></div>"
            )
        filters = " · ".join(escape(v) for v in (q, center, day) if v)
        body = "".join(rows) or f"<p>{escape(t('handover.none', lang))}</p>"
        page = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{escape(t('handover.print_title', lang))}</title><style>{PRINT_CSS}</style></head>"
            f"<body><h1>{escape(t('handover.print_title', lang))}</h1>"
            f'<div class="meta">{_hm(now_ms())} {filters}</div>{body}</body></html>'
        )
        return HTMLResponse(page, headers={"Cache-Control": "private, no-store"})

"""What screens show of check-ins (查岗): the prompt of the officer on duty, and the day's
requests for the duty tab.  Pure: a function of the state and ``now`` (epoch ms).

The officer on duty is matched by name: a signed-in user whose roster name
(:attr:`dashboard.auth.Principal.on_roster`: the ``person`` set by ``users set-person``, else
the user name) is the roster's person (dashboard/roster.py: a person is their name) is on
duty at the posts where the roster has them now.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dashboard import checkin, roster
from dashboard.classify import project
from dashboard.clock import BEIJING
from dashboard.i18n import t, unit_name
from dashboard.state import State


def _now(now_ms: int) -> datetime:
    return datetime.fromtimestamp(now_ms / 1000, BEIJING).replace(microsecond=0)


def duty_posts(state: State, name: str, now_ms: int) -> list[tuple[str, str]]:
    """The (centre, post) pairs where ``name`` is on duty at ``now_ms``."""
    found = roster.on_duty(state.roster, _now(now_ms))
    return sorted(pos for pos, shifts in found.items() if any(s.name == name for s in shifts))


def prompts(state: State, name: str, now_ms: int) -> list[dict[str, Any]]:
    """The open requests ``name`` may answer now (on duty at their post), soonest due first,
    each with its ``minutes_left``."""
    now = _now(now_ms)
    return [{**request, "status": checkin.OPEN, "minutes_left": checkin.minutes_left(request, now)}
            for request in checkin.open_requests(state.checkins, now, duty_posts(state, name, now_ms))]


def today(state: State, now_ms: int, scope: str | None = None) -> list[dict[str, Any]]:
    """Today's requests (Beijing day) of the district's centre and, for a street officer,
    theirs only (``scope``) or, unscoped, every centre's; each with its ``status``, the
    answering officer's name masked (personal)."""
    now = _now(now_ms)
    start = now.replace(hour=0, minute=0, second=0)
    out = []
    for request in checkin.of_day(state.checkins, start, start + timedelta(days=1)):
        if scope is not None and request["center"] not in ("district", scope):
            continue
        row = {**request, "status": checkin.status(request, now),
               "minutes_left": checkin.minutes_left(request, now)}
        out.append(project("checkin", row))
    return out


def prompt_text(request: dict[str, Any], lang: str) -> str:
    """``查岗：请确认在岗（区指挥中心 值班员，剩余 7 分钟）`` in ``lang``."""
    unit = None if request["center"] == "district" else request["center"]
    return t("checkin.prompt", lang, centre=unit_name(unit, lang), post=request["post"],
             minutes=request["minutes_left"])

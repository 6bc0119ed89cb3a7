"""Check-in of the post on duty (查岗).  Pure, no I/O.

A *request* asks one post of one centre (``district`` or a unit code) to confirm presence:
at time ``at`` it opens, and it is *answered* by a ``duty.checkin`` (centre, post, name) of
someone on duty at that post (the roster, dashboard/roster.py) before ``due``
(``at`` + M minutes); past ``due`` without an answer it is *missed*.

Requests come from a schedule (:class:`Schedule`, configuration): fixed times of the day
(Beijing time) for every staffed post, and a number of random times inside each shift.
The random times are derived, not drawn: a hash of the centre, post, shift start, seed and
index places them, so every instance and a restart compute the same ones.  The scheduler
(dashboard/checkin_scheduler.py) writes each request as a ``duty.checkin_request`` event
when its time comes, with an id made of its post and time (every instance writes the same
id; the reducer's dedup window applies it once).  The reducer, which reads no
configuration and no clock, then knows the open requests from the log alone, so it can
refuse an answer to no request, and the archive holds requests and answers both (the
missed count is read from the archive, :func:`missed_counts`).

The reducer keeps the requests in :class:`Tables` (bounded, oldest first out) and calls
:func:`add_request` and :func:`answer`; views ask :func:`status`, :func:`open_request`,
:func:`missed_alarms` with the wall clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypedDict

from dashboard import roster
from dashboard.clock import BEIJING, parse_local

REQUESTS_KEPT = 5_000
#: statuses of a request at a time (``status``)
OPEN, ANSWERED, MISSED, PENDING = "open", "answered", "missed", "pending"


class Request(TypedDict):
    id: str  # "<centre>/<post>@<at>"
    center: str
    post: str
    at: str  # ISO, Beijing time, to the second
    due: str
    answered_by: str | None
    answered_at: str | None
    ts: int  # event time of the request


class Tables(TypedDict):
    requests: dict[str, Request]  # id → request, in the order they came


def empty() -> Tables:
    return {"requests": {}}


@dataclass(frozen=True, slots=True)
class Schedule:
    """When posts are asked: ``times`` of every day (``HH:MM``, Beijing time), and
    ``per_shift`` derived random times in each shift of the roster (none within
    ``answer_min`` of the shift's end, so there is time to answer), ``answer_min`` minutes
    to answer.  ``seed`` changes the random times (kept in configuration, not secret)."""

    times: tuple[str, ...] = ()
    per_shift: int = 0
    answer_min: int = 10
    seed: str = "changning"

    @staticmethod
    def parse(times: str, per_shift: int, answer_min: int, seed: str) -> Schedule:
        """From the settings' text (``"09:00,21:00"``); a bad time raises ValueError naming it."""
        parsed = tuple(t.strip() for t in times.split(",") if t.strip())
        for text in parsed:
            time.fromisoformat(text)  # raises on "25:00"
        if per_shift < 0 or answer_min < 1:
            raise ValueError("per_shift must be ≥ 0 and answer_min ≥ 1")
        return Schedule(parsed, per_shift, answer_min, seed)


@dataclass(frozen=True, slots=True)
class Planned:
    """A request the schedule places: post and time (``id`` is the request's key and the
    event id's tail)."""

    center: str
    post: str
    at: datetime
    due: datetime

    @property
    def id(self) -> str:
        return request_id(self.center, self.post, self.at)


def request_id(center: str, post: str, at: datetime) -> str:
    return f"{center}/{post}@{roster.stamp(at)}"


def _fraction(*parts: str) -> float:
    """A number in [0, 1) from a hash of ``parts`` (the same on every machine)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def planned(schedule: Schedule, tables: roster.Tables, start: datetime, end: datetime) -> list[Planned]:
    """Every request the schedule places in [start, end), by time then centre and post.

    A fixed time asks each post that has someone on duty then; a random time lies in
    ``[shift start, shift end - answer_min)`` of one shift of the post."""
    answer = timedelta(minutes=schedule.answer_min)
    found: dict[str, Planned] = {}
    shifts = roster.shifts(tables, start - timedelta(days=8), end)

    def put(center: str, post: str, at: datetime) -> None:
        at = at.replace(microsecond=0)
        if start <= at < end:
            item = Planned(center, post, at, at + answer)
            found.setdefault(item.id, item)

    day = start.astimezone(BEIJING).date()
    while datetime.combine(day, time(), BEIJING) < end:
        for text in schedule.times:
            moment = datetime.combine(day, time.fromisoformat(text), BEIJING)
            for shift in shifts:
                if shift.start <= moment < shift.end:
                    put(shift.center, shift.post, moment)
        day += timedelta(days=1)
    for shift in shifts:
        room = (shift.end - shift.start - answer).total_seconds()
        if room <= 0:
            continue
        for index in range(schedule.per_shift):
            offset = _fraction(shift.center, shift.post, roster.stamp(shift.start), schedule.seed, str(index))
            put(shift.center, shift.post, shift.start + timedelta(seconds=int(offset * room)))
    return sorted(found.values(), key=lambda p: (p.at, p.center, p.post))


# ---------------------------------------------------------------- the reducer's part


def _time(text: str, what: str) -> datetime:
    moment = parse_local(text)
    if moment is None:
        raise ValueError(f"{what} {text!r} is not an ISO-8601 time")
    return moment.replace(microsecond=0)


def add_request(tables: Tables, center: str, post: str, at: str, due: str, ts: int,
                keep: int | None = REQUESTS_KEPT) -> str | None:
    """Hold a request; the reason when it is refused (unknown centre, bad times).  The same
    post and time again changes nothing (a retry beyond the dedup window).  ``keep``: the
    bound (the oldest go first); None for a replay of the archive."""
    if not roster.known_center(center):
        return f"unknown centre '{center}'"
    try:
        start, end = _time(at, "at"), _time(due, "due")
    except ValueError as exc:
        return str(exc)
    if end <= start:
        return f"due ({due}) is not after at ({at})"
    key = request_id(center, post, start)
    if key in tables["requests"]:
        return None
    tables["requests"][key] = {"id": key, "center": center, "post": post, "at": roster.stamp(start),
                               "due": roster.stamp(end), "answered_by": None, "answered_at": None, "ts": ts}
    while keep is not None and len(tables["requests"]) > keep:
        del tables["requests"][next(iter(tables["requests"]))]
    return None


def _open_at(tables: Tables, center: str, post: str, moment: datetime) -> Request | None:
    """The newest unanswered request of the post open at ``moment`` (at ≤ moment < due)."""
    found = None
    for request in tables["requests"].values():
        if request["center"] != center or request["post"] != post or request["answered_by"]:
            continue
        if (_time(request["at"], "at") <= moment < _time(request["due"], "due")
                and (found is None or request["at"] > found["at"])):
            found = request
    return found


def answer(tables: Tables, rosters: roster.Tables, center: str, post: str, name: str,
           ts_ms: int) -> tuple[str | None, str | None]:
    """Answer the post's open request at event time ``ts_ms``: (the request id, None), or
    (None, the reason it is refused: no open request, or ``name`` not on duty there then).
    The on-duty test reads the roster without the working-day calendar (configuration):
    a working-day rotation counts as running every day of its rule."""
    moment = datetime.fromtimestamp(ts_ms / 1000, BEIJING).replace(microsecond=0)
    request = _open_at(tables, center, post, moment)
    if request is None:
        return None, f"no open check-in request for {center}/{post} at {roster.stamp(moment)}"
    on = roster.on_duty(rosters, moment).get((center, post), [])
    if name not in {shift.name for shift in on}:
        held = "、".join(shift.name for shift in on) or "no one"
        return None, f"{name} is not on duty at {center}/{post} at {roster.stamp(moment)} (on duty: {held})"
    request["answered_by"], request["answered_at"] = name, roster.stamp(moment)
    return request["id"], None


# ---------------------------------------------------------------- views


def status(request: Request, now: datetime) -> str:
    """``answered``; ``missed`` (past due, no answer); ``open``; ``pending`` (not yet at)."""
    if request["answered_by"]:
        return ANSWERED
    if now >= _time(request["due"], "due"):
        return MISSED
    if now >= _time(request["at"], "at"):
        return OPEN
    return PENDING


def open_requests(tables: Tables, now: datetime,
                  posts: Iterable[tuple[str, str]] | None = None) -> list[Request]:
    """The requests open now (of ``posts`` only, when given), soonest due first."""
    wanted = set(posts) if posts is not None else None
    out = [r for r in tables["requests"].values() if status(r, now) == OPEN
           and (wanted is None or (r["center"], r["post"]) in wanted)]
    return sorted(out, key=lambda r: r["due"])


def minutes_left(request: Request, now: datetime) -> int:
    """Whole minutes until the request is due (rounded up, at least 0)."""
    seconds = (_time(request["due"], "due") - now).total_seconds()
    return max(0, int(-(-seconds // 60)))


def of_day(tables: Tables, day_start: datetime, day_end: datetime) -> list[Request]:
    """The requests of [day_start, day_end), by time."""
    found = [r for r in tables["requests"].values() if day_start <= _time(r["at"], "at") < day_end]
    return sorted(found, key=lambda r: (r["at"], r["center"], r["post"]))


class MissedAlarm(TypedDict):
    key: str  # "checkin:<centre>/<post>"
    center: str
    post: str
    at: str  # the missed request's time
    since: int  # epoch ms: when it was missed (its due)


def missed_alarms(tables: Tables, now: datetime) -> list[MissedAlarm]:
    """Per post, its newest missed request when no request after it has been answered
    (the next answered check-in clears the alarm)."""
    newest: dict[tuple[str, str], Request] = {}
    answered: dict[tuple[str, str], str] = {}
    for request in tables["requests"].values():
        place = (request["center"], request["post"])
        state = status(request, now)
        if state == MISSED and (place not in newest or request["at"] > newest[place]["at"]):
            newest[place] = request
        elif state == ANSWERED and request["at"] > answered.get(place, ""):
            answered[place] = request["at"]
    out: list[MissedAlarm] = []
    for (center, post), request in sorted(newest.items()):
        if answered.get((center, post), "") > request["at"]:
            continue
        out.append({"key": f"checkin:{center}/{post}", "center": center, "post": post, "at": request["at"],
                    "since": int(_time(request["due"], "due").timestamp() * 1000)})
    return out


def settled(tables: Tables, start: datetime, end: datetime) -> list[Request]:
    """The requests that opened in [start, end) and were due by ``end``: answered in time
    (``answered_by``) or missed — the one home of what counts as a missed check-in."""
    return [request for request in tables["requests"].values()
            if start <= _time(request["at"], "at") < end and _time(request["due"], "due") <= end]


def missed_counts(tables: Tables, start: datetime, end: datetime) -> dict[str, int]:
    """Missed check-ins per centre of the :func:`settled` requests.  Every centre with such
    a request is a key (0: none missed).  Over the archive: dashboard/checkin_reads.py;
    the performance figure ``checkin_answered`` counts the same requests."""
    counts: dict[str, int] = {}
    for request in settled(tables, start, end):
        counts[request["center"]] = counts.get(request["center"], 0) + (not request["answered_by"])
    return counts

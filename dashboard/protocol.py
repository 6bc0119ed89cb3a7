"""The /live protocol's vocabulary in one place (docs/live-protocol.md).  No I/O.

:class:`Section` names what the reducer reports as changed (``Changes``) and what a view
and a patch hold, so a name cannot differ between the two.  A patch frame is::

    {"t": "patch", "seq": n, "last_id", "applied",
     "set": {<record section>: {key: value}}, "del": {<record section>: [key, ...]},
     <replaced section>: value, ...,              # summary, feed, attention, dimensions, hotline,
                                                 # counts, stale, geo_version
     "severe": [...], "rejections": [...],       # events: shown once, never part of the view
     "cue": [<console area>, ...]}               # which console areas should refresh

A client applies ``set``/``del`` to the record sections, replaces every replaced section
present, and ends with the view a fresh hello would give it (tests/fixtures/live-golden.json
is applied by both the shipped assets/live.js and the Python test client).
"""

from __future__ import annotations

from enum import StrEnum


class Section(StrEnum):
    # record sections: keyed; a patch sets or deletes keys
    VIDEO = "video"  # point id → reported status (only cameras that are not online)
    INDICATORS = "indicators"  # series id → card (value, ts, level, n, history)
    INCIDENTS = "incidents"  # incident id → card (the feed's and every open severe case)
    ALARMS = "alarms"  # alarm id → card (the feed's)
    SENSORS = "sensors"  # sensor id → card
    DUTY = "duty"  # centre/post → shift
    # replaced sections: a patch carries them whole
    SUMMARY = "summary"  # per-status camera counts (dashboard/camera.py)
    FEED = "feed"  # newest first: [kind, key]
    ATTENTION = "attention"  # pins (unacknowledged levels 1–2), how many more, the flood
    DIMENSIONS = "dimensions"  # per dimension: open incidents, active alarms, warnings, level
    HOTLINE = "hotline"  # 12345 figures of the day
    COUNTS = "counts"  # visitors: open cases by domain and level, active alarms
    STALE = "stale"  # stale camera and indicator ids
    GEO_VERSION = "geo_version"  # bump: refetch the point set
    ROSTER = "roster"  # on duty now per centre and post, surnames only (dashboard/roster_view.py)
    # changes that are not view sections
    TICKETS = "tickets"  # 12345 tickets (feed the hotline figures and the console)
    REJECTIONS = "rejections"  # refused lifecycle steps (a patch's event list)
    INBOX = "inbox"  # alarm acknowledgements and shelves (a console cue)
    GEO = "geo"  # the point set (positions, names) changed


RECORD_SECTIONS: tuple[Section, ...] = (
    Section.VIDEO, Section.INDICATORS, Section.INCIDENTS, Section.ALARMS, Section.SENSORS,
    Section.DUTY,
)
REPLACED_SECTIONS: tuple[Section, ...] = (
    Section.SUMMARY, Section.FEED, Section.ATTENTION, Section.DIMENSIONS, Section.HOTLINE,
    Section.COUNTS, Section.STALE, Section.GEO_VERSION, Section.ROSTER,
)


class Cue(StrEnum):
    """Areas of the officers' console that a patch asks to refresh (their server callbacks
    re-run; the wall ignores cues)."""

    INCIDENTS = "incidents"
    CAMERAS = "cameras"
    TICKETS = "tickets"
    SENSORS = "sensors"
    INBOX = "inbox"
    DUTY = "duty"


#: Which console areas a change of each section concerns.
CUES: dict[Section, tuple[Cue, ...]] = {
    Section.INCIDENTS: (Cue.INCIDENTS, Cue.INBOX),
    Section.REJECTIONS: (Cue.INCIDENTS,),
    Section.VIDEO: (Cue.CAMERAS, Cue.INBOX),
    Section.GEO: (Cue.CAMERAS,),
    Section.STALE: (Cue.CAMERAS, Cue.TICKETS, Cue.INBOX),
    Section.TICKETS: (Cue.TICKETS,),
    Section.SENSORS: (Cue.SENSORS,),
    Section.ALARMS: (Cue.SENSORS, Cue.INBOX),
    Section.INDICATORS: (Cue.INBOX,),
    Section.INBOX: (Cue.INBOX,),
    Section.DUTY: (Cue.DUTY,),
    Section.ROSTER: (Cue.DUTY, Cue.INBOX),
}

#: Frame types (``t``).
HELLO, PATCH, BEAT, BYE, ERROR, PONG = "hello", "patch", "beat", "bye", "error", "pong"

"""The demo's duty roster (issue 16 part 2, step 1): rotations for the district centre and
every street centre, so the wall's duty line and the console's duty tab show people.

Pure and deterministic (the seed and the day give the same events, ids included).  Every
name is **synthetic**: a surname and given name drawn from the simulator's vocabulary
(dashboard/simulator_vocab.py), no real person; phones are in an unassigned demo range
(``021-2206xxxx``).

Each centre has two posts (值班长, 值班员); each post is a day/night rotation of four
people: A works 08:00–20:00 and B 20:00–08:00 on even days, C and D on odd days
(``FREQ=DAILY;INTERVAL=2``), so every post is covered around the clock with no one on twice.
The rotations start the day before the demo starts (so the current shift exists), without
``until``; the same ids again replace them (the reducer's rule), so a restarted demo
re-seeds without duplicates.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from dashboard import clock
from dashboard import simulator_vocab as vocab
from dashboard.units import UNIT_CODES

DEMO_POSTS = ("值班长", "值班员")
#: (offset of the first shift from the anchor day's 08:00, in hours) per person of a post
PATTERN = ((0, "a"), (12, "b"), (24, "c"), (36, "d"))
SHIFT_HOURS = 12


def demo_centres() -> list[str]:
    return ["district", *sorted(UNIT_CODES)]


def synthetic_names(seed: int, count: int) -> list[str]:
    """``count`` distinct synthetic names (two or three characters)."""
    rng = random.Random(f"demo-roster-{seed}")
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        given = "".join(rng.choices(vocab.GIVEN, k=rng.choice((1, 2, 2))))
        name = rng.choice(vocab.SURNAMES) + given
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def demo_roster(start_ms: int, seed: int = 0) -> list[dict[str, Any]]:
    """The ``duty.roster`` events of the demo roster (envelopes, ``source`` simulator)."""
    day = clock.beijing(start_ms).replace(hour=8, minute=0, second=0, microsecond=0)
    anchor: datetime = day - timedelta(days=1)
    centres = demo_centres()
    names = iter(synthetic_names(seed, len(centres) * len(DEMO_POSTS) * len(PATTERN)))
    events: list[dict[str, Any]] = []
    serial = 0
    for centre in centres:
        for post_no, post in enumerate(DEMO_POSTS):
            for offset, letter in PATTERN:
                serial += 1
                first = anchor + timedelta(hours=offset)
                rotation_id = f"demo-{centre}-{'lead' if post_no == 0 else 'staff'}-{letter}"
                data = {
                    "rotation_id": rotation_id, "center": centre, "post": post, "name": next(names),
                    "phone": f"021-2206{serial:04d}",
                    "dtstart": first.isoformat(timespec="seconds"),
                    "dtend": (first + timedelta(hours=SHIFT_HOURS)).isoformat(timespec="seconds"),
                    "rrule": "FREQ=DAILY;INTERVAL=2", "by": "demo",
                }
                event: dict[str, Any] = {"type": "duty.roster", "id": f"demo-roster-{rotation_id}",
                                         "ts": start_ms, "source": "simulator", "data": data}
                if centre != "district":
                    event["street"] = centre
                events.append(event)
    return events

"""``changning-dashboard roster import FILE --center C`` and ``roster export --center C``.

Import reads an iCalendar file (dashboard/roster_ical.py), checks every VEVENT (the line of
each problem is printed) and then checks the events against the roster as it stands (the
state rebuilt from the newest snapshot and the log after it, as an instance does): a
rotation or override the reducer would refuse (an overlapping shift of one person, an
occurrence that does not exist) is reported with its VEVENT's UID and nothing is written.
Only a clean file is appended to the log, all of it.  Export rebuilds the state the same
way and prints the centre's roster as iCalendar on stdout.

Exit status: 0 done, 1 the file has problems (nothing written), 2 cannot run (Redis, file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import orjson

from dashboard import roster_ical
from dashboard import state as st
from dashboard.bus import Bus, connect_for
from dashboard.config import Settings
from dashboard.events import InvalidEvent, event_from_dict, parse_event


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser],
               common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("roster", help="import or export a centre's duty roster as iCalendar")
    verbs = parser.add_subparsers(dest="verb", required=True)
    imp = verbs.add_parser("import", help="append a centre's rotations and overrides from an .ics file")
    imp.add_argument("file", help="the iCalendar file (RFC 5545; docs/duty.md says which properties)")
    exp = verbs.add_parser("export", help="print a centre's roster as iCalendar (to a file: > FILE)")
    for verb in (imp, exp):
        common(verb)
        verb.add_argument("--center", required=True, help="district or a unit code, e.g. hongqiao")


async def current_state(bus: Bus, settings: Settings) -> st.State:
    """The state as an instance holds it: the newest snapshot, then the log after it."""
    snapshot = await bus.load_snapshot()
    state = st.from_json(snapshot[1]) if snapshot else st.State()
    while entries := await bus.read_range(state.last_id, settings.read_batch):
        for entry_id, raw in entries:
            try:
                event = parse_event(raw or b"", settings.max_event_bytes)
            except InvalidEvent:
                st.note_dead(state, entry_id)
                continue
            st.apply(state, entry_id, event)
    return state


async def roster_command(settings: Settings, args: argparse.Namespace) -> int:
    bus = Bus(connect_for(settings), settings)
    try:
        if args.verb == "export":
            state = await current_state(bus, settings)
            sys.stdout.buffer.write(roster_ical.write(state.roster, args.center))
            return 0
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"changning-dashboard roster import: {args.file}: {exc}", file=sys.stderr)
            return 2
        events, found = roster_ical.read(text, args.center)
        problems = [str(p) for p in found] or _refusals(await current_state(bus, settings), events)
        for problem in problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        if problems:
            print(f"nothing imported: {len(problems)} problem(s)", file=sys.stderr)
            return 1
        await bus.append_many([orjson.dumps(event) for event in events])
        print(f"imported {len(events)} event(s) for {args.center}")
        return 0
    finally:
        await bus.redis.aclose()


def _refusals(state: st.State, events: list[dict[str, object]]) -> list[str]:
    """What the reducer would refuse, applying the file's events to a copy of the state."""
    trial = st.from_json(st.to_json(state))
    out: list[str] = []
    for n, event in enumerate(events):
        before = len(trial.rejections)
        st.apply(trial, f"9999999999999-{n}", event_from_dict(event))
        if len(trial.rejections) > before:
            data = event["data"]
            uid = data.get("rotation_id") if isinstance(data, dict) else None
            out.append(f"UID {uid}: {trial.rejections[-1]['reason']}")
    return out

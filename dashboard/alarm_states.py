"""Alarm states as ISA-18.2 names them: the one home of what state an alarm is in, when it
chatters and when it is stale.  No I/O, no clock: the reducer (dashboard/state.py) keeps
each sensor alarm's ``active`` flag, activations and re-activations; the inbox
(dashboard/inbox.py), the wall's cards and the load figures ask these functions.

An alarm is **active** (its condition holds) or **cleared** (``sensor.cleared``: back to
normal), and **unacknowledged** or **acknowledged**; the four combinations are the states
of ISA-18.2's state diagram (A, B, C, D in its figure 6):

* ``unacknowledged``: active and not yet acknowledged — needs the operator;
* ``acknowledged``: active and acknowledged — the operator knows, the condition stays;
* ``cleared_unacknowledged`` ("return to normal, unacknowledged"): cleared before anyone
  acknowledged it — still needs an acknowledgement, shown as back to normal;
* ``normal``: cleared and acknowledged — done: it leaves the inbox.

Beside these, an operator may **shelve** an alarm (for a time, with a reason) or take its
source **out of service** (maintenance, with a reason, until returned to service): both
keep it out of the operator's list without losing it, and both are listed apart.

An early-warning alarm (kind ``anomaly``, ``indicator.anomaly``) has the same states: it is
active when raised and clears when a later value of its series is back inside the usual
band (:func:`alarm_source` names its source for out of service).

Two nuisance marks: an alarm that clears and re-activates within :data:`CHATTER_WINDOW_MS`
:data:`CHATTER_COUNT` times is **chattering** (its re-activations fold into its one line
instead of each raising a new one); an alarm active for longer than the stale limit
(``alarm_stale_h`` of the console file, 24 h) is **stale**.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

AlarmState = Literal["unacknowledged", "acknowledged", "cleared_unacknowledged", "normal"]
ALARM_STATES: tuple[AlarmState, ...] = get_args(AlarmState)

#: A clear followed by a new alarm of the same sensor and kind within this is a
#: re-activation of the same alarm, not a new one.
CHATTER_WINDOW_MS = 60_000
#: Re-activations within the window that make an alarm chattering.
CHATTER_COUNT = 3
#: The event ids folded into an alarm that are kept (so a producer's retry of a folded
#: alarm, past the dedup window, is not counted again).
FOLDED_KEPT = 20
#: Active longer than this: stale (the console file's ``alarm_stale_h`` overrides it).
STALE_MS = 24 * 3_600_000


def state_of(active: bool, acknowledged: bool) -> AlarmState:
    """The ISA-18.2 state of an alarm that is ``active`` (or cleared) and ``acknowledged`` (or not)."""
    if active:
        return "acknowledged" if acknowledged else "unacknowledged"
    return "normal" if acknowledged else "cleared_unacknowledged"


def alarm_state(alarm: Mapping[str, Any]) -> AlarmState:
    """The state of a sensor alarm record (dashboard/records.py AlarmRecord)."""
    return state_of(bool(alarm.get("active", True)), bool(alarm.get("acked")))


def needs_operator(state: AlarmState) -> bool:
    """Whether an alarm in ``state`` waits for an acknowledgement."""
    return state in ("unacknowledged", "cleared_unacknowledged")


def reactivates(alarm: Mapping[str, Any], kind: str, ts: int) -> bool:
    """Whether a new alarm of ``kind`` at ``ts`` from the same sensor re-activates ``alarm``:
    the same kind, cleared at most :data:`CHATTER_WINDOW_MS` before."""
    cleared = alarm.get("cleared")
    return (alarm.get("kind") == kind and not alarm.get("active", True) and cleared is not None
            and 0 <= ts - cleared <= CHATTER_WINDOW_MS)


def chattering(reactivations: int) -> bool:
    return reactivations >= CHATTER_COUNT


def is_stale(active: bool, since: int, now: int, stale_ms: int = STALE_MS) -> bool:
    """Whether an alarm active since ``since`` is stale at ``now``."""
    return active and now - since > stale_ms


#: The key an out-of-service decision is kept under: the alarm's source (a sensor, a
#: camera, an indicator series), so the source's later alarms are out of service too.
def source_key(kind: str, ref: str) -> str:
    """``sensor:<id>``, ``video:<point>``, ``indicator:<series>`` or ``source:<name>``."""
    return f"{'video' if kind == 'camera' else kind}:{ref}"


#: The kind of an early-warning alarm (``indicator.anomaly``) in the reducer's alarms.
ANOMALY = "anomaly"


def alarm_source(alarm: Mapping[str, Any]) -> str:
    """The source key of an alarm of the reducer's ``alarms``: its sensor's, or for an
    early-warning alarm (kind ``anomaly``) of an indicator series that series'
    (``indicator:<series>``, the key the inbox's threshold alarm of the series has too).
    An anomaly of a sensor's readings (``anomaly.key`` ``sensor:<id>``) is its sensor's."""
    detail = alarm.get("anomaly") or {}
    if alarm.get("kind") == ANOMALY and not str(detail.get("key", "")).startswith("sensor:"):
        return source_key("indicator", alarm["sensor_id"])
    return source_key("sensor", alarm["sensor_id"])

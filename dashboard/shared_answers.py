"""Answers shared between officers' pages: what one console callback computed, reused by
every page that asks the same thing while nothing it shows has changed.

Officers on the same view ask the same questions: a /live cue makes twenty district
consoles ask, within a few hundred milliseconds, for the same first page of incidents,
the same street list, the same duty table.  Each answer depends on

* what was asked (the callback's inputs: URL, filters, the grid's rows and sort),
* who asks, as far as the answer differs by it (role and scope: masking and the street
  an officer is confined to),
* the state of the console areas it shows (:class:`AreaVersions`, counted per area from
  what each applied batch changed, the areas of :data:`protocol.CUES`, the same ones
  that cue a page to ask again), and
* the time (deadlines and staleness move with the clock): answers are kept within one
  second (:data:`GRANULARITY_MS`) of the wall clock.

:class:`SharedAnswers` keeps the newest answers under that key.  They are kept in the
plain JSON form Dash sends (components turned into their dicts once): serialising a
component tree is most of a callback's cost (a 60-row table: 7.5 ms as components,
0.1 ms as plain dicts), so a shared answer also costs Dash almost nothing to send.

Only answers that are the same for everyone with the same role and scope go through
here: never one that audits a look, depends on which input fired, or reveals.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from dash.development.base_component import Component
from plotly.io.json import to_json_plotly

from dashboard import clock
from dashboard import state as st
from dashboard.protocol import CUES, Cue

GRANULARITY_MS = 1000  # an answer is reused within this much of the wall clock
SIZE = 512  # answers kept (the least recently used go first)


class AreaVersions:
    """Per console area, how many applied batches changed it (a replica listener); a
    restore (a new state) starts a new epoch."""

    def __init__(self) -> None:
        self._versions: dict[Cue, int] = dict.fromkeys(Cue, 0)
        self.epoch = 0

    def on_changes(self, changes: st.Changes) -> None:
        touched = {cue for section in changes.keys for cue in CUES.get(section, ())}
        for cue in touched:
            self._versions[cue] += 1

    def on_restore(self, state: st.State) -> None:
        self.epoch += 1

    def of(self, areas: Iterable[Cue]) -> tuple[int, ...]:
        return (self.epoch, *(self._versions[area] for area in areas))


class SharedAnswers:
    def __init__(self, versions: AreaVersions, now_ms: Callable[[], int] = clock.now_ms,
                 size: int = SIZE) -> None:
        self.versions = versions
        self.now_ms = now_ms
        self.size = size
        self._answers: OrderedDict[tuple[Any, ...], tuple[Any, str]] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, name: str, areas: tuple[Cue, ...], asked: Any, compute: Callable[[], Any]) -> Any:
        """The answer of callback ``name`` to ``asked`` (JSON-able: inputs, role, scope),
        computed by ``compute()`` unless an answer under the same areas' versions and
        second is kept."""
        return self.signed(name, areas, asked, compute)[0]

    def signed(self, name: str, areas: tuple[Cue, ...], asked: Any,
               compute: Callable[[], Any]) -> tuple[Any, str]:
        """:meth:`get`, and the answer's signature (a page that holds an answer with that
        signature needs nothing new)."""
        key = (name, orjson.dumps(asked, option=orjson.OPT_SORT_KEYS), self.versions.of(areas),
               self.now_ms() // GRANULARITY_MS)
        if key in self._answers:
            self.hits += 1
            self._answers.move_to_end(key)
            return self._answers[key]
        self.misses += 1
        answer = plain(compute())
        signature = hashlib.blake2b(orjson.dumps(answer, default=repr), digest_size=12).hexdigest()
        self._answers[key] = answer, signature
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)
        return answer, signature


def plain(value: Any) -> Any:
    """``value`` with every Dash component turned into the dicts Dash would send (dicts,
    lists and tuples walked; anything else, ``dash.no_update`` included, as it is)."""
    if isinstance(value, Component):
        return orjson.loads(to_json_plotly(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value

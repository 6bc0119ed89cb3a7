"""The console's incident index: what makes a console refresh cost what it shows, not the
size of the day.

Incidents are kept in buckets by (street, status, severity, domain), each bucket a list
sorted by (reported, id).  A query picks the buckets its filters allow (a few hundred at
most, whatever the number of incidents), counts them by bisection, and reads one page by
a lazy k-way merge (:func:`heapq.merge`) in the order asked for: every supported order is
either a rank of a bucket's dimensions or, for deadlines, monotone in ``reported`` inside
a bucket.  Only a text search reads every candidate (a substring test each).

The index follows the reducer as a listener of the replica (dashboard/replica.py
``StateListener``): ``on_changes`` after each applied batch, ``on_restore`` after a
snapshot.  The replica calls it in the event loop before the /live hub, so a callback
that a patch's cue triggers reads an index that agrees with the state.  Pure Python, no
I/O; ``now`` is passed in.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate, islice
from typing import Any, Literal, NamedTuple

from sortedcontainers import SortedList

from dashboard.cards import in_scope
from dashboard.classify import project
from dashboard.clock import MINUTE_MS
from dashboard.lifecycle import FLOW, OPEN, STAGE_OF_STATUS
from dashboard.protocol import Section
from dashboard.state import Changes, State


class Bucket(NamedTuple):
    street: str  # "" for cases without a street (the district's own)
    status: str
    severity: int
    domain: str


#: Orders a page can be read in (AG Grid column ids of the incident grid).
SortKey = Literal["default", "reported", "severity", "street", "status", "domain", "deadline"]
SORTS: tuple[SortKey, ...] = ("default", "reported", "severity", "street", "status", "domain", "deadline")
_STATUS_RANK: dict[str, int] = {status: rank for rank, status in enumerate(FLOW)}


@dataclass(frozen=True)
class Query:
    """Which incidents, in which order.  Empty tuples mean no restriction."""

    scope: str | None = None  # the principal's street (None: the district)
    street: str | None = None  # the console URL's street
    domains: tuple[str, ...] = ()
    severities: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    since_ms: int | None = None
    text: str = ""
    sort: SortKey = "default"
    descending: bool = False  # for "reported": newest first when True

    def allows(self, bucket: Bucket) -> bool:
        street = bucket.street or None
        return (in_scope(street, self.scope) and in_scope(street, self.street)
                and (not self.domains or bucket.domain in self.domains)
                and (not self.severities or bucket.severity in self.severities)
                and (not self.statuses or bucket.status in self.statuses))


class Deadlines:
    """Minutes per (domain, severity, stage) from the console configuration; anything
    with ``limits(domain, severity) -> {stage: minutes}`` and ``near``."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self._ms: dict[tuple[str, int, str], int] = {}

    def limit_ms(self, bucket: Bucket) -> int | None:
        stage = STAGE_OF_STATUS.get(bucket.status)  # type: ignore[call-overload]
        if stage is None:
            return None
        key = (bucket.domain, bucket.severity, stage)
        if key not in self._ms:
            self._ms[key] = int(self.config.limits(bucket.domain, bucket.severity)[stage] * MINUTE_MS)
        return self._ms[key]


class IncidentIndex:
    """Incidents by bucket, each bucket sorted by (reported, id)."""

    def __init__(self, state: State | None = None) -> None:
        self.state = state if state is not None else State()
        self.buckets: dict[Bucket, SortedList] = {}
        self._where: dict[str, tuple[Bucket, tuple[int, str]]] = {}
        self._text = TextIndex()

    # ------------------------------------------------------------ following the state
    def on_changes(self, changes: Changes) -> None:
        for iid in changes.keys.get(Section.INCIDENTS, ()):
            self._update(self.state, iid)

    def on_restore(self, state: State) -> None:
        self.state = state
        self.buckets.clear()
        self._where.clear()
        self._text = TextIndex()
        for iid in state.incidents:
            self._update(state, iid)
        self._text.search("\n")  # build the search text now, not on the first search

    def _update(self, state: State, iid: str) -> None:
        old = self._where.pop(iid, None)
        if old is not None:
            bucket, entry = old
            self.buckets[bucket].remove(entry)
            if not self.buckets[bucket]:
                del self.buckets[bucket]
        incident = state.incidents.get(iid)
        if incident is None:
            self._text.forget(iid)
            return
        bucket = Bucket(incident["street"] or "", incident["status"], incident["severity"],
                        incident["domain"])
        entry = (incident["reported"], iid)
        self.buckets.setdefault(bucket, SortedList()).add(entry)
        self._where[iid] = (bucket, entry)
        if old is None:  # the id and the title as shown (masked): never the address or the description
            self._text.add(iid, f"{iid} {project('incident', incident, ('title',))['title']}")

    def __len__(self) -> int:
        return len(self._where)

    # ------------------------------------------------------------ reading
    def page(self, query: Query, start: int, end: int, deadlines: Deadlines) -> tuple[list[str], int]:
        """The ids of rows ``start:end`` of the query, and how many rows it has in all."""
        chosen = self._chosen(query)
        count = sum(len(entries) for entries in chosen.values())
        return list(islice(self._ordered(chosen, query, deadlines), start, end)), count

    def everything(self, query: Query, deadlines: Deadlines) -> Iterator[str]:
        """Every id of the query in its order, from copies of the buckets taken now: the
        caller may read it across awaits (an export) while the index changes."""
        chosen = {b: list(entries) for b, entries in self._chosen(query).items()}
        return self._ordered(chosen, query, deadlines)

    def count(self, query: Query) -> int:
        return sum(len(entries) for entries in self._chosen(query).values())

    def street_counts(self, scope: str | None, now: int, deadlines: Deadlines,
                      near: float) -> dict[str, dict[str, int]]:
        """Per street ("district" for cases without one): open cases, and how many of them
        are near or past their deadline (as dashboard/console.py ``deadline`` judges one
        case); by bisection, never by reading every case."""
        counts: dict[str, dict[str, int]] = {}
        for bucket, entries in self.buckets.items():
            if bucket.status not in OPEN or not in_scope(bucket.street or None, scope):
                continue
            tally = counts.setdefault(bucket.street or "district", {"open": 0, "near": 0, "overdue": 0})
            tally["open"] += len(entries)
            limit = deadlines.limit_ms(bucket)
            if limit is None:
                continue
            overdue = entries.bisect_left((now - limit,))  # now > reported + limit
            reached = entries.bisect_left((math.floor(now - near * limit) + 1,))  # elapsed >= near
            tally["overdue"] += overdue
            tally["near"] += reached - overdue
        return counts

    def _chosen(self, query: Query) -> dict[Bucket, Any]:
        """Per bucket the query allows, its (reported, id) entries that the query's time
        and text allow, ascending (a view of the sorted list without those filters)."""
        needle = query.text.strip().lower()
        if needle:
            found = self._found_by_bucket(needle)
            return {b: [e for e in entries if e[0] >= (query.since_ms or 0)]
                    for b, entries in found.items() if query.allows(b)}
        return {b: self._entries(b, query) for b in self.buckets if query.allows(b)}

    def _entries(self, bucket: Bucket, query: Query) -> Any:
        entries = self.buckets[bucket]
        if query.since_ms:
            return list(entries.islice(entries.bisect_left((query.since_ms,))))
        return entries

    def _found_by_bucket(self, needle: str) -> dict[Bucket, list[tuple[int, str]]]:
        by_bucket: dict[Bucket, list[tuple[int, str]]] = {}
        for iid in self._text.search(needle):
            where = self._where.get(iid)
            if where is not None:
                by_bucket.setdefault(where[0], []).append(where[1])
        for entries in by_bucket.values():
            entries.sort()
        return by_bucket

    def _ordered(self, chosen: dict[Bucket, Any], query: Query, deadlines: Deadlines) -> Iterator[str]:
        """Every id of the chosen entries, in the query's order (a lazy k-way merge)."""
        ranks = _ranks(chosen, query.sort)
        streams = [self._stream(entries, ranks[b], query, deadlines.limit_ms(b) if query.sort == "deadline"
                                else None) for b, entries in sorted(chosen.items())]
        # ties on (rank, time) keep the buckets' order, so a page is the same on every read
        return (iid for *_, iid in heapq.merge(*streams, key=_order_key))

    @staticmethod
    def _stream(entries: Any, rank: int, query: Query, limit: int | None) -> Iterator[tuple[Any, ...]]:
        """One bucket's entries as (rank, time, id), ascending, for the merge."""
        if query.sort == "deadline":  # due = reported + the bucket's limit: monotone in reported
            if limit is None:  # nothing pending: after every open case, newest first
                return ((1, -r, iid) for r, iid in reversed(entries))
            return ((0, r + limit, iid) for r, iid in entries)
        if query.sort == "reported" and not query.descending:
            return ((rank, r, iid) for r, iid in entries)
        if query.descending and query.sort != "reported":
            rank = -rank
        return ((rank, -r, iid) for r, iid in reversed(entries))


class TextIndex:
    """Substring search over every case's id and title, in C: the texts joined by newlines
    in chunks of :data:`CHUNK`, so that a new case rebuilds one chunk, not the whole
    haystack.  A case's text never changes (titles are set when it is reported); forgotten
    cases are dropped from the results and compacted away once they are half the chunks."""

    CHUNK = 2048

    def __init__(self) -> None:
        self._chunks: list[tuple[list[str], list[int], str]] = []  # ids, starts, joined text
        self._open: list[tuple[str, str]] = []  # (id, text) not yet in a chunk
        self._live: dict[str, str] = {}
        self._dead = 0
        self._cache: tuple[str, set[str]] | None = None

    def add(self, iid: str, text: str) -> None:
        self._live[iid] = text.lower()
        self._open.append((iid, self._live[iid]))
        self._cache = None

    def forget(self, iid: str) -> None:
        if self._live.pop(iid, None) is not None:
            self._dead += 1
            self._cache = None

    def search(self, needle: str) -> set[str]:
        if self._cache is not None and self._cache[0] == needle:
            return self._cache[1]
        self._settle()
        found: set[str] = set()
        for ids, starts, blob in self._chunks:
            at = blob.find(needle)
            while at >= 0:
                iid = ids[bisect_right(starts, at) - 1]
                if iid in self._live:
                    found.add(iid)
                at = blob.find(needle, at + 1)
        self._cache = (needle, found)
        return found

    def _settle(self) -> None:
        if self._dead > len(self._live):  # mostly tombstones: start again from the live texts
            self._chunks, self._open, self._dead = [], list(self._live.items()), 0
        while self._open:
            if self._chunks and len(self._chunks[-1][0]) < self.CHUNK:  # refill the last chunk
                ids, _, _ = self._chunks.pop()
                pending = [(iid, self._live.get(iid)) for iid in ids]
                self._open = [(i, t) for i, t in pending if t is not None] + self._open
            batch, self._open = self._open[: self.CHUNK], self._open[self.CHUNK:]
            ids = [iid for iid, _ in batch]
            texts = [text for _, text in batch]
            starts = list(accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
            self._chunks.append((ids, starts, "\n".join(texts)))


def _order_key(item: tuple[Any, ...]) -> tuple[Any, Any]:
    return item[0], item[1]


def _ranks(buckets: Iterable[Bucket], sort: SortKey) -> dict[Bucket, int]:
    """Where each bucket's cases go before the time order (smaller first)."""
    buckets = list(buckets)
    if sort == "default":
        return {b: 0 if b.status in OPEN else 1 for b in buckets}
    if sort == "severity":
        return {b: b.severity for b in buckets}
    if sort == "status":
        return {b: _STATUS_RANK.get(b.status, len(FLOW)) for b in buckets}
    if sort in ("street", "domain"):
        values = sorted({getattr(b, sort) for b in buckets})
        position = {value: i for i, value in enumerate(values)}
        return {b: position[getattr(b, sort)] for b in buckets}
    return dict.fromkeys(buckets, 0)

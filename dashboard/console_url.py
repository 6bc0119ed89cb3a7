"""The console's URL as a value: ``/console?street=…&incident=…&lang=en``.  No I/O.

The URL is the console's state (deep links, browser back): the language, the street
drilled into and at most one item.  :meth:`ConsoleUrl.parse` reads a query string: an
unknown street is dropped, and when a URL names several items the first of
:data:`DRILL_KINDS` wins (the detail shows it; a reveal or an action applies to it).
:attr:`ConsoleUrl.search` writes one back, in the order ``street, <item>, lang``.

The list filters are not in the URL (they are the filter components' values);
:meth:`ConsoleUrl.filters` combines them with the URL's street.  A principal's scope
overrides the street (:meth:`ConsoleUrl.scoped`): an officer of one street is always in
it, whatever the URL asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal, get_args
from urllib.parse import parse_qs, urlencode

from dashboard import clock
from dashboard.console import Filters
from dashboard.units import UNIT_CODES

#: What the console can drill into, first wins when a URL names several.
DrillKind = Literal["incident", "ticket", "duty", "camera", "sensor", "series"]
DRILL_KINDS: tuple[DrillKind, ...] = get_args(DrillKind)
PATH = "/console"


@dataclass(frozen=True, slots=True)
class ConsoleUrl:
    """What the console shows: ``lang`` ("zh" or "en"), ``street`` (a unit code or None
    for the district) and one drilled item ``kind``/``key`` (both None, or both set)."""

    lang: str = "zh"
    street: str | None = None
    kind: DrillKind | None = None
    key: str | None = None

    @classmethod
    def parse(cls, search: str | None) -> ConsoleUrl:
        query = parse_qs((search or "").lstrip("?"))

        def first(name: str) -> str | None:
            return query[name][0] if query.get(name) else None

        kind = next((k for k in DRILL_KINDS if first(k)), None)
        return cls(lang="en" if first("lang") == "en" else "zh", street=_street(first("street")),
                   kind=kind, key=first(kind) if kind else None)

    def item(self, kind: DrillKind) -> str | None:
        """The drilled key if the drilled item is a ``kind``, else None."""
        return self.key if self.kind == kind else None

    def scoped(self, scope: str | None) -> ConsoleUrl:
        """This URL confined to ``scope`` (None: the district, nothing changes)."""
        return self if scope is None else replace(self, street=scope)

    def drill(self, kind: DrillKind, key: str | None) -> ConsoleUrl:
        """The same street and language with ``kind``/``key`` drilled (none if no key)."""
        return replace(self, kind=kind if key else None, key=key or None)

    def at_street(self, street: str | None) -> ConsoleUrl:
        """The overview of ``street`` (None or unknown: the district), same language."""
        return ConsoleUrl(lang=self.lang, street=_street(street))

    @property
    def search(self) -> str:
        """``?street=…&incident=…&lang=en`` (the parts that are set), or ``""``."""
        params: list[tuple[str | None, str | None]] = [
            ("street", self.street), (self.kind, self.key), ("lang", "en" if self.lang == "en" else None)]
        kept = {name: value for name, value in params if name and value}
        return "?" + urlencode(kept) if kept else ""

    @property
    def href(self) -> str:
        return PATH + self.search

    def filters(self, *, text: str | None = None, domains: Iterable[str] | None = None,
                severities: Iterable[int] | None = None, statuses: Iterable[str] | None = None,
                since: str | None = None, now: int = 0) -> Filters:
        """The list filters (component values, None for untouched) on this URL's street;
        ``since`` is a look-back window of :mod:`dashboard.clock` ending at ``now``."""
        return Filters(street=self.street, domains=tuple(domains or ()),
                       severities=tuple(severities or ()), statuses=tuple(statuses or ()),
                       since_ms=clock.since(since, now), text=text or "")


def _street(code: str | None) -> str | None:
    return code if code in UNIT_CODES else None

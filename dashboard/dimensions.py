"""Which incidents and alarms each vital-sign dimension (平安, 绿色, 活力, 健康) answers for.

The wall's dimension headers count, besides the dimension's own indicators in warning or
alarm, the open incidents of its domains and the active sensor alarms of its alarm kinds.
The mapping is configuration: ``[dimensions.<dimension>]`` tables in the indicator
catalogue's TOML (``catalogue_path``; the packaged ``dashboard/data/indicators.toml``
documents them).  A catalogue without them takes the packaged mapping.  Pure: reads only
the file it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from dashboard.catalogue import CATALOGUE_FILE, DIMENSIONS, Dimension, read_toml
from dashboard.events import INCIDENT_DOMAINS


class DimensionRule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One ``[dimensions.<dimension>]`` table."""

    domains: list[str] = []  # incident domains whose open cases the header counts
    alarm_kinds: list[str] = []  # sensor-alarm kinds whose active alarms it counts
    other_alarms: bool = False  # also every alarm kind that no dimension lists


class DimensionMap(msgspec.Struct, frozen=True):
    """Domain → dimension and alarm kind → dimension, checked (see :func:`load_dimensions`)."""

    domains: dict[str, Dimension]
    alarm_kinds: dict[str, Dimension]
    other_alarms: Dimension | None = None

    def of_domain(self, domain: str) -> Dimension | None:
        return self.domains.get(domain)

    def of_alarm(self, kind: str) -> Dimension | None:
        """The dimension of an alarm kind (``other_alarms`` for a kind no table lists)."""
        return self.alarm_kinds.get(kind, self.other_alarms)


def load_dimensions(path: str | Path | None = None) -> DimensionMap:
    """The mapping in the ``[dimensions]`` tables of the catalogue file ``path`` (None: the
    packaged catalogue); a file without them gets the packaged mapping.

    Raises ValueError naming the file and the key (``dimensions.<dimension>.<field>``)
    for an unknown dimension or field, a domain that is not one of the eight, a domain not
    mapped or mapped twice, an alarm kind listed twice, or more than one ``other_alarms``.
    """
    file = CATALOGUE_FILE if path is None else Path(path)
    tables = read_toml(file, "the indicator catalogue").get("dimensions")
    if tables is None and file != CATALOGUE_FILE:
        return load_dimensions(None)
    if not isinstance(tables, dict):
        raise ValueError(f"{file}: dimensions: expected tables [dimensions.<dimension>]")
    return parse_dimensions(tables, str(file))


def parse_dimensions(tables: Mapping[str, Any], source: str) -> DimensionMap:
    """:func:`load_dimensions` on tables already read (``source`` names them in errors)."""
    domains: dict[str, Dimension] = {}
    kinds: dict[str, Dimension] = {}
    other: Dimension | None = None
    for name, raw in tables.items():
        key = f"{source}: dimensions.{name}"
        if name not in DIMENSIONS:
            raise ValueError(f"{key}: unknown dimension (known: {', '.join(DIMENSIONS)})")
        dimension: Dimension = name
        try:
            rule = msgspec.convert(raw, DimensionRule)
        except msgspec.ValidationError as exc:
            raise ValueError(f"{key}: {str(exc).replace('`$.', '`')}") from None
        for domain in rule.domains:
            if domain not in INCIDENT_DOMAINS:
                raise ValueError(f"{key}.domains: unknown domain {domain!r} "
                                 f"(known: {', '.join(INCIDENT_DOMAINS)})")
            if domain in domains:
                raise ValueError(f"{key}.domains: {domain!r} is already in dimensions.{domains[domain]}")
            domains[domain] = dimension
        for kind in rule.alarm_kinds:
            if kind in kinds:
                raise ValueError(f"{key}.alarm_kinds: {kind!r} is already in dimensions.{kinds[kind]}")
            kinds[kind] = dimension
        if rule.other_alarms:
            if other is not None:
                raise ValueError(f"{key}.other_alarms: dimensions.{other} has it already (one only)")
            other = dimension
    missing = [domain for domain in INCIDENT_DOMAINS if domain not in domains]
    if missing:
        raise ValueError(f"{source}: dimensions: no dimension lists the domain(s) {', '.join(missing)} "
                         "(add them to a dimensions.<dimension>.domains)")
    return DimensionMap(domains, kinds, other)

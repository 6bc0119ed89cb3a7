"""12345 perception (感知研判): recurring, hard, unsatisfied tickets, hotspots and rising
categories, computed from the history archive (#14 req 4).

SQL narrows (:data:`dashboard.history.QUERIES` ``perception_registrations`` and
``perception_steps``: the same text on DuckDB and PostgreSQL, a range of days, the zone
maps of ``day`` confine the scan), pandas does the rest.  Every analysis is a function of
the frames and a :class:`Rules`, without I/O, so the tests plant a history and check what
is found; :func:`perceive` loads the days each analysis needs and runs them all.

Each result is a :class:`Table` that says what it counts and over which days.  What a
table holds is never personal: ticket ids, categories, streets, units, days, counts, and
addresses masked to their places (:func:`dashboard.masks.mask_address`); a ticket's
summary is read to compare texts and never shown.

The rules (each stated with its threshold, tested in tests/unit/test_perception.py):

* **recurring**: over the ``recurring_days`` days ending the end day, two tickets are
  linked when they have the same category and lie within ``radius_m`` metres, or when
  they have the same address (spaces ignored) and similar texts: the summaries cut into
  words by jieba (punctuation and one-character particles dropped) score at least
  ``text_similarity`` in rapidfuzz's ``token_set_ratio`` (0–100; a repeat "再次反映：…" of
  a summary scores 100, two different problems at one address about 20–45).  Linked
  tickets form groups (connected components); a group of ``recurring_min`` or more is a
  recurring issue.
* **hard**: tickets registered over ``hard_days`` days that were returned (退单), had an
  extension requested (延期), were reopened (重办), or are overdue: not closed by their
  deadline (``deadline_days`` working days by urgency 1/2/3 after the registration day,
  moved by an approved extension's ``until``), counting a late closing too.  Units:
  returns of a ticket counted against the unit it was last dispatched to.
* **unsatisfied**: callbacks (``hotline.visited``) rated unsatisfied, and a v1 producer's
  closing with ``satisfied`` false, over ``weeks`` + 1 weeks, by category, street and unit
  (the unit last dispatched before the callback), with the count of each week.
* **hotspots**: registrations per H3 cell (resolution ``h3_res``, cells of about 0.7 km²)
  in the week ending the end day (``x``) against the mean ``m`` of the same cell's previous
  ``weeks`` weeks: a cell is hot when ``x`` is at least ``hot_min`` and a week as busy is
  improbable for a Poisson count of mean ``m`` (``m`` at least 0.5):
  ``P(X ≥ x) ≤ p_max`` (0.001, once in 1,000 weeks; with 50 cells in a district, one false
  hotspot in about 20 weeks).  The z-score ``(x − m) / √m`` is shown beside it.
* **rising**: categories whose count in the week ending the end day is at least
  ``rise_min``, at least ``rise_ratio`` times their mean over the previous ``weeks`` weeks,
  and improbable for a Poisson count of that mean (``P(X ≥ x) ≤ p_max``).

A week is the 7 days ending a day (not a calendar week), so "this week" is the last 7 days.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import h3
import jieba
import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from dashboard.history import Archive
from dashboard.holidays import day_kind
from dashboard.masks import mask_address

REG_COLUMNS = ("ticket_id", "day", "street", "category", "lat", "lon", "address", "summary", "urgency")
STEP_COLUMNS = ("ticket_id", "type", "day", "ms", "unit", "result", "approved", "status", "satisfied",
                "until")
EARTH_M = 6_371_000.0
ANALYSES = ("recurring", "hard", "unsatisfied", "hotspots", "rising")


@dataclass(frozen=True, slots=True)
class Rules:
    """The thresholds of the analyses (module docstring); the settings fill them."""

    recurring_days: int = 30
    radius_m: float = 50.0
    text_similarity: float = 70.0
    recurring_min: int = 3
    hard_days: int = 30
    deadline_days: tuple[int, int, int] = (1, 5, 15)  # working days by urgency 1, 2, 3
    weeks: int = 8  # the baseline: weeks before "this week"
    h3_res: int = 8
    hot_min: int = 5
    p_max: float = 0.001
    rise_min: int = 10
    rise_ratio: float = 1.5


@dataclass(slots=True)
class Table:
    """One result: what it counts (``counts``), over which days, its columns and rows."""

    name: str
    counts: str
    first_day: str
    last_day: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    @property
    def period(self) -> str:
        return f"{self.first_day} – {self.last_day}"


# ------------------------------------------------------------------------ loading


def days_back(end_day: str, days: int) -> str:
    """The first day of the ``days`` days ending ``end_day`` (inclusive)."""
    return (date.fromisoformat(end_day) - timedelta(days=days - 1)).isoformat()


def registrations(archive: Archive, first_day: str, last_day: str, scope: str | None = None) -> pd.DataFrame:
    """The registrations of the days (the first one of a ticket), of one street if ``scope``."""
    frame = pd.DataFrame(archive.query("perception_registrations", first_day, last_day),
                         columns=list(REG_COLUMNS))
    return _registrations(frame, scope)


def _registrations(frame: pd.DataFrame, scope: str | None = None) -> pd.DataFrame:
    frame = frame.sort_values(["day", "ticket_id"], kind="stable").drop_duplicates("ticket_id")
    if scope is not None:
        frame = frame[frame["street"] == scope]
    frame["urgency"] = pd.to_numeric(frame["urgency"], errors="coerce").fillna(3).clip(1, 3).astype(int)
    return frame.reset_index(drop=True)


def steps(archive: Archive, first_day: str, last_day: str) -> pd.DataFrame:
    """The lifecycle steps (and v1 status updates) of the days, in time order."""
    frame = pd.DataFrame(archive.query("perception_steps", first_day, last_day), columns=list(STEP_COLUMNS))
    return frame.sort_values(["ms", "ticket_id"], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------ recurring

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@lru_cache(maxsize=65_536)
def words(text: str) -> str:
    """A summary as space-separated jieba words (punctuation and one-character words dropped)."""
    return " ".join(w for w in jieba.lcut(_PUNCT.sub(" ", text or "")) if len(w.strip()) > 1)


def similarity(a: str, b: str) -> float:
    """How alike two summaries are, 0–100 (rapidfuzz token_set_ratio of their jieba words)."""
    return float(fuzz.token_set_ratio(words(a), words(b)))


def _metres(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular metres around the frame's mean latitude (exact enough within a district)."""
    lat = frame["lat"].to_numpy(dtype=float)
    lon = frame["lon"].to_numpy(dtype=float)
    lat0 = math.radians(float(np.nanmean(lat))) if len(lat) else 0.0
    return (np.radians(lon) * EARTH_M * math.cos(lat0), np.radians(lat) * EARTH_M)


def near_pairs(frame: pd.DataFrame, radius_m: float) -> pd.DataFrame:
    """Pairs (``a`` < ``b``, row positions) of the same category within ``radius_m``."""
    placed = frame[frame["lat"].notna() & frame["lon"].notna()]
    if placed.empty:
        return pd.DataFrame({"a": [], "b": []}, dtype=int)
    x, y = _metres(placed)
    cells = pd.DataFrame({"pos": placed.index.to_numpy(), "category": placed["category"].to_numpy(),
                          "cx": np.floor(x / radius_m).astype(np.int64),
                          "cy": np.floor(y / radius_m).astype(np.int64), "x": x, "y": y})
    found = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            shifted = cells.assign(cx=cells["cx"] + dx, cy=cells["cy"] + dy)
            pairs = cells.merge(shifted, on=("category", "cx", "cy"), suffixes=("_a", "_b"))
            pairs = pairs[pairs["pos_a"] < pairs["pos_b"]]
            close = np.hypot(pairs["x_a"] - pairs["x_b"], pairs["y_a"] - pairs["y_b"]) <= radius_m
            found.append(pairs.loc[close, ["pos_a", "pos_b"]])
    both = pd.concat(found).drop_duplicates()
    return both.rename(columns={"pos_a": "a", "pos_b": "b"})


def text_pairs(frame: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Pairs (``a`` < ``b``) at the same address (spaces ignored) with similar summaries."""
    address = frame["address"].fillna("").str.replace(r"\s+", "", regex=True)
    found: list[tuple[int, int]] = []
    for _, group in frame[address != ""].groupby(address[address != ""], sort=False):
        if len(group) < 2:
            continue
        positions = group.index.to_list()
        texts = group["summary"].fillna("").to_list()
        for i in range(len(positions)):
            for j in range(i + 1, len(positions)):
                if similarity(texts[i], texts[j]) >= threshold:
                    found.append((positions[i], positions[j]))
    return pd.DataFrame(found, columns=["a", "b"], dtype=int)


def _components(size: int, pairs: Iterable[tuple[int, int]]) -> np.ndarray:
    """The component of each of ``size`` items linked by ``pairs`` (union-find)."""
    parent = list(range(size))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(size)], dtype=np.int64)


def recurring(regs: pd.DataFrame, rules: Rules, first_day: str, last_day: str) -> Table:
    """Recurring issues among the registrations of the days (module docstring)."""
    table = Table("recurring", f"recurring issues: groups of {rules.recurring_min}+ tickets of one category "
                  f"within {rules.radius_m:g} m, or at one address with texts {rules.text_similarity:g}+ "
                  "similar (jieba + rapidfuzz)", first_day, last_day,
                  ("issue", "category", "tickets", "first_day", "last_day", "streets", "place", "ticket_ids"))
    frame = regs[(regs["day"] >= first_day) & (regs["day"] <= last_day)].reset_index(drop=True)
    if frame.empty:
        return table
    pairs = pd.concat([near_pairs(frame, rules.radius_m), text_pairs(frame, rules.text_similarity)])
    component = _components(len(frame), pairs.itertuples(index=False, name=None))
    frame = frame.assign(group=component)
    sizes = frame["group"].map(frame["group"].value_counts())
    grouped = frame[sizes >= rules.recurring_min].sort_values(["day", "ticket_id"])
    issues = []
    for _, group in grouped.groupby("group", sort=False):
        ids = group["ticket_id"].to_list()
        issues.append((group["category"].mode().iat[0], len(ids), group["day"].iat[0], group["day"].iat[-1],
                       "、".join(sorted(set(group["street"]))), mask_address(group["address"].iat[0]) or "",
                       ids))
    issues.sort(key=lambda row: (-row[1], row[2], row[6][0]))
    table.rows = [(n, *row[:6], " ".join(row[6])) for n, row in enumerate(issues, 1)]
    return table


# ------------------------------------------------------------------------ hard to solve


@lru_cache(maxsize=4_096)
def deadline(day: str, working_days: int) -> str:
    """The day ``working_days`` working days after ``day`` (dashboard/holidays.py's calendar)."""
    when, left = date.fromisoformat(day), working_days
    while left > 0:
        when += timedelta(days=1)
        left -= day_kind(when) == "working"
    return when.isoformat()


def _last_unit(events: pd.DataFrame, dispatched: pd.DataFrame) -> pd.Series:
    """The unit each event's ticket was last dispatched to before it (None when never)."""
    if events.empty:
        return pd.Series([], dtype=object)
    if dispatched.empty:
        return pd.Series([None] * len(events), index=events.index, dtype=object)
    left = events[["ticket_id", "ms"]].reset_index().sort_values("ms")
    right = dispatched[["ticket_id", "ms", "unit"]].sort_values("ms")
    joined = pd.merge_asof(left, right, on="ms", by="ticket_id", allow_exact_matches=False)
    return joined.set_index("index")["unit"].reindex(events.index)


def hard(regs: pd.DataFrame, stepped: pd.DataFrame, rules: Rules, first_day: str, last_day: str
         ) -> tuple[Table, Table]:
    """Hard tickets among those registered over the days, and the units most often returned to."""
    tickets = Table("hard", "tickets registered in the period that were returned, had an extension "
                    "requested, were reopened, or passed their deadline (working days by urgency)",
                    first_day, last_day,
                    ("ticket_id", "category", "street", "day", "deadline", "returned", "extensions",
                     "reopened", "overdue"))
    units = Table("returned_units", "returns (退单) by the unit the ticket was dispatched to, with the "
                  "dispatches to it, for tickets registered in the period", first_day, last_day,
                  ("unit", "returned", "dispatched", "return_share"))
    frame = regs[(regs["day"] >= first_day) & (regs["day"] <= last_day)]
    if frame.empty:
        return tickets, units
    own = stepped[stepped["ticket_id"].isin(frame["ticket_id"])]
    kinds = own.groupby(["ticket_id", "type"]).size().unstack(fill_value=0)
    count = {name: kinds.get(f"hotline.{name}", pd.Series(dtype=int))
             for name in ("returned", "reopened", "closed")}
    asked = own[(own["type"] == "hotline.extension") & own["until"].notna()]["ticket_id"].value_counts()
    # an approved extension moves the deadline to the day asked for last before the decision
    moved: dict[str, str] = {}
    for ticket_id, group in own[own["type"] == "hotline.extension"].groupby("ticket_id"):
        until = None
        for wanted, approved in zip(group["until"], group["approved"], strict=True):
            until = wanted if isinstance(wanted, str) else until
            if approved == "true" and until is not None:
                moved[str(ticket_id)] = until
    closes = own[(own["type"] == "hotline.closed") | (own["status"] == "closed")]
    closing = closes.groupby("ticket_id")["day"].min()
    result = []
    for row in frame.itertuples(index=False):
        due = moved.get(row.ticket_id) or deadline(row.day, rules.deadline_days[row.urgency - 1])
        done = closing.get(row.ticket_id)
        overdue = (done if isinstance(done, str) else last_day) > due
        flags = (int(count["returned"].get(row.ticket_id, 0)), int(asked.get(row.ticket_id, 0)),
                 int(count["reopened"].get(row.ticket_id, 0)), bool(overdue))
        if any(flags):
            result.append((row.ticket_id, row.category, row.street, row.day, due, *flags))
    result.sort(key=lambda r: (-(r[5] + r[6] + r[7] + int(r[8])), r[3], r[0]))
    tickets.rows = result
    dispatched = own[own["type"] == "hotline.dispatched"]
    returned = own[own["type"] == "hotline.returned"]
    by_unit = _last_unit(returned, dispatched).fillna("?").value_counts()
    sent = dispatched["unit"].fillna("?").value_counts()
    units.rows = sorted(((unit, int(n), int(sent.get(unit, 0)),
                          round(int(n) / int(sent.get(unit, 0)), 3) if sent.get(unit, 0) else None)
                         for unit, n in by_unit.items()), key=lambda r: (-r[1], r[0]))
    return tickets, units


# ------------------------------------------------------------------------ unsatisfied


def week_index(days: pd.Series, last_day: str) -> pd.Series:
    """0 for the 7 days ending ``last_day``, 1 for the 7 before, …"""
    age = (pd.Timestamp(last_day) - pd.to_datetime(days)).dt.days
    return age // 7


def unsatisfied(regs: pd.DataFrame, stepped: pd.DataFrame, rules: Rules, last_day: str) -> list[Table]:
    """Unsatisfied callbacks by category, street and unit over ``weeks`` + 1 weeks, with each
    week's count (``w-8`` … ``w0``, the last the week ending ``last_day``)."""
    first_day = days_back(last_day, 7 * (rules.weeks + 1))
    weeks = tuple(f"w-{n}" if n else "w0" for n in range(rules.weeks, -1, -1))
    visits = stepped[(stepped["day"] >= first_day) & (stepped["day"] <= last_day)
                     & (((stepped["type"] == "hotline.visited") & stepped["result"].notna())
                        | ((stepped["type"] == "hotline.ticket") & (stepped["status"] == "closed")
                           & stepped["satisfied"].notna()))]
    visits = visits.assign(bad=(visits["result"] == "unsatisfied") | (visits["satisfied"] == "false"),
                           week=week_index(visits["day"], last_day),
                           unit=_last_unit(visits, stepped[stepped["type"] == "hotline.dispatched"]))
    known = regs.set_index("ticket_id")
    visits = visits[visits["ticket_id"].isin(known.index)]
    visits = visits.assign(category=visits["ticket_id"].map(known["category"]),
                           street=visits["ticket_id"].map(known["street"]))
    tables = []
    for by in ("category", "street", "unit"):
        table = Table(f"unsatisfied_{by}", f"callbacks rated unsatisfied by {by}, with all callbacks "
                      "and the unsatisfied of each week (w0: the 7 days ending the last day)",
                      first_day, last_day, (by, "unsatisfied", "callbacks", "share", *weeks))
        rows = []
        for key, group in visits.groupby(visits[by].fillna("?")):
            bad = group[group["bad"]]
            if bad.empty:
                continue
            per_week = bad["week"].value_counts()
            rows.append((key, len(bad), len(group), round(len(bad) / len(group), 3),
                         *(int(per_week.get(n, 0)) for n in range(rules.weeks, -1, -1))))
        table.rows = sorted(rows, key=lambda r: (-r[1], r[0]))
        tables.append(table)
    return tables


# ------------------------------------------------------------------------ hotspots, rising


USUAL_FLOOR = 0.5  # the mean of a cell or category never seen before


def poisson_z(count: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``(x − m) / √m`` with ``m`` at least :data:`USUAL_FLOOR` (shown, not the test)."""
    m = np.maximum(mean, USUAL_FLOOR)
    return np.asarray((count - m) / np.sqrt(m))


def poisson_tail(count: int, mean: float) -> float:
    """``P(X ≥ count)`` for ``X`` Poisson with ``mean`` (at least :data:`USUAL_FLOOR`)."""
    m = max(mean, USUAL_FLOOR)
    below = sum(math.exp(k * math.log(m) - m - math.lgamma(k + 1)) for k in range(max(count, 0)))
    return max(0.0, 1.0 - below)


def _weekly(regs: pd.DataFrame, key: pd.Series, rules: Rules, last_day: str) -> pd.DataFrame:
    """Per key: this week's count ``now`` and the mean ``usual`` of the ``weeks`` weeks before."""
    week = week_index(regs["day"], last_day)
    inside = (week >= 0) & (week <= rules.weeks)
    counts = pd.crosstab(key[inside], week[inside])
    now = counts[0] if 0 in counts.columns else pd.Series(0, index=counts.index)
    before = counts[[c for c in counts.columns if c != 0]].sum(axis=1) / rules.weeks
    frame = pd.DataFrame({"now": now, "usual": before})
    frame = frame.assign(z=poisson_z(frame["now"].to_numpy(float), frame["usual"].to_numpy(float)))
    return frame.assign(p=[poisson_tail(int(x), float(m)) for x, m in zip(frame["now"], frame["usual"],
                                                                            strict=True)])


def hotspots(regs: pd.DataFrame, rules: Rules, last_day: str) -> Table:
    """H3 cells with more registrations this week than their usual (module docstring)."""
    first_day = days_back(last_day, 7 * (rules.weeks + 1))
    table = Table("hotspots", f"H3 cells (resolution {rules.h3_res}) with {rules.hot_min}+ tickets in the "
                  f"last 7 days, more than a Poisson count with the cell's weekly mean of the "
                  f"{rules.weeks} weeks before reaches once in {1 / rules.p_max:g} weeks",
                  first_day, last_day,
                  ("cell", "lat", "lon", "tickets", "usual", "z", "p", "streets", "top_category"))
    placed = regs[regs["lat"].notna() & regs["lon"].notna() & (regs["day"] >= first_day)
                  & (regs["day"] <= last_day)]
    if placed.empty:
        return table
    to_cell: Callable[[float, float, int], str] = h3.latlng_to_cell
    cells = pd.Series([to_cell(a, b, rules.h3_res) for a, b in
                       zip(placed["lat"].to_numpy(float), placed["lon"].to_numpy(float), strict=True)],
                      index=placed.index)
    weekly = _weekly(placed, cells, rules, last_day)
    hot = weekly[(weekly["now"] >= rules.hot_min) & (weekly["p"] <= rules.p_max)]
    this_week = placed[week_index(placed["day"], last_day) == 0]
    rows = []
    for cell, row in hot.iterrows():
        mine = this_week[cells[this_week.index] == cell]
        lat, lon = h3.cell_to_latlng(str(cell))
        rows.append((cell, round(lat, 6), round(lon, 6), int(row["now"]), round(float(row["usual"]), 2),
                     round(float(row["z"]), 2), float(f"{row['p']:.2g}"),
                     "、".join(sorted(set(mine["street"]))),
                     mine["category"].mode().iat[0]))
    table.rows = sorted(rows, key=lambda r: (-r[5], r[0]))
    return table


def rising(regs: pd.DataFrame, rules: Rules, last_day: str) -> Table:
    """Categories rising this week against the same category's previous weeks."""
    first_day = days_back(last_day, 7 * (rules.weeks + 1))
    table = Table("rising", f"categories with {rules.rise_min}+ tickets in the last 7 days, "
                  f"{rules.rise_ratio:g}× or more their weekly mean of the {rules.weeks} weeks before, "
                  f"more than a Poisson count with that mean reaches once in {1 / rules.p_max:g} weeks",
                  first_day, last_day,
                  ("category", "tickets", "usual", "ratio", "z", "p"))
    frame = regs[(regs["day"] >= first_day) & (regs["day"] <= last_day)]
    if frame.empty:
        return table
    weekly = _weekly(frame, frame["category"], rules, last_day)
    ratio = weekly["now"] / np.maximum(weekly["usual"], 0.5)
    up = weekly[(weekly["now"] >= rules.rise_min) & (ratio >= rules.rise_ratio)
                & (weekly["p"] <= rules.p_max)]
    rows = [(str(c), int(r["now"]), round(float(r["usual"]), 2), round(float(ratio[c]), 2),
             round(float(r["z"]), 2), float(f"{r['p']:.2g}")) for c, r in up.iterrows()]
    table.rows = sorted(rows, key=lambda r: (-r[4], r[0]))
    return table


# ------------------------------------------------------------------------ all of them


def perceive(archive: Archive, last_day: str, rules: Rules | None = None, scope: str | None = None,
             only: Sequence[str] = ANALYSES) -> dict[str, Table]:
    """The analyses named in ``only`` over the days ending ``last_day``, by table name; a
    street officer's ``scope`` keeps that street's tickets."""
    rules = rules or Rules()
    weeks_first = days_back(last_day, 7 * (rules.weeks + 1))
    result: dict[str, Table] = {}
    if "recurring" in only:
        first = days_back(last_day, rules.recurring_days)
        regs = registrations(archive, first, last_day, scope)
        result["recurring"] = recurring(regs, rules, first, last_day)
    if "hard" in only:
        first = days_back(last_day, rules.hard_days)
        regs = registrations(archive, first, last_day, scope)
        result["hard"], result["returned_units"] = hard(regs, steps(archive, first, last_day), rules,
                                                        first, last_day)
    if "unsatisfied" in only:
        # the tickets called back in the weeks were registered up to hard_days before them
        regs = registrations(archive, days_back(weeks_first, rules.hard_days + 1), last_day, scope)
        for table in unsatisfied(regs, steps(archive, weeks_first, last_day), rules, last_day):
            result[table.name] = table
    if "hotspots" in only or "rising" in only:
        regs = registrations(archive, weeks_first, last_day, scope)
        if "hotspots" in only:
            result["hotspots"] = hotspots(regs, rules, last_day)
        if "rising" in only:
            result["rising"] = rising(regs, rules, last_day)
    return result

"""12345 perception (感知研判): recurring, hard, unsatisfied tickets, hotspots and rising
categories, computed from the history archive (#14 req 4).

SQL narrows and aggregates (:data:`dashboard.history.QUERIES` ``perception_*``: the same
text on DuckDB and PostgreSQL, a range of days that the zone maps of ``day`` confine the
scan to; a street officer's scope as a parameter), pandas finishes.  Only what an analysis
needs leaves the engine: aggregates for hard, unsatisfied and rising, numbers for hotspots,
the registrations of 30 days for recurring (its rules compare places and texts pairwise).
:func:`perceive` runs them all; each also runs alone (``only``), as the benchmark times them.

Each result is a :class:`Table` that says what it counts and over which days.  What a
table holds is never personal: ticket ids, categories, streets, units, days, counts, and
addresses masked to their places as every screen masks a ticket's (dashboard/classify.py);
a ticket's summary is read to compare texts and never shown.

The rules (each stated with its threshold, tested in tests/unit/test_perception_rules.py):

* **recurring**: over the ``recurring_days`` days ending the end day, two tickets are
  linked when they have the same category and lie within ``radius_m`` metres, or when
  they have the same address (spaces ignored) and similar texts: the summaries cut into
  words by jieba (punctuation and one-character particles dropped) score at least
  ``text_similarity`` in rapidfuzz's ``token_set_ratio`` (0–100; a repeat "再次反映：…" of
  a summary scores 100, a reworded one about 90, two different problems at one address
  17–32, or 60 when both name the same road and compound).  Linked
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
  ``weeks`` weeks (those the archive covers: a week with no ticket at all is before the
  archive began; fewer than 2 such weeks, no hotspot): a cell is hot when ``x`` is at
  least ``hot_min`` and a week as busy is
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import h3
import jieba
import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from dashboard.classify import project
from dashboard.history import Archive
from dashboard.workdays import Calendar, DeadlineRule, load_calendar

REG_COLUMNS = ("ticket_id", "day", "street", "category", "lat", "lon", "address", "summary", "urgency")
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
    calendar: Calendar | None = None  # the district's working days (None: the packaged calendar)

    @classmethod
    def with_deadlines(cls, rule: DeadlineRule, **thresholds: Any) -> Rules:
        """The thresholds with the instance's 12345 deadline rule (calendar, days by urgency)."""
        return cls(calendar=rule.calendar, deadline_days=(rule.days[1], rule.days[2], rule.days[3]),
                   **thresholds)


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
    frame = pd.DataFrame(archive.query("perception_registrations", first_day, last_day, scope, scope),
                         columns=list(REG_COLUMNS))
    if frame["ticket_id"].duplicated().any():  # a registration sent twice: its first day counts
        frame = frame.sort_values(["day", "ticket_id"], kind="stable").drop_duplicates("ticket_id")
    frame["urgency"] = pd.to_numeric(frame["urgency"], errors="coerce").fillna(3).clip(1, 3).astype(int)
    return frame.reset_index(drop=True)


# ------------------------------------------------------------------------ recurring


def masked_address(address: str | None) -> str:
    """An address as a screen shows a ticket's (dashboard/classify.py: its places only)."""
    if not isinstance(address, str):  # none given (None, or pandas' NaN)
        return ""
    return project("ticket", {"address": address}, ("address",))["address"] or ""


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


#: the neighbouring cells a cell is compared with: the other four are their mirror images
_HALF_NEIGHBOURS = ((0, 1), (1, -1), (1, 0), (1, 1))


def near_pairs(frame: pd.DataFrame, radius_m: float) -> pd.DataFrame:
    """Pairs (``a`` < ``b``, row positions) of the same category within ``radius_m``.

    The points are binned in ``radius_m`` squares per category (one sortable key), sorted
    once; a pair lies in one square or in two neighbouring ones, so each square's run of
    points is paired with itself (each point with those after it) and with the runs of
    four of its eight neighbours (the other four find the same pairs from their side),
    and the candidates are kept within the radius.  Every candidate is generated once:
    no merge, no pair found twice."""
    placed = frame[frame["lat"].notna() & frame["lon"].notna()]
    if placed.empty:
        return pd.DataFrame({"a": [], "b": []}, dtype=int)
    x, y = _metres(placed)
    cx = np.floor(x / radius_m).astype(np.int64)
    cy = np.floor(y / radius_m).astype(np.int64)
    cx, cy = cx - cx.min() + 1, cy - cy.min() + 1  # a district spans far fewer than 2**20 cells
    category = pd.factorize(placed["category"].fillna(""))[0].astype(np.int64)
    key = (category << 42) | (cx << 21) | cy  # one sortable key per (category, cell)
    order = np.argsort(key, kind="stable")
    ordered, xs, ys = key[order], x[order], y[order]
    position = placed.index.to_numpy(np.int64)[order]
    n = len(ordered)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # the runs of one key
    sizes = np.diff(np.r_[starts, n])
    cells = ordered[starts]
    found_a, found_b = [], []

    def keep(i: np.ndarray, j: np.ndarray) -> None:
        near = np.hypot(xs[i] - xs[j], ys[i] - ys[j]) <= radius_m
        pi, pj = position[i[near]], position[j[near]]
        found_a.append(np.minimum(pi, pj))
        found_b.append(np.maximum(pi, pj))

    def spans(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For ``counts[k]`` items of group k: each item's group and its rank in it."""
        group = np.repeat(np.arange(len(counts)), counts)
        return group, np.arange(len(group)) - np.repeat(np.cumsum(counts) - counts, counts)

    # one square: each point with the points after it in its run
    after = np.repeat(starts + sizes, sizes) - np.arange(n) - 1
    i, rank = spans(after)
    keep(i, i + 1 + rank)
    # two neighbouring squares: every point of the one with every point of the other
    for dx, dy in _HALF_NEIGHBOURS:
        wanted = cells + (dx << 21) + dy
        at = np.minimum(np.searchsorted(cells, wanted), len(cells) - 1)
        src = np.flatnonzero(cells[at] == wanted)
        if not len(src):
            continue
        dst = at[src]
        width = sizes[dst]
        run, k = spans(sizes[src] * width)
        keep(starts[src][run] + k // width[run], starts[dst][run] + k % width[run])
    return pd.DataFrame({"a": np.concatenate(found_a), "b": np.concatenate(found_b)})


def text_pairs(frame: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Pairs (``a`` < ``b``) at the same address (spaces ignored) with similar summaries;
    only addresses that occur more than once are compared."""
    keys = frame["address"].str.replace(r"\s+", "", regex=True)  # frame: a RangeIndex
    shared = (keys.notna() & (keys != "") & keys.duplicated(keep=False)).to_numpy()
    if not shared.any():
        return pd.DataFrame({"a": [], "b": []}, dtype=int)
    summaries = frame["summary"].fillna("").tolist()
    found: list[tuple[int, int]] = []
    at = pd.Series(np.flatnonzero(shared)).groupby(keys.to_numpy()[shared], sort=False)
    for positions in (group.tolist() for _, group in at):
        for i in range(len(positions) - 1):
            for j in range(i + 1, len(positions)):
                if similarity(summaries[positions[i]], summaries[positions[j]]) >= threshold:
                    found.append((positions[i], positions[j]))
    return pd.DataFrame(found, columns=["a", "b"], dtype=int)


def components(size: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The component of each of ``size`` items linked by the pairs ``a[i]``–``b[i]``: the
    smallest item of it (label propagation with pointer jumping, in NumPy)."""
    labels = np.arange(size, dtype=np.int64)
    if len(a) == 0:
        return labels
    while True:
        low = np.minimum(labels[a], labels[b])
        new = labels.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        while True:  # jump: every item to its label's label
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new


def _issues(members: pd.DataFrame, group: np.ndarray) -> list[tuple[Any, ...]]:
    """The rows of the recurring table from the tickets of the groups kept (``group``:
    each one's component): per group its most frequent category (a tie: the first in
    sort order), its count, first and last day, streets, the first ticket's place and the
    ticket ids in (day, ticket id) order; the largest first, then by first day and first
    ticket.  In NumPy: one sort of all members, then one slice per group."""
    if members.empty:
        return []
    ticket_ids = members["ticket_id"].to_numpy(dtype=str)
    day_code, day_names = pd.factorize(members["day"], sort=True)
    ticket_rank = np.unique(ticket_ids, return_inverse=True)[1]
    order = np.lexsort((ticket_rank, day_code, group))  # by group, then day, then ticket id
    group, day_code = group[order], day_code[order]
    ticket_rank, ticket_ids = ticket_rank[order], ticket_ids[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(group)]
    counts = ends - starts
    category_code, category_names = pd.factorize(members["category"].to_numpy()[order], sort=True,
                                                 use_na_sentinel=False)
    tally = np.zeros((len(starts), len(category_names)), dtype=np.int64)
    np.add.at(tally, (np.repeat(np.arange(len(starts)), counts), category_code), 1)
    top = tally.argmax(axis=1)  # the first of the most frequent: sort order breaks a tie
    ranked = np.lexsort((ticket_rank[starts], day_code[starts], -counts))
    streets = members["street"].to_numpy()[order].tolist()
    addresses = members["address"].to_numpy()[order].tolist()
    ids = ticket_ids.tolist()
    rows: list[tuple[Any, ...]] = []
    for n, k in enumerate(ranked.tolist(), 1):
        first, end = int(starts[k]), int(ends[k])
        rows.append((n, category_names[top[k]], int(counts[k]), day_names[day_code[first]],
                     day_names[day_code[end - 1]], "、".join(sorted(set(streets[first:end]))),
                     masked_address(addresses[first]), " ".join(ids[first:end])))
    return rows


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
    component = components(len(frame), pairs["a"].to_numpy(np.int64), pairs["b"].to_numpy(np.int64))
    sizes = np.bincount(component, minlength=len(frame))
    keep = sizes[component] >= rules.recurring_min
    table.rows = _issues(frame[keep], component[keep])
    return table


# ------------------------------------------------------------------------ hard to solve


_DUE: dict[tuple[int, str, int], str] = {}


@lru_cache(maxsize=1)
def packaged_calendar() -> Calendar:
    return load_calendar()


def deadline(day: str, working_days: int, calendar: Calendar | None = None) -> str:
    """The day ``working_days`` working days after ``day`` on ``calendar`` (the district's,
    dashboard/workdays.py: the rule 12345 deadlines count on everywhere; None: the packaged one)."""
    cal = calendar or packaged_calendar()
    key = (id(cal), day, working_days)
    found = _DUE.get(key)
    if found is None:
        if len(_DUE) > 100_000:
            _DUE.clear()
        found = _DUE[key] = cal.add_working_days(date.fromisoformat(day), working_days).isoformat()
    return found


def _last_unit(events: pd.DataFrame, dispatched: pd.DataFrame) -> pd.Series:
    """The unit each event's ticket was last dispatched to before it (None when never)."""
    if events.empty or dispatched.empty:
        return pd.Series([None] * len(events), index=events.index, dtype=object)
    left = events[["ticket_id", "ms"]].reset_index().sort_values("ms")
    right = dispatched[["ticket_id", "ms", "unit"]].sort_values("ms")
    joined = pd.merge_asof(left, right, on="ms", by="ticket_id", allow_exact_matches=False)
    return joined.set_index("index")["unit"].reindex(events.index)


def hard(archive: Archive, rules: Rules, first_day: str, last_day: str, scope: str | None = None
         ) -> tuple[Table, Table]:
    """Hard tickets among those registered over the days, and the units most often returned to."""
    tickets = Table("hard", "tickets registered in the period that were returned, had an extension "
                    "requested, were reopened, or passed their deadline (working days by urgency; "
                    "an approved extension moves it)", first_day, last_day,
                    ("ticket_id", "category", "street", "day", "deadline", "returned", "extensions",
                     "reopened", "overdue"))
    units = Table("returned_units", "returns (退单) in the period by the unit the ticket was last "
                  "dispatched to, beside all dispatches to it in the period", first_day, last_day,
                  ("unit", "returned", "dispatched", "return_share"))
    found = []
    for (ticket_id, category, street, day, urgency, returned, extensions, reopened, closed_day,
         until) in archive.query("perception_hard", first_day, last_day, scope, scope, first_day, last_day,
                                 last_day, *rules.deadline_days):
        level = int(urgency) if str(urgency) in ("1", "2", "3") else 3
        due = until or deadline(day, rules.deadline_days[level - 1], rules.calendar)
        overdue = (closed_day or last_day) > due
        flags = (int(returned), int(extensions), int(reopened), bool(overdue))
        if any(flags):
            found.append((ticket_id, category, street, day, due, *flags))
    tickets.rows = sorted(found, key=lambda r: (-(r[5] + r[6] + r[7] + int(r[8])), r[3], r[0]))
    moves = pd.DataFrame(archive.query("perception_returns", first_day, last_day, scope, scope,
                                       first_day, last_day), columns=["ticket_id", "type", "ms", "unit"])
    returned_steps = moves[moves["type"] == "hotline.returned"]
    dispatched = moves[moves["type"] == "hotline.dispatched"]
    by_unit = _last_unit(returned_steps, dispatched).fillna("?").value_counts()
    sent = {unit: int(n) for unit, n in archive.query("perception_dispatches", first_day, last_day,
                                                      scope, scope)}
    units.rows = sorted(((str(unit), int(n), sent.get(unit, 0),
                          round(int(n) / sent[unit], 3) if sent.get(unit) else None)
                         for unit, n in by_unit.items()), key=lambda r: (-r[1], r[0]))
    return tickets, units


# ------------------------------------------------------------------------ unsatisfied


def week_names(weeks: int) -> tuple[str, ...]:
    """``w-8`` … ``w-1``, ``w0`` (the 7 days ending the last day)."""
    return tuple(f"w-{n}" if n else "w0" for n in range(weeks, -1, -1))


def unsatisfied(archive: Archive, rules: Rules, last_day: str, scope: str | None = None) -> list[Table]:
    """Unsatisfied callbacks by category, street and unit over ``weeks`` + 1 weeks, with each
    week's count (``w-8`` … ``w0``, the last the week ending ``last_day``)."""
    first_day = days_back(last_day, 7 * (rules.weeks + 1))
    # the tickets called back in the weeks were registered up to hard_days before them
    regs_first = days_back(first_day, rules.hard_days + 1)
    counted = pd.DataFrame(archive.query("perception_callbacks", regs_first, last_day, scope, scope,
                                         first_day, last_day, regs_first, last_day, last_day),
                           columns=["category", "street", "unit", "week", "bad", "callbacks"])
    counted["bad"] = counted["bad"].astype(bool)
    weeks = week_names(rules.weeks)
    tables = []
    for by in ("category", "street", "unit"):
        table = Table(f"unsatisfied_{by}", f"callbacks rated unsatisfied by {by}, beside all callbacks, "
                      "and the unsatisfied of each week (w0: the 7 days ending the last day)",
                      first_day, last_day, (by, "unsatisfied", "callbacks", "share", *weeks))
        rows = []
        for key, group in counted.groupby(counted[by].fillna("?")):
            bad = group[group["bad"]]
            if bad.empty:
                continue
            per_week = bad.groupby("week")["callbacks"].sum()
            n_bad, n_all = int(bad["callbacks"].sum()), int(group["callbacks"].sum())
            rows.append((str(key), n_bad, n_all, round(n_bad / n_all, 3),
                         *(int(per_week.get(n, 0)) for n in range(rules.weeks, -1, -1))))
        table.rows = sorted(rows, key=lambda r: (-r[1], r[0]))
        tables.append(table)
    trend = Table("unsatisfied_weeks", "callbacks of the district (or the street) per week: rated "
                  "unsatisfied, all, and the share (w0: the 7 days ending the last day)", first_day, last_day,
                  ("week", "unsatisfied", "callbacks", "share"))
    for n in range(rules.weeks, -1, -1):
        week = counted[counted["week"] == n]
        n_all = int(week["callbacks"].sum())
        n_bad = int(week.loc[week["bad"], "callbacks"].sum())
        trend.rows.append((weeks[rules.weeks - n], n_bad, n_all, round(n_bad / n_all, 3) if n_all else None))
    tables.append(trend)
    return tables


#: what the wall line's figures count, in Chinese (the tables' ``counts`` say it in English)
SUMMARY_COUNTS_ZH = {
    "recurring": "重复诉求：同类诉求相距很近或同一地址文本相似，3 件及以上为一组",
    "unsatisfied_weeks": "每周回访评价为不满意的占比",
    "hotspots": "诉求热点：本周工单数显著高于该网格前 8 周均值的 H3 网格",
    "rising": "上升类别：本周工单数显著高于前 8 周均值的诉求类别",
}


def summary(tables: dict[str, Table]) -> dict[str, Any]:
    """The wall's line: recurring issues, this week's unsatisfied share, hotspots, rising
    categories (aggregates only), with the words in both languages: ``text`` whole, and
    ``parts`` (the label, then each figure) that the wall lays out as a row that wraps
    between figures, never inside one."""
    recurring_n = len(tables["recurring"].rows) if "recurring" in tables else 0
    weeks = tables.get("unsatisfied_weeks")
    share = weeks.rows[-1][3] if weeks and weeks.rows else None
    hot = len(tables["hotspots"].rows) if "hotspots" in tables else 0
    up = [str(row[0]) for row in tables["rising"].rows] if "rising" in tables else []
    shown = "—" if share is None else f"{share * 100:.1f}%"
    parts_zh = ["感知研判：", f"重复诉求 {recurring_n} 件", f"本周不满意 {shown}", f"热点 {hot} 处"] + (
        [f"上升：{'、'.join(up[:3])}"] if up else [])
    parts_en = ["Perception:", f"{recurring_n} recurring", f"unsatisfied this week {shown}",
                f"{hot} hotspots"] + (
        [f"rising: {', '.join(up[:3])}"] if up else [])
    zh = parts_zh[0] + " · ".join(parts_zh[1:])
    en = parts_en[0] + " " + " · ".join(parts_en[1:])
    shown_tables = [t for t in tables.values() if t.name in SUMMARY_COUNTS_ZH]
    title_zh = "；".join(f"{SUMMARY_COUNTS_ZH[t.name]}（{t.period}）" for t in shown_tables)
    title_en = "; ".join(f"{t.counts} ({t.period})" for t in shown_tables)
    return {"recurring": recurring_n, "unsatisfied_share": share, "hotspots": hot, "rising": up,
            "text": {"zh": zh, "en": en}, "parts": {"zh": parts_zh, "en": parts_en},
            "title": {"zh": title_zh, "en": title_en}}


# ------------------------------------------------------------------------ hotspots, rising

USUAL_FLOOR = 0.5  # the mean of a cell or category never seen before
MIN_WEEKS = 2  # weeks of history before "this week" that hotspots and rising need


def poisson_z(count: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``(x − m) / √m`` with ``m`` at least :data:`USUAL_FLOOR` (shown, not the test)."""
    m = np.maximum(mean, USUAL_FLOOR)
    return np.asarray((count - m) / np.sqrt(m))


def poisson_tail(count: int, mean: float) -> float:
    """``P(X ≥ count)`` for ``X`` Poisson with ``mean`` (at least :data:`USUAL_FLOOR`)."""
    m = max(mean, USUAL_FLOOR)
    below = sum(math.exp(k * math.log(m) - m - math.lgamma(k + 1)) for k in range(max(count, 0)))
    return max(0.0, 1.0 - below)


def _weekly(counts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """From counts per key (index) and week (columns 0…weeks): this week's ``now``, the mean
    ``usual`` of the weeks before, the z-score ``z`` and the Poisson tail ``p``."""
    now = counts[0] if 0 in counts.columns else pd.Series(0, index=counts.index)
    # the weeks the archive covers (any ticket at all): a young archive's mean is not diluted
    covered = [c for c in counts.columns if 0 < c <= rules.weeks]
    if len(covered) < MIN_WEEKS:
        return pd.DataFrame({"now": [], "usual": [], "z": [], "p": []})
    before = counts[covered].sum(axis=1) / len(covered)
    frame = pd.DataFrame({"now": now, "usual": before})
    frame = frame.assign(z=poisson_z(frame["now"].to_numpy(float), frame["usual"].to_numpy(float)))
    return frame.assign(p=[poisson_tail(int(x), float(m)) for x, m in zip(frame["now"], frame["usual"],
                                                                            strict=True)])


def hotspots(archive: Archive, rules: Rules, last_day: str, scope: str | None = None) -> Table:
    """H3 cells with more registrations this week than their usual (module docstring)."""
    first_day = days_back(last_day, 7 * (rules.weeks + 1))
    table = Table("hotspots", f"H3 cells (resolution {rules.h3_res}) with {rules.hot_min}+ tickets in the "
                  f"last 7 days, more than a Poisson count with the cell's weekly mean of the "
                  f"{rules.weeks} weeks before reaches once in {1 / rules.p_max:g} weeks",
                  first_day, last_day,
                  ("cell", "lat", "lon", "tickets", "usual", "z", "p", "streets", "top_category"))
    points = archive.query("perception_points", last_day, first_day, last_day, scope, scope)
    if not points:
        return table
    to_cell: Callable[[float, float, int], str] = h3.latlng_to_cell
    res = rules.h3_res
    cells = pd.DataFrame({"cell": [to_cell(lat, lon, res) for lat, lon, _ in points],
                          "week": [week for _, _, week in points]})
    this_week = cells[cells["week"] == 0]["cell"].value_counts()
    busy = this_week[this_week >= rules.hot_min].index  # only these can be hot
    if busy.empty:
        return table
    weekly = _weekly(pd.crosstab(cells["cell"], cells["week"]).loc[busy], rules)
    hot = weekly[weekly["p"] <= rules.p_max]
    if hot.empty:
        return table
    recent = registrations(archive, days_back(last_day, 7), last_day, scope)
    recent = recent[recent["lat"].notna() & recent["lon"].notna()]
    recent_cells = pd.Series([to_cell(a, b, res) for a, b in zip(recent["lat"], recent["lon"], strict=True)],
                             index=recent.index, dtype=object)
    rows = []
    for cell, row in hot.iterrows():
        mine = recent[recent_cells == cell]
        lat, lon = h3.cell_to_latlng(str(cell))
        rows.append((str(cell), round(lat, 6), round(lon, 6), int(row["now"]), round(float(row["usual"]), 2),
                     round(float(row["z"]), 2), float(f"{row['p']:.2g}"),
                     "、".join(sorted(set(mine["street"]))), str(mine["category"].mode().iat[0])))
    table.rows = sorted(rows, key=lambda r: (-r[5], r[0]))
    return table


def rising(archive: Archive, rules: Rules, last_day: str, scope: str | None = None) -> Table:
    """Categories rising this week against the same category's previous weeks."""
    first_day = days_back(last_day, 7 * (rules.weeks + 1))
    table = Table("rising", f"categories with {rules.rise_min}+ tickets in the last 7 days, "
                  f"{rules.rise_ratio:g}× or more their weekly mean of the {rules.weeks} weeks before, "
                  f"more than a Poisson count with that mean reaches once in {1 / rules.p_max:g} weeks",
                  first_day, last_day, ("category", "tickets", "usual", "ratio", "z", "p"))
    counted = pd.DataFrame(archive.query("perception_category_weeks", last_day, first_day, last_day,
                                         scope, scope), columns=["category", "week", "tickets"])
    if counted.empty:
        return table
    weekly = _weekly(counted.pivot_table(index="category", columns="week", values="tickets",
                                         aggfunc="sum", fill_value=0), rules)
    ratio = weekly["now"] / np.maximum(weekly["usual"], USUAL_FLOOR)
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
    result: dict[str, Table] = {}
    if "recurring" in only:
        first = days_back(last_day, rules.recurring_days)
        regs = registrations(archive, first, last_day, scope)
        result["recurring"] = recurring(regs, rules, first, last_day)
    if "hard" in only:
        first = days_back(last_day, rules.hard_days)
        result["hard"], result["returned_units"] = hard(archive, rules, first, last_day, scope)
    if "unsatisfied" in only:
        for table in unsatisfied(archive, rules, last_day, scope):
            result[table.name] = table
    if "hotspots" in only:
        result["hotspots"] = hotspots(archive, rules, last_day, scope)
    if "rising" in only:
        result["rising"] = rising(archive, rules, last_day, scope)
    return result

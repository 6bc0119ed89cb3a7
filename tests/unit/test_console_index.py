"""The console's incident index agrees with a brute-force reading of the state: counts,
pages in every order, street tallies of open and late cases, after restores and after
incremental changes (moves between buckets, evictions)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from dashboard import state as st
from dashboard.console import ConsoleConfig, deadline, load_console_config
from dashboard.console_index import SORTS, Deadlines, IncidentIndex, Query, _ranks
from dashboard.lifecycle import FLOW, OPEN
from dashboard.protocol import Section

STREETS = ["jiangsulu", "huayanglu", "xinhualu", None]
DOMAINS = ["safety", "traffic", "environment"]
NOW = 1_800_000_000_000
CONFIG = load_console_config()


def incident(rng: random.Random, i: int) -> dict[str, Any]:
    return {"id": f"inc-{i:05d}", "title": f"case {i} {rng.choice(['fire', 'flood', 'noise'])}",
            "street": rng.choice(STREETS), "status": rng.choice(FLOW), "severity": rng.randint(1, 4),
            "domain": rng.choice(DOMAINS), "reported": NOW - rng.randint(0, 6 * 3_600_000) // 1000 * 1000,
            "address": "secret road 1"}


def state_of(n: int, seed: int = 1) -> st.State:
    rng = random.Random(seed)
    state = st.State()
    for i in range(n):
        record = incident(rng, i)
        state.incidents[record["id"]] = record  # type: ignore[assignment]
    return state


def matching(state: st.State, query: Query) -> list[dict[str, Any]]:
    """Every case the query allows, read one by one."""
    def allowed(i: dict[str, Any]) -> bool:
        street = i["street"]
        return ((query.scope is None or street == query.scope)
                and (query.street is None or street == query.street)
                and (not query.domains or i["domain"] in query.domains)
                and (not query.severities or i["severity"] in query.severities)
                and (not query.statuses or i["status"] in query.statuses)
                and (not query.since_ms or i["reported"] >= query.since_ms)
                and (not query.text or query.text.lower() in f"{i['id']} {i['title']}".lower()))
    return [i for i in state.incidents.values() if allowed(i)]  # type: ignore[arg-type]


def key(i: dict[str, Any], query: Query, config: ConsoleConfig,
        rows: list[dict[str, Any]]) -> tuple[Any, Any]:
    if query.sort == "deadline":
        due = deadline(i, NOW, config)
        return (0, due["due"]) if due else (1, -i["reported"])
    from dashboard.console_index import Bucket
    bucket = Bucket(i["street"] or "", i["status"], i["severity"], i["domain"])
    all_buckets = {Bucket(r["street"] or "", r["status"], r["severity"], r["domain"]) for r in rows}
    rank = _ranks(all_buckets, query.sort)[bucket]
    if query.sort == "reported" and not query.descending:
        return rank, i["reported"]
    if query.descending and query.sort != "reported":
        rank = -rank
    return rank, -i["reported"]


def keys_of(state: st.State, ids: list[str], query: Query,
            rows: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [key(state.incidents[i], query, CONFIG, rows) for i in ids]  # type: ignore[arg-type]


QUERIES = [
    Query(),
    Query(scope="jiangsulu"),
    Query(street="huayanglu", statuses=("reported", "acknowledged")),
    Query(severities=(1, 2), domains=("safety",)),
    Query(since_ms=NOW - 3_600_000),
    Query(text="FIRE"),
    Query(text="inc-0001", since_ms=NOW - 5 * 3_600_000),
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("sort", SORTS)
def test_pages_follow_the_reference_order_and_cover_every_case(query: Query, sort: str) -> None:
    state = state_of(600)
    index = IncidentIndex()
    index.on_restore(state)
    deadlines = Deadlines(CONFIG)
    for descending in (False, True):
        q = Query(**{**query.__dict__, "sort": sort, "descending": descending})
        rows = matching(state, q)
        expected = sorted(key(i, q, CONFIG, rows) for i in rows)
        seen: list[str] = []
        for start in range(0, len(expected) + 50, 50):
            ids, count = index.page(q, start, start + 50, deadlines)
            assert count == len(expected) == index.count(q)
            seen += ids
        assert keys_of(state, seen, q, rows) == expected
        assert len(set(seen)) == len(seen) == len(expected)


def test_street_counts_agree_with_each_cases_deadline() -> None:
    state = state_of(2000, seed=3)
    index = IncidentIndex()
    index.on_restore(state)
    for now in (NOW, NOW + 20 * 60_000, NOW + 3 * 3_600_000):
        expected: dict[str, dict[str, int]] = {}
        for i in state.incidents.values():
            if i["status"] not in OPEN:
                continue
            tally = expected.setdefault(i["street"] or "district", {"open": 0, "near": 0, "overdue": 0})
            tally["open"] += 1
            due = deadline(i, now, CONFIG)
            if due and due["state"] in ("near", "overdue"):
                tally[due["state"]] += 1
        assert index.street_counts(None, now, Deadlines(CONFIG), CONFIG.near) == expected
        assert index.street_counts("jiangsulu", now, Deadlines(CONFIG), CONFIG.near) == {
            "jiangsulu": expected["jiangsulu"]}


def test_changes_move_cases_between_buckets_and_forget_evicted_ones() -> None:
    rng = random.Random(9)
    state = state_of(300, seed=5)
    index = IncidentIndex()
    index.on_restore(state)
    assert index.state is state
    for round_ in range(20):
        changes = st.Changes()
        for iid in rng.sample(sorted(state.incidents), 15):  # steps: status, level, street
            record: dict[str, Any] = state.incidents[iid]  # type: ignore[assignment]
            record.update(status=rng.choice(FLOW), severity=rng.randint(1, 4), street=rng.choice(STREETS))
            changes.add(Section.INCIDENTS, iid)
        for iid in rng.sample(sorted(state.incidents), 3):  # evictions
            del state.incidents[iid]
            changes.add(Section.INCIDENTS, iid)
        new = incident(rng, 1000 + round_)
        state.incidents[new["id"]] = new  # type: ignore[assignment]
        changes.add(Section.INCIDENTS, new["id"])
        index.on_changes(changes)
    rebuilt = IncidentIndex()
    rebuilt.on_restore(state)
    assert len(index) == len(state.incidents)
    assert {b: list(e) for b, e in index.buckets.items()} == {b: list(e) for b, e in rebuilt.buckets.items()}


def test_a_page_reads_a_few_buckets_not_every_case() -> None:
    """The cost of a first page follows the page, not the state: at 20,000 cases it
    touches fewer than 5,000 entries (the merge reads at most the page from each bucket)."""
    state = state_of(20_000, seed=2)
    index = IncidentIndex()
    index.on_restore(state)
    touched = 0
    original = index._stream

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal touched
        for item in original(*args, **kwargs):
            touched += 1
            yield item
    index._stream = counting  # type: ignore[method-assign]
    ids, count = index.page(Query(), 0, 100, Deadlines(CONFIG))
    assert len(ids) == 100 and count == 20_000
    assert touched < 5_000

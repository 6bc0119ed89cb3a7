"""Officers' 12345 ticket steps (dashboard/actions.py ``ticket_action``) go through the log
and are judged by the reducer, with a real redis-server; refusals in words; audited."""

from __future__ import annotations

import asyncio

import redis

from dashboard.actions import ticket_action
from dashboard.i18n import client_strings
from support.events import hotline_ticket
from support.log import last_entry_id, xadd
from tests.integration.test_actions import with_runtime

ZH, EN = client_strings("zh"), client_strings("en")


def test_dispatch_return_extension_decision_and_close(redis_url: str, rclient: redis.Redis) -> None:
    """The console's steps, each applied and versioned, in the order of the flow."""
    xadd(rclient, hotline_ticket("t1", status="new", street="hongqiao", caller_name="李四"))

    async def body(runtime):  # type: ignore[no-untyped-def]
        await runtime.replica.wait_applied(last_entry_id(rclient))
        steps = [("dispatch", {"unit": "区建管委"}), ("return", {"text": "非本单位职责"}),
                 ("dispatch", {"unit": "虹桥街道分中心"}), ("sign", {}),
                 ("extend", {"until": "2026-12-30", "text": "需协调"}), ("decide", {"approved": True}),
                 ("reply", {"text": "已协调物业维修"}), ("visit", {"result": "basic"}), ("close", {})]
        outcomes = []
        for version, (verb, extra) in enumerate(steps, start=1):
            outcomes.append(await ticket_action(runtime, "officer-1", "t1", verb, version=version, **extra))
        return outcomes, runtime.state.tickets["t1"]

    outcomes, ticket = asyncio.run(with_runtime(redis_url, body))
    assert [o.ok for o in outcomes] == [True] * 9, [o.message for o in outcomes]
    assert outcomes[-1].version == 10
    assert ticket["status"] == "closed" and ticket["extended_until"] == "2026-12-30"
    assert ticket["returns"] == 1 and ticket["unit"] == "虹桥街道分中心"
    assert [e["step"] for e in ticket["timeline"]][1:] == [
        "dispatched", "returned", "dispatched", "signed", "extension", "extension", "replied", "visited",
        "closed"]
    assert ticket["timeline"][2]["reason"] == "非本单位职责"
    audit = [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in rclient.xrange("cn:audit")]
    assert [(e["action"], e["target"], e["outcome"]) for e in audit] == [
        (f"ticket.{verb}", "ticket:t1", "ok") for verb in
        ("dispatch", "return", "dispatch", "sign", "extend", "decide", "reply", "visit", "close")]
    assert audit[1]["detail"] == "非本单位职责" and audit[0]["who"] == "officer-1"


def test_refusals_are_told_in_words_and_write_nothing(redis_url: str, rclient: redis.Redis) -> None:
    xadd(rclient, hotline_ticket("t1", status="new", street="hongqiao"))

    async def body(runtime):  # type: ignore[no-untyped-def]
        await runtime.replica.wait_applied(last_entry_id(rclient))
        return [
            await ticket_action(runtime, "officer-1", "t1", "close", version=1),
            await ticket_action(runtime, "officer-1", "t1", "dispatch", version=1, unit="不存在的单位"),
            await ticket_action(runtime, "officer-1", "t1", "dispatch", version=7, unit="hongqiao"),
            await ticket_action(runtime, "officer-1", "nope", "dispatch", version=1, unit="hongqiao"),
        ]

    closed, unknown_unit, stale, missing = asyncio.run(with_runtime(redis_url, body))
    assert not any(o.ok for o in (closed, unknown_unit, stale, missing))
    assert closed.says(ZH) == "工单当前为“待派单”，不能结案"
    assert closed.says(EN) == "Cannot close a ticket that is To dispatch"
    assert unknown_unit.says(ZH) == "无此承办单位：不存在的单位"
    assert stale.message.startswith("version conflict: ticket t1 is at version 1")
    assert missing.says(EN) == "Ticket nope is not known"
    assert rclient.xlen("cn:events") == 1


def test_simultaneous_steps_give_one_success_and_one_conflict(redis_url: str, rclient: redis.Redis) -> None:
    xadd(rclient, hotline_ticket("t1", status="new", street="hongqiao"))

    async def body(runtime):  # type: ignore[no-untyped-def]
        await runtime.replica.wait_applied(last_entry_id(rclient))
        await ticket_action(runtime, "dispatcher", "t1", "dispatch", version=1, unit="hongqiao")
        return await asyncio.gather(
            ticket_action(runtime, "officer-A", "t1", "sign", version=2),
            ticket_action(runtime, "officer-B", "t1", "return", version=2, text="不归我们管"),
        )

    a, b = asyncio.run(with_runtime(redis_url, body))
    assert sorted([a.ok, b.ok]) == [False, True]
    loser = a if not a.ok else b
    assert loser.message.startswith("version conflict") and loser.version == 3
    assert "现为版本 3" in loser.says(ZH)


def test_the_calendar_is_checked_at_start_up(redis_url: str, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    """A bad date stops start-up naming file and line; a year in use without an entry is
    logged and shown in /healthz, never silently counted as weekdays."""
    import logging

    import msgspec
    import pytest

    from dashboard.config import ConfigError, load_settings
    from dashboard.runtime import build_runtime

    bad = tmp_path / "bad.toml"
    bad.write_text('[years.2026]\nholidays = ["2026-10-01", "2026-10-32"]\n', encoding="utf-8")
    base = msgspec.structs.replace(load_settings({}, environ={}), redis_url=redis_url)
    with pytest.raises(ConfigError, match=rf"calendar_path.*{bad}:2: '2026-10-32' is not a date"):
        build_runtime(msgspec.structs.replace(base, calendar_path=str(bad)))
    old = tmp_path / "old.toml"
    old.write_text('[years.2019]\nholidays = ["2019-10-01/2019-10-07"]\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="dashboard.runtime"):
        runtime = build_runtime(msgspec.structs.replace(base, calendar_path=str(old)))
    assert any("is missing" in r.getMessage() for r in caplog.records)
    calendar = runtime.health()["calendar"]
    assert calendar["ok"] is False and calendar["years"] == [2019]
    assert {"missing"} == set(calendar["gaps"].values()) and calendar["path"] == str(old)
    assert build_runtime(base).health()["calendar"]["years"] == [2026, 2027]

"""Officers' actions go through the log and are judged by the reducer (real Redis)."""

from __future__ import annotations

import asyncio

import msgspec
import redis

from dashboard.actions import alarm_action, incident_action
from dashboard.config import load_settings
from dashboard.runtime import build_runtime
from support.events import Envelope, incident_reported, video_point
from support.log import xadd


def report_event(iid: str) -> Envelope:
    return incident_reported(iid, domain="pipeline", title="爆管", severity=2, street="hongqiao")


async def with_runtime(redis_url: str, body):  # type: ignore[no-untyped-def]
    settings = msgspec.structs.replace(load_settings({}, environ={}), redis_url=redis_url)
    runtime = build_runtime(settings)
    await runtime.replica.start()
    try:
        return await body(runtime)
    finally:
        await runtime.replica.stop()
        await runtime.bus.redis.aclose()


def test_lifecycle_action_is_applied_and_versioned(redis_url: str, rclient: redis.Redis) -> None:
    """Acknowledge then dispatch: each succeeds and bumps the version; the log has both."""
    xadd(rclient, report_event("i1"))

    async def body(runtime):  # type: ignore[no-untyped-def]
        await runtime.replica.wait_applied(rclient.xinfo_stream("cn:events")["last-generated-id"].decode())
        first = await incident_action(runtime, "officer-1", "i1", "acknowledge", version=1)
        second = await incident_action(runtime, "officer-1", "i1", "dispatch", version=2,
                                       unit="区水务所")
        return first, second, runtime.state.incidents["i1"]

    first, second, incident = asyncio.run(with_runtime(redis_url, body))
    assert (first.ok, first.version, second.ok, second.version) == (True, 2, True, 3)
    assert incident["status"] == "dispatched" and incident["unit"] == "区水务所"
    assert incident["timeline"][-1]["by"] == "officer-1"
    assert rclient.xlen("cn:events") == 3


def test_simultaneous_dispatches_give_one_success_and_one_clear_refusal(
    redis_url: str, rclient: redis.Redis
) -> None:
    """Two officers dispatching the same version at once: one wins, the other is told why."""
    xadd(rclient, report_event("i1"))

    async def body(runtime):  # type: ignore[no-untyped-def]
        await runtime.replica.wait_applied(rclient.xinfo_stream("cn:events")["last-generated-id"].decode())
        await incident_action(runtime, "officer-1", "i1", "acknowledge", version=1)
        return await asyncio.gather(
            incident_action(runtime, "officer-A", "i1", "dispatch", version=2, unit="区城运中心"),
            incident_action(runtime, "officer-B", "i1", "dispatch", version=2, unit="区建管委"),
        )

    a, b = asyncio.run(with_runtime(redis_url, body))
    assert sorted([a.ok, b.ok]) == [False, True]
    loser = a if not a.ok else b
    assert "version conflict" in loser.message and loser.version == 3


def test_invalid_transition_is_refused_without_writing(redis_url: str, rclient: redis.Redis) -> None:
    """Closing a reported incident is refused with its reason and nothing is appended."""
    xadd(rclient, report_event("i1"))

    async def body(runtime):  # type: ignore[no-untyped-def]
        await runtime.replica.wait_applied(rclient.xinfo_stream("cn:events")["last-generated-id"].decode())
        return await incident_action(runtime, "officer-1", "i1", "close", version=1)

    outcome = asyncio.run(with_runtime(redis_url, body))
    assert not outcome.ok and outcome.message == "cannot close an incident that is reported"
    assert rclient.xlen("cn:events") == 1


def test_alarm_acknowledgement_and_shelving(redis_url: str, rclient: redis.Redis) -> None:
    """Ack needs nothing but a user; shelving without a reason is refused."""
    xadd(rclient, video_point("c1", status="offline"))

    async def body(runtime):  # type: ignore[no-untyped-def]
        ack = await alarm_action(runtime, "officer-1", "video:c1", "acknowledge", comment="已派维修")
        bad = await alarm_action(runtime, "officer-1", "video:c1", "shelve", shelve_minutes=30)
        good = await alarm_action(runtime, "officer-1", "video:c1", "shelve", reason="施工断电",
                                  shelve_minutes=30)
        return ack, bad, good, runtime.state

    ack, bad, good, state = asyncio.run(with_runtime(redis_url, body))
    assert ack.ok and good.ok and not bad.ok
    assert state.alarm_shelves["video:c1"]["reason"] == "施工断电"


def test_out_of_service_and_back_through_the_log(redis_url: str, rclient: redis.Redis) -> None:
    """Out of service needs a reason; taken and returned through the reducer, audited."""
    xadd(rclient, video_point("c1", status="offline"))

    async def body(runtime):  # type: ignore[no-untyped-def]
        bad = await alarm_action(runtime, "officer-1", "video:c1", "out_of_service")
        out = await alarm_action(runtime, "officer-1", "video:c1", "out_of_service", reason="断电检修")
        held = dict(runtime.state.alarm_out_of_service)
        back = await alarm_action(runtime, "officer-1", "video:c1", "in_service")
        return bad, out, held, back, dict(runtime.state.alarm_out_of_service)

    bad, out, held, back, after = asyncio.run(with_runtime(redis_url, body))
    assert not bad.ok and bad.refused is not None and bad.refused.code == "out_of_service_needs"
    assert out.ok and held["video:c1"]["reason"] == "断电检修"
    assert back.ok and after == {}
    actions = [fields[b"action"] for _, fields in rclient.xrange("cn:audit")]
    assert actions.count(b"alarm.out_of_service") == 2 and actions.count(b"alarm.in_service") == 1


def test_units_and_alarm_keys_a_client_sends_are_checked(redis_url: str, rclient: redis.Redis) -> None:
    """A dispatch to a unit the configuration does not name, and an acknowledge or shelf of an
    alarm the state does not hold, are refused with their reason and write nothing (#12 finding 9)."""
    xadd(rclient, report_event("i1"))
    xadd(rclient, video_point("c1", status="offline"))

    async def body(runtime):  # type: ignore[no-untyped-def]
        await runtime.replica.wait_applied(rclient.xinfo_stream("cn:events")["last-generated-id"].decode())
        await incident_action(runtime, "officer-1", "i1", "acknowledge", version=1)
        before = rclient.xlen("cn:events")
        outcomes = [
            await incident_action(runtime, "officer-1", "i1", "dispatch", version=2, unit="evil<unit>"),
            await alarm_action(runtime, "officer-1", "video:nope", "acknowledge", comment="x"),
            await alarm_action(runtime, "officer-1", "sensor:1-0", "shelve", reason="r", shelve_minutes=5),
        ]
        return outcomes, before, rclient.xlen("cn:events")

    outcomes, before, after = asyncio.run(with_runtime(redis_url, body))
    assert [o.refused.code if o.refused else None for o in outcomes] == [
        "unknown_unit", "unknown_alarm", "unknown_alarm"]
    assert after == before

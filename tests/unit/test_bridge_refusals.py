"""The pub/sub bridge against a log that refuses (dashboard/replica.py): a poisoned batch
is retried ``bridge_max_attempts`` times, then its refused messages are dead-lettered
with the reason, counted, and reading goes on; an outage is waited out, never given up."""

from __future__ import annotations

import asyncio

import orjson
from redis.exceptions import ResponseError

from dashboard import state as st
from dashboard.config import load_settings
from dashboard.eventlog_memory import MemoryLog
from dashboard.metrics import Metrics
from dashboard.replica import Replica
from tests.unit.test_replica_memory import Recorder, camera, until


class RefusingLog(MemoryLog):
    """A log that refuses (as Redis answers an error) every batch holding a poisoned message."""

    def __init__(self, poisoned: set[bytes]) -> None:
        super().__init__()
        self.poisoned = poisoned
        self.refusals = 0

    async def bridge_many(self, raws: list[bytes]) -> list[str | None]:
        self.check()
        if self.poisoned & set(raws):
            self.refusals += 1
            raise ResponseError("ERR Error running script: poisoned")
        return await super().bridge_many(raws)


def replica_on(log: MemoryLog, **env: str) -> tuple[Replica, Metrics]:
    settings = load_settings({}, environ={f"CN_{k.upper()}": v for k, v in env.items()})
    metrics = Metrics()
    return Replica(log, settings, metrics, st.State(), listener=Recorder()), metrics


def given_up(metrics: Metrics, outcome: str) -> float:
    return metrics.given_up.labels(outcome)._value.get()


def test_a_poisoned_batch_is_dead_lettered_and_reading_goes_on() -> None:
    """After bridge_max_attempts refusals the good messages of the batch are appended, the
    poisoned one is dead-lettered with the reason, and later messages still arrive."""
    async def body() -> None:
        poison = b'{"type":"video.point","id":"poison"}'
        log = RefusingLog({poison})
        replica, metrics = replica_on(log, bridge_max_attempts="3")
        await replica.start()
        await until(lambda: bool(log.subscribers))
        for raw in (camera(1), poison, camera(2)):
            log.publish(raw)
        await until(lambda: replica.state.applied == 2, timeout=20)
        log.publish(camera(3))
        await until(lambda: replica.state.applied == 3)
        await replica.stop()
        assert log.refusals == 3 + 1  # the batch three times, then the poisoned one alone
        assert list(log.dead.values()) == [
            (poison, "pub/sub message not appended to the log: ResponseError: ERR Error running "
                     "script: poisoned")]
        assert given_up(metrics, "dead_lettered") == 1
        ids = [orjson.loads(raw or b"")["id"] for _, _, raw in log.entries]
        assert ids == ["p1", "p2", "p3"]
    asyncio.run(body())


def test_an_outage_is_waited_out_not_given_up() -> None:
    """While the log is away (ConnectionError) the batch is kept and retried however often,
    never dead-lettered; it is appended once the log is back."""
    async def body() -> None:
        log = MemoryLog()
        replica, metrics = replica_on(log, bridge_max_attempts="1")
        await replica.start()
        await until(lambda: bool(log.subscribers))
        real = log.bridge_many
        failures = 0

        async def away(raws: list[bytes]) -> list[str | None]:
            nonlocal failures
            failures += 1
            if failures <= 5:
                raise ConnectionError("the log is away")
            return await real(raws)

        log.bridge_many = away  # type: ignore[method-assign]
        log.publish(camera(1))
        await until(lambda: replica.state.applied == 1, timeout=20)
        await replica.stop()
        assert failures == 6 and not log.dead and given_up(metrics, "dead_lettered") == 0
    asyncio.run(body())


class RefusingEverythingLog(RefusingLog):
    """Refuses poisoned batches and every dead letter of a published message, too."""

    async def dead_letter_published(self, raw: bytes, reason: str) -> bool:
        raise ResponseError("OOM command not allowed when used memory > 'maxmemory'")


def test_a_message_whose_dead_letter_is_refused_too_is_dropped_and_counted() -> None:
    """When the dead letter is refused as well the message is dropped (counted as such) and
    the bridge still reads what comes next."""
    async def body() -> None:
        poison = b'{"type":"video.point","id":"poison"}'
        log = RefusingEverythingLog({poison})
        replica, metrics = replica_on(log, bridge_max_attempts="1")
        await replica.start()
        await until(lambda: bool(log.subscribers))
        log.publish(poison)
        await until(lambda: given_up(metrics, "dropped") == 1, timeout=20)
        log.publish(camera(1))
        await until(lambda: replica.state.applied == 1)
        await replica.stop()
        assert not log.dead and given_up(metrics, "dead_lettered") == 0
    asyncio.run(body())

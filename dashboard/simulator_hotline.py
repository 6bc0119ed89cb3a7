"""12345 history for the backfill (dashboard/simulator_backfill.py): a day's registrations and
each ticket's whole lifecycle, following the event contract (DESIGN "12345 work orders").

Deterministic: everything is drawn from ``random.Random(f"{seed}:{day}")``, and the
recurring spots from the seed alone, so the same seed and day give the same events.

What a day holds:

* tickets: :data:`TICKETS_PER_DAY` on a working day (Changning's share of Shanghai's 1.2
  million work orders a year is about 200 a working day), 55 % at weekends, 45 % on
  holidays; registered by the hour of the day's rhythm (dashboard/simulator_backfill.py
  ``HOURLY``); categories by :data:`CATEGORY_SHARES` (the simulator's eight, the work
  plan's epidemic control and construction among them); urgency 1 / 2 / 3 in 3 / 17 / 80 %;
* recurring problems at fixed places: :data:`SPOTS` spots (category, place, address,
  problem) drawn from the seed; :data:`SPOT_SHARE` of the tickets repeat one of them, the
  summary prefixed "再次反映：" after the first;
* the lifecycle, in working hours (08:30–17:30 on working days, dashboard/holidays.py):
  dispatched to the street's unit after 0.3–2 h (6 % first to a wrong department, which
  returns it within a working hour; 13 % of one planted department's tickets);
  signed within an hour; 4 % ask to extend the deadline by 5 days (80 % approved); the
  reply comes after a share of the deadline (1 / 5 / 15 working days by urgency) drawn so
  that about 9 % are late; the callback the next working hour to day, rated
  unsatisfied with a probability that grows with the time taken (4 % when quick, up to
  30 % when late), basic or satisfied otherwise; an unsatisfied callback is reopened
  (70 %), re-dispatched and replied again; then closed.  Steps after the backfill's end
  are not written: those tickets are still open.

Every step carries ``ticket_id``, ``by``, ``version`` (the ticket's version before the
step, 1 for the first) and a ``note``; the registration carries the v1 fields and
``urgency`` (and a fake caller's name and phone: personal, masked wherever shown).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dashboard import clock
from dashboard import simulator_vocab as vocab
from dashboard.holidays import day_kind
from dashboard.simulator_devices import Scatter

TICKETS_PER_DAY = 200
DAY_SHARE = {"working": 1.0, "weekend": 0.55, "holiday": 0.45}
CATEGORY_SHARES: dict[str, float] = {
    "物业管理": 0.20, "噪声扰民": 0.15, "市容管理": 0.13, "环境卫生": 0.12, "交通出行": 0.10,
    "公共设施": 0.09, "消费维权": 0.08, "养老服务": 0.06, "建设施工": 0.05, "疫情防控": 0.02,
}
EXTRA_SUMMARIES: dict[str, tuple[str, ...]] = {
    "建设施工": ("{road}工地围挡破损，扬尘较大", "{road}工地渣土车带泥上路"),
    "疫情防控": ("{road}小区公共区域消毒不到位", "咨询{road}附近发热门诊开放时间"),
}
URGENCY_SHARES = (0.03, 0.17, 0.80)
DEADLINE_DAYS = (1, 5, 15)
SPOTS, SPOT_SHARE = 24, 0.10
WRONG_UNIT, WRONG_SHARE, WRONG_SHARE_PLANTED = "dept-construction", 0.06, 0.13
DEPARTMENTS = ("dept-housing", "dept-greening", "dept-market", "dept-traffic", WRONG_UNIT)
EXTENSION_SHARE, EXTENSION_APPROVED = 0.04, 0.8
REOPEN_SHARE = 0.7
WORK_START_H, WORK_END_H = 8.5, 17.5
REPEAT_PREFIX = "再次反映："
NOTES = {"dispatched": "派单至责任单位", "returned": "退回派单员", "signed": "已签收", "extension": "延期",
         "replied": "已办结答复", "visited": "回访", "reopened": "重新办理", "closed": "结案"}


@dataclass(frozen=True, slots=True)
class Spot:
    """A place where one problem keeps coming back."""

    category: str
    street: str
    lat: float
    lon: float
    address: str
    summary: str


def _summaries(category: str) -> tuple[str, ...]:
    return vocab.TICKET_SUMMARIES.get(category) or EXTRA_SUMMARIES[category]


def spots(seed: int, scatter_weights: dict[str, float]) -> list[Spot]:
    """The recurring spots of ``seed``."""
    rng = random.Random(f"{seed}:spots")
    scatter = Scatter(rng, scatter_weights)
    found = []
    for _ in range(SPOTS):
        (category,) = rng.choices(list(CATEGORY_SHARES), weights=list(CATEGORY_SHARES.values()))
        lat, lon, street = scatter.place()
        road, address = scatter.address(street)
        summary = rng.choice(_summaries(category)).format(road=road)
        found.append(Spot(category, street, lat, lon, address, summary))
    return found


def _day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=clock.BEIJING).timestamp() * 1000)


def working_later(ms: int, hours: float) -> int:
    """The instant ``hours`` working hours after ``ms`` (08:30–17:30 on working days)."""
    when = clock.beijing(ms)
    day = when.date()
    at = when.hour + when.minute / 60 + when.second / 3600
    left = hours
    while True:
        if day_kind(day) == "working":
            start = max(at, WORK_START_H)
            if start < WORK_END_H:
                if start + left <= WORK_END_H:
                    return _day_start(day) + int((start + left) * clock.HOUR_MS)
                left -= WORK_END_H - start
        day += timedelta(days=1)
        at = 0.0


def tickets_on(day: date) -> int:
    return round(TICKETS_PER_DAY * DAY_SHARE[day_kind(day)])


def day_events(day: str, seed: int, hourly: tuple[float, ...], scatter_weights: dict[str, float],
               end_ms: int) -> Iterator[dict[str, Any]]:
    """The day's 12345 events (registrations and the steps before ``end_ms``), unordered."""
    when = date.fromisoformat(day)
    rng = random.Random(f"{seed}:{day}")
    scatter = Scatter(rng, scatter_weights)
    spot_list = spots(seed, scatter_weights)
    start = _day_start(when)
    total = tickets_on(when)
    for n in range(total):
        (hour,) = rng.choices(range(24), weights=hourly)
        opened = start + hour * clock.HOUR_MS + rng.randrange(clock.HOUR_MS)
        ticket_id = f"12345-{seed}-{when:%Y%m%d}-{n + 1:04d}"
        yield from _ticket(rng, scatter, spot_list, ticket_id, opened, end_ms)


def _ticket(rng: random.Random, scatter: Scatter, spot_list: list[Spot], ticket_id: str, opened: int,
            end_ms: int) -> Iterator[dict[str, Any]]:
    if rng.random() < SPOT_SHARE:
        spot = rng.choice(spot_list)
        category, street, lat, lon, address = spot.category, spot.street, spot.lat, spot.lon, spot.address
        summary = REPEAT_PREFIX + spot.summary if rng.random() < 0.6 else spot.summary
    else:
        (category,) = rng.choices(list(CATEGORY_SHARES), weights=list(CATEGORY_SHARES.values()))
        lat, lon, street = scatter.place()
        road, address = scatter.address(street)
        summary = rng.choice(_summaries(category)).format(road=road)
    (urgency,) = rng.choices((1, 2, 3), weights=URGENCY_SHARES)
    yield _event("hotline.ticket", street, opened, {
        "ticket_id": ticket_id, "category": category, "summary": summary, "status": "new",
        "address": address, "lat": lat, "lon": lon, "urgency": urgency,
        "caller_name": scatter.person(), "caller_phone": scatter.mobile()}, f"bf-{ticket_id}-0")
    version = 1
    now = opened

    def step(kind: str, hours: float, **extra: Any) -> dict[str, Any] | None:
        nonlocal version, now
        now = working_later(now, hours)
        if now >= end_ms:
            return None
        data = {"ticket_id": ticket_id, "by": scatter.officer(), "version": version,
                "note": NOTES[kind], **extra}
        version += 1
        return _event(f"hotline.{kind}", street, now, data, f"bf-{ticket_id}-{version - 1}")

    steps: list[dict[str, Any] | None] = []
    wrong = WRONG_SHARE_PLANTED if category == "建设施工" else WRONG_SHARE
    if rng.random() < wrong:
        steps.append(step("dispatched", rng.uniform(0.3, 2.0), unit=WRONG_UNIT if rng.random() < 0.5
                          else rng.choice(DEPARTMENTS)))
        steps.append(step("returned", rng.uniform(0.1, 1.0), reason="不属于本单位职责"))
    steps.append(step("dispatched", rng.uniform(0.3, 2.0), unit=street))
    steps.append(step("signed", rng.uniform(0.05, 1.0)))
    hours = DEADLINE_DAYS[urgency - 1] * (WORK_END_H - WORK_START_H)
    if rng.random() < EXTENSION_SHARE:
        asked = working_later(now, hours)
        until = clock.beijing_day(asked + 5 * clock.DAY_MS)
        steps.append(step("extension", rng.uniform(0.5, 4.0), until=until))
        steps.append(step("extension", rng.uniform(0.5, 4.0), approved=rng.random() < EXTENSION_APPROVED))
    share = rng.betavariate(2.0, 3.2) * 1.35  # of the deadline: about 9 % beyond 1
    steps.append(step("replied", max(0.2, hours * share), reply=rng.choice(vocab.TICKET_REPLIES)))
    unsatisfied = rng.random() < min(0.30, 0.04 + 0.2 * share)
    result = "unsatisfied" if unsatisfied else ("basic" if rng.random() < 0.15 else "satisfied")
    steps.append(step("visited", rng.uniform(1.0, 9.0), result=result))
    if unsatisfied and rng.random() < REOPEN_SHARE:
        steps.append(step("reopened", rng.uniform(0.1, 1.0), reason="回访不满意"))
        steps.append(step("dispatched", rng.uniform(0.3, 2.0), unit=street))
        steps.append(step("replied", hours * rng.uniform(0.2, 0.6), reply=rng.choice(vocab.TICKET_REPLIES)))
        again = "satisfied" if rng.random() < 0.7 else "basic"
        steps.append(step("visited", rng.uniform(1.0, 9.0), result=again))
    steps.append(step("closed", rng.uniform(0.1, 2.0)))
    for event in steps:
        if event is None:  # after the end: this and the later steps did not happen yet
            return
        yield event


def _event(kind: str, street: str, ts: int, data: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {"type": kind, "id": event_id, "ts": ts, "source": "simulator", "street": street, "data": data}

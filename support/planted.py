"""A planted 12345 history for the perception tests and benchmark (#14 req 4, 5).

:func:`planted_rows` writes archive rows (as the archiver stores them) of a quiet background
district and, on top of it, exactly the findings :data:`PLANTED` names: recurring groups
(by place, by text at one address), near misses that must NOT be found, one hotspot cell,
one rising category, a unit with unsatisfied callbacks and a unit that tickets are
returned from.  Everything is derived from the seed: the same seed, the same rows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from dashboard import clock
from dashboard.history import EventRow

END_DAY = "2026-11-30"
CATEGORIES = ("噪声扰民", "环境卫生", "市容管理", "交通出行", "物业管理", "消费维权", "公共设施", "养老服务")
STREETS = ("huayanglu", "jiangsulu", "xinhualu", "tianshanlu", "xianxiaxincun", "hongqiao")
LAT0, LON0 = 31.205, 121.40  # the south-west corner of the background's 6 km × 6 km
SIDE_M = 6_000.0
#: the hotspot: this point, 16 tickets in the last 7 days within 150 m (none before)
HOT_LAT, HOT_LON = 31.2321, 121.4265
#: what the analyses must find, and nothing else
PLANTED: dict[str, Any] = {
    "recurring": {("物业管理", 4), ("公共设施", 3)},
    "rising": {"市容管理"},
    "unsatisfied_unit": "unit-garden",
    "returned_unit": "unit-roads",
    "hard": {"t-ret-1", "t-ret-2", "t-ret-3", "t-ext-1", "t-reo-1", "t-late-1"},
}


def _ms(day: str, hour: float) -> int:
    when = date.fromisoformat(day)
    start = datetime(when.year, when.month, when.day, tzinfo=clock.BEIJING).timestamp() * 1000
    return int(start + hour * clock.HOUR_MS)


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """A point ``north_m`` / ``east_m`` metres from another."""
    return (lat + math.degrees(north_m / 6_371_000.0),
            lon + math.degrees(east_m / (6_371_000.0 * math.cos(math.radians(lat)))))


class Planter:
    """Writes tickets and their steps as rows; ``rows`` in the order written."""

    def __init__(self) -> None:
        self.rows: list[EventRow] = []
        self._serial = 0

    def event(self, kind: str, day: str, hour: float, street: str, data: dict[str, Any]) -> None:
        self._serial += 1
        ts = _ms(day, hour)
        self.rows.append(EventRow(f"p{self._serial:09d}", ts, day, kind, street, "planted",
                                  f"ev-{self._serial}", orjson.dumps(data).decode()))

    def ticket(self, ticket_id: str, day: str, street: str, category: str, summary: str, address: str,
               place: tuple[float, float] | None, unit: str = "unit-street", result: str = "satisfied",
               returned: int = 0, reopened: bool = False, extension: str | None = None,
               close_day: str | None = None, urgency: int = 3) -> None:
        """A registration and its lifecycle (returned ``returned`` times before it sticks)."""
        data: dict[str, Any] = {"ticket_id": ticket_id, "category": category, "summary": summary,
                                "status": "new", "address": address, "urgency": urgency,
                                "caller_name": "王丽华", "caller_phone": "13912345678"}
        if place is not None:
            data["lat"], data["lon"] = place
        self.event("hotline.ticket", day, 9.0, street, data)
        version = 1

        def step(kind: str, hour: float, when: str = day, **extra: Any) -> None:
            nonlocal version
            self.event(f"hotline.{kind}", when, hour, street,
                       {"ticket_id": ticket_id, "by": "officer-1", "version": version, **extra})
            version += 1

        for n in range(returned):
            step("dispatched", 10.0 + n * 0.5, unit=unit)
            step("returned", 10.2 + n * 0.5, reason="不属于本单位职责")
        step("dispatched", 12.0, unit="unit-street" if returned else unit)
        step("signed", 12.5)
        if extension is not None:
            step("extension", 13.0, until=extension)
            step("extension", 13.5, approved=True)
        step("replied", 14.0, reply="已处理")
        if reopened:
            step("visited", 15.0, result="unsatisfied")
            step("reopened", 15.5, reason="回访不满意")
            step("dispatched", 16.0, unit=unit)
            step("replied", 16.5, reply="再次处理")
        end = close_day or day
        step("visited", 17.0, end, result=result)
        step("closed", 17.5, end)


def days(last_day: str, count: int) -> list[str]:
    end = date.fromisoformat(last_day)
    return [(end - timedelta(days=n)).isoformat() for n in range(count - 1, -1, -1)]


def background(planter: Planter, seed: int, per_day: int, last_day: str, day_count: int) -> None:
    """``per_day`` ordinary tickets a day, at unique addresses spread over 6 km × 6 km."""
    rng = random.Random(seed)
    serial = 0
    for day in days(last_day, day_count):
        for _ in range(per_day):
            serial += 1
            lat, lon = offset(LAT0, LON0, rng.uniform(0, SIDE_M), rng.uniform(0, SIDE_M))
            planter.ticket(f"bg-{serial:07d}", day, rng.choice(STREETS), rng.choice(CATEGORIES),
                           f"背景工单{serial}号", f"长宁区某路{serial}号", (lat, lon))


def planted_rows(seed: int = 3, per_day: int = 10, last_day: str = END_DAY) -> list[EventRow]:
    """The background of 70 days and every finding of :data:`PLANTED`."""
    p = Planter()
    background(p, seed, per_day, last_day, 70)
    d = days(last_day, 70)
    # recurring by place: 4 property tickets within 30 m over three weeks, different addresses
    base = (31.2150, 121.4100)
    for n, day in enumerate((d[-25], d[-18], d[-10], d[-2])):
        p.ticket(f"t-rec-a{n}", day, "xinhualu", "物业管理", f"小区{n}号楼电梯故障",
                 f"长宁区新华路街道番禺路{100 + n}号", offset(*base, 8.0 * n, -6.0 * n))
    # recurring by text at one address: 3 tickets, categories differ, places far apart
    for n, (day, category) in enumerate(((d[-20], "公共设施"), (d[-12], "公共设施"), (d[-3], "市容管理"))):
        summary = ("再次反映：" * n) + "法华镇路路灯不亮，夜间行走不安全"
        p.ticket(f"t-rec-b{n}", day, "jiangsulu", category, summary, "长宁区江苏路街道法华镇路 300 号",
                 offset(31.2300, 121.4300, 400.0 * n, -500.0 * n))
    # near misses: two near tickets only; three at one address with different texts;
    # three near tickets with one outside the 30 days
    for n in range(2):
        p.ticket(f"t-miss-a{n}", d[-5 - n], "hongqiao", "噪声扰民", "夜间施工噪声", f"长宁区虹桥路{n}号",
                 offset(31.2010, 121.4500, 10.0 * n, 0.0))
    for n, text in enumerate(("小区垃圾清运不及时", "门口共享单车乱停放", "楼道堆物存在消防隐患")):
        p.ticket(f"t-miss-b{n}", d[-6 - n], "tianshanlu", "物业管理" if n else "环境卫生", text,
                 "长宁区天山路街道天山路 900 弄", offset(31.2200, 121.3950, 2000.0 * n, 0.0))
    for n, day in enumerate((d[-45], d[-15], d[-4])):
        p.ticket(f"t-miss-c{n}", day, "xianxiaxincun", "养老服务", "助餐点服务时间短", f"长宁区仙霞路{n}号",
                 offset(31.2080, 121.3850, 5.0 * n, 5.0 * n))
    # the hotspot: 16 tickets of mixed categories within 150 m in the last 7 days
    rng = random.Random(seed + 1)
    for n in range(16):
        place = offset(HOT_LAT, HOT_LON, rng.uniform(-150, 150), rng.uniform(-150, 150))
        p.ticket(f"t-hot-{n}", d[-1 - n % 7], "tianshanlu", CATEGORIES[n % 8], f"热点工单{n}",
                 f"长宁区娄山关路{n}号", place)
    # the rising category: 30 more 市容管理 tickets spread over the district in the last 7 days
    for n in range(30):
        place = offset(LAT0, LON0, rng.uniform(0, SIDE_M), rng.uniform(0, SIDE_M))
        p.ticket(f"t-rise-{n}", d[-1 - n % 7], rng.choice(STREETS), "市容管理", f"占道经营{n}",
                 f"长宁区某街{n}号", place)
    # unsatisfied callbacks: one unit's tickets over the last weeks
    for n in range(12):
        p.ticket(f"t-uns-{n}", d[-3 - 4 * n], "huayanglu", CATEGORIES[5], f"消费纠纷{n}",
                 f"长宁区定西路{n}号",
                 offset(31.2250, 121.4350, 3000.0 * (n % 2) - 1500.0, 200.0 * n - 1200.0),
                 unit="unit-garden", result="unsatisfied")
    # hard: returned from one unit (3 tickets), extended, reopened, closed late
    for n in range(3):
        p.ticket(f"t-ret-{n + 1}", d[-8 - n], "zhoujiaqiao", "交通出行", f"道路破损{n}", f"长宁区协和路{n}号",
                 offset(31.2170, 121.3700, 600.0 * n, 900.0), unit="unit-roads", returned=1 + (n == 0))
    p.ticket("t-ext-1", d[-20], "zhoujiaqiao", "公共设施", "健身器材损坏", "长宁区哈密路1号",
             offset(31.2120, 121.3720, 0.0, 0.0), extension=d[-1], close_day=d[-2])
    p.ticket("t-reo-1", d[-9], "zhoujiaqiao", "环境卫生", "垃圾箱满溢", "长宁区哈密路2号",
             offset(31.2120, 121.3720, 900.0, 900.0), reopened=True)
    p.ticket("t-late-1", d[-25], "zhoujiaqiao", "噪声扰民", "空调外机噪声", "长宁区哈密路3号",
             offset(31.2120, 121.3720, 1800.0, 1800.0), urgency=2, close_day=d[-12])
    return p.rows


def rows_iter(rows: list[EventRow], batch: int) -> Iterator[list[EventRow]]:
    for start in range(0, len(rows), batch):
        yield rows[start:start + batch]

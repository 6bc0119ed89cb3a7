"""Known personal data, seeded in events of every kind, and a scan for it in anything a
screen receives (tests/integration/test_personal_data.py, tests/e2e/test_personal_data.py).

Each event puts personal values where producers put them: the personal fields (callers'
names and phones, duty phones, exact addresses written in every order) and the free text
(titles, descriptions, notes, summaries, alarm messages, a camera's status reason), and
a field the producer added that no screen names.  :data:`SECRETS` are the values (and
the telling parts of them) that must never reach a client except through an audited
reveal.
"""

from __future__ import annotations

import re
from typing import Any

import redis

from dashboard.clock import iso
from support.events import (
    Envelope,
    duty_roster,
    duty_shift,
    hotline_ticket,
    incident_reported,
    incident_step,
    now_ms,
    sensor_alarm,
    video_point,
    video_status,
)
from support.log import xadd
from support.processes import DashboardProcess

INCIDENT, OTHER_INCIDENT, LATER_INCIDENT = "pd-inc-j", "pd-inc-h", "pd-inc-late"
TICKET, SENSOR, CAMERA, DUTY = "pd-t-j", "pd-s-j", "pd-cam-j", "district/值班长"
CALLER_PHONE = "13600002222"  # the ticket's caller: revealed (audited) by the tests
DUTY_PHONE = "13500003333"
HOUR = 3_600_000  # the camera went offline an hour ago: in the console's alarm inbox

SECRETS = (
    # phones (mobile and landline, as written and their digits)
    "13812345678", "13912345678", "139 1234 5678", "13700001111", CALLER_PHONE, DUTY_PHONE,
    "13300004444", "62345678", "62223333", "6222-3333",
    # ID numbers
    "31010519800101123X", "19800101", "31010519900202345X", "19900202",
    # names
    "王丽华", "欧阳娜娜", "李小龙", "张伟", "Zhang Wei",
    # exact addresses: house, lane and room numbers
    "Room 302", "No. 7", "Lane 100", "539号", "7号302室", "100弄", "302室", "1088 Yuyuan",
)


def first_events(now: int) -> list[Envelope]:
    """What is in the log before any page opens."""
    ticket = hotline_ticket(
        TICKET, category="噪声", status="new", street="jiangsulu", ts=now, lat=31.221, lon=121.431,
        summary="李小龙先生反映天山路100弄7号302室夜间施工，回电13600002222，身份证31010519800101123X",
        caller_name="李小龙", caller_phone=CALLER_PHONE, address="长宁区天山路100弄7号302室")
    ticket["data"]["caller_id_number"] = "31010519900202345X"  # a field a producer added
    return [
        incident_reported(INCIDENT, domain="waterway", title="王丽华女士13812345678报漏水", severity=1,
                          lat=31.22, lon=121.43, street="jiangsulu", ts=now,
                          address="Room 302, No. 7, Lane 100, Tianshan Road",
                          description="长宁区遵义路539号：王丽华女士来电13812345678反映楼上漏水，"
                                      "身份证31010519800101123X，物业021-62345678"),
        incident_reported(OTHER_INCIDENT, domain="safety", title="7号302室漏电", severity=2,
                          lat=31.20, lon=121.41, street="hongqiao", ts=now,
                          address="7号302室（天山路100弄）",
                          description="联系人：欧阳娜娜，电话+86 139 1234 5678"),
        incident_step("acknowledged", INCIDENT, by="officer", version=1, ts=now,
                      note="已联系张伟先生13700001111，身份证31010519900202345X"),
        ticket,
        sensor_alarm(SENSOR, kind="gas", level=1, street="jiangsulu", lat=31.222, lon=121.432, ts=now,
                     message="燃气报警，户主王丽华13812345678，1088 Yuyuan Road"),
        video_point(CAMERA, name="江苏路口", lat=31.223, lon=121.433, street="jiangsulu", ts=now - HOUR),
        video_status(CAMERA, "offline", reason="维修请联系13700001111", street="jiangsulu", ts=now - HOUR),
        duty_shift("district", "值班长", "赵敏", phone=DUTY_PHONE, ts=now),
        duty_shift("jiangsulu", "值班员", "钱多", phone="021-6222-3333", ts=now),
        # a roster's rotation on duty now (docs/duty.md): its phone is personal too
        duty_roster("pd-rota", "jiangsulu", "值班长", "孙丽", iso(now - HOUR), iso(now + 11 * HOUR),
                    "FREQ=DAILY", phone="13700001111", street="jiangsulu", ts=now),
    ]


def later_events(now: int) -> list[Envelope]:
    """What arrives while pages and /live connections are open (patches carry it)."""
    return [
        incident_reported(LATER_INCIDENT, domain="safety", title="Mr. Zhang Wei 13300004444 gas smell",
                          severity=1, lat=31.221, lon=121.431, street="jiangsulu", ts=now,
                          address="1088 Yuyuan Road, Changning District",
                          description="Room 302, No. 7, Lane 100; call 62345678"),
        incident_step("dispatched", INCIDENT, by="officer", unit="江苏路街道分中心", version=2, ts=now,
                      note="派单：欧阳娜娜女士（13912345678）在539号等候"),
    ]


def publish(client: redis.Redis, dashboard: DashboardProcess, events: list[Envelope]) -> None:
    before = dashboard.applied()
    for event in events:
        xadd(client, event)
    dashboard.wait_applied(before + len(events), timeout=30)


def seed(client: redis.Redis, dashboard: DashboardProcess) -> int:
    """The first events, applied; the time they carry."""
    now = now_ms()
    publish(client, dashboard, first_events(now))
    return now


_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")


def leaks(text: str | bytes, allowed: tuple[str, ...] = ()) -> list[str]:
    """The :data:`SECRETS` (other than ``allowed``) found in ``text``, JSON escapes read."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    plain = _ESCAPED.sub(lambda m: chr(int(m[1], 16)), text)
    return [secret for secret in SECRETS if secret not in allowed and (secret in plain or secret in text)]


def described(where: str, found: list[str], body: Any) -> str:
    """A failure message: where, what, and the text around the first value found."""
    text = body if isinstance(body, str) else str(body)
    plain = _ESCAPED.sub(lambda m: chr(int(m[1], 16)), text)
    at = plain.find(found[0]) if found else -1
    return f"{where}: {found} … {plain[max(0, at - 120):at + 120]!r}"

"""Duty rosters with a real Redis and a real dashboard: iCalendar import → events → reducer →
on duty now on /live; the CLI's refusals write nothing; the console's download is audited."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import orjson
import redis
import websockets

from dashboard.clock import BEIJING
from support.log import xadd_all
from support.processes import ROOT, DashboardProcess

LOG = "cn:events"


def _ics(*events: str) -> str:
    return "\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//roster//ZH", *events,
                      "END:VCALENDAR", ""])


def _vevent(uid: str, name: str, start: datetime, hours: int, post: str = "值班长",
            rrule: str = "FREQ=DAILY") -> str:
    return "\n".join([
        "BEGIN:VEVENT", f"UID:{uid}", f"DTSTART;TZID=Asia/Shanghai:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID=Asia/Shanghai:{start + timedelta(hours=hours):%Y%m%dT%H%M%S}", f"RRULE:{rrule}",
        f"X-CN-POST:{post}", f"ATTENDEE;CN={name}:tel:13900001111", "END:VEVENT"])


def _cli(redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dashboard", "roster", *args, "--redis-url", redis_url],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def _started_hour_ago() -> datetime:
    return datetime.now(BEIJING).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


async def _hello(dashboard: DashboardProcess) -> dict[str, Any]:
    async with websockets.connect(dashboard.ws_url, max_size=2**26) as ws:
        frame = orjson.loads(await asyncio.wait_for(ws.recv(), 30))
        assert frame["t"] == "hello"
        return dict(frame["view"])


def test_an_imported_roster_is_on_duty_now_on_the_wall(tmp_path: Path, redis_url: str, rclient: redis.Redis,
                                                      dashboards: Any) -> None:
    """CLI import of two rotations → the wall's hello has 王** and 赵** on duty now."""
    start = _started_hour_ago()
    file = tmp_path / "district.ics"
    file.write_text(_ics(_vevent("d-lead", "王伟", start, 12),
                         _vevent("d-desk", "赵敏", start, 8, post="值班员")), encoding="utf-8")
    done = _cli(redis_url, "import", str(file), "--center", "district")
    assert (done.returncode, done.stdout.strip()) == (0, "imported 2 event(s) for district"), done.stderr
    dashboard = dashboards()
    dashboard.wait_applied(2)
    roster = asyncio.run(_hello(dashboard))["roster"]
    assert {"center": "district", "post": "值班长", "surname": "王**"} in roster
    assert {"center": "district", "post": "值班员", "surname": "赵**"} in roster
    assert "王伟" not in orjson.dumps(roster).decode()


def test_a_broken_or_clashing_file_is_refused_and_writes_nothing(tmp_path: Path, redis_url: str,
                                                                 rclient: redis.Redis) -> None:
    """A bad RRULE names its line; a shift overlapping the same person's names its UID; no XADD."""
    start = _started_hour_ago()
    good = tmp_path / "good.ics"
    good.write_text(_ics(_vevent("d-lead", "王伟", start, 12)), encoding="utf-8")
    assert _cli(redis_url, "import", str(good), "--center", "district").returncode == 0
    length = rclient.xlen(LOG)

    broken = tmp_path / "broken.ics"
    broken.write_text(_ics(_vevent("x", "李娜", start, 8, rrule="FREQ=DAILY;INTERVAL=x")), encoding="utf-8")
    done = _cli(redis_url, "import", str(broken), "--center", "hongqiao")
    assert done.returncode == 1
    assert f"{broken}: line 8: RRULE: " in done.stderr and "nothing imported" in done.stderr

    clash = tmp_path / "clash.ics"
    clash.write_text(_ics(_vevent("hq-night", "王伟", start + timedelta(hours=2), 4)), encoding="utf-8")
    done = _cli(redis_url, "import", str(clash), "--center", "hongqiao")
    assert done.returncode == 1
    assert "UID hq-night: 王伟 would be on duty twice: district/值班长" in done.stderr
    assert rclient.xlen(LOG) == length


def test_the_reducer_refuses_a_clash_and_the_console_download_has_the_rest(
        tmp_path: Path, redis_url: str, rclient: redis.Redis, dashboards: Any) -> None:
    """A clashing duty.roster sent past the CLI is refused by the reducer; the download (audited,
    phones masked) and the CLI's export (full) hold the accepted rotation only."""
    start = _started_hour_ago()
    stamp = start.isoformat()
    xadd_all(rclient, [
        {"type": "duty.roster", "street": "hongqiao", "data": {
            "rotation_id": "hq-lead", "center": "hongqiao", "post": "值班长", "name": "钱多多",
            "phone": "13900005555", "dtstart": stamp, "dtend": (start + timedelta(hours=12)).isoformat(),
            "rrule": "FREQ=DAILY"}},
        {"type": "duty.roster", "data": {
            "rotation_id": "d-clash", "center": "district", "post": "值班员", "name": "钱多多",
            "dtstart": stamp, "dtend": (start + timedelta(hours=3)).isoformat(), "rrule": "FREQ=DAILY"}}])
    dashboard = dashboards()
    dashboard.wait_applied(2)
    officer = dashboard.session("officer")
    response = officer.get("/api/roster.ics", params={"center": "hongqiao"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.text)
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == ["hq-lead"]
    assert any(f.get(b"action") == b"roster.export" and f.get(b"target") == b"roster:hongqiao"
               for _, f in rclient.xrange("cn:audit"))
    other_street = dashboard.session("jiangsu")
    assert other_street.get("/api/roster.ics", params={"center": "hongqiao"}).status_code == 403
    exported = subprocess.run([sys.executable, "-m", "dashboard", "roster", "export", "--center", "hongqiao",
                               "--redis-url", redis_url], cwd=ROOT, capture_output=True, timeout=120)
    assert exported.returncode == 0
    assert b"tel:13900005555" in exported.stdout and b"13900005555" not in response.content
    assert exported.stdout.replace(b"13900005555", b"139****5555") == response.content, "phones masked only"
    roster = asyncio.run(_hello(dashboard))["roster"]
    assert {"center": "hongqiao", "post": "值班长", "surname": "钱**"} in roster
    assert not [row for row in roster if row["center"] == "district" and row["post"] == "值班员"]

"""The golden /live sequence: the Python client ends with a fresh hello's view, and the
fixture the JS client is tested with is what the server code sends today."""

from __future__ import annotations

import orjson
import pytest

from tests.fixtures.live_golden import GOLDEN, golden
from tests.live_client import LiveClient


@pytest.fixture(scope="module")
def recorded() -> dict:
    return orjson.loads(GOLDEN.read_bytes())


def test_fixture_matches_the_server_code(recorded: dict) -> None:
    """live-golden.json is regenerated from the reducer and views (python -m tests.fixtures.live_golden)."""
    assert recorded == golden()


@pytest.mark.parametrize("scope", ["district", "hongqiao"])
def test_python_client_ends_with_a_fresh_hello(recorded: dict, scope: str) -> None:
    """Applying every patch to the first hello gives exactly the final hello's view."""
    client = LiveClient()
    for frame in recorded[scope]["frames"]:
        client.receive(frame)
    assert client.patches == len(recorded[scope]["frames"]) - 1
    assert client.view == recorded[scope]["final"]


def test_golden_sequence_exercises_every_section(recorded: dict) -> None:
    """The script touches every record and replaced section, deletions, tails, cues and events."""
    patches = [f for f in recorded["district"]["frames"] if f["t"] == "patch"]
    sets = {section for p in patches for section in p.get("set", {})}
    assert sets >= {"video", "indicators", "incidents", "alarms", "sensors", "duty"}
    assert {s for p in patches for s in p.get("del", {})} >= {"incidents"}
    names = {"summary", "feed", "attention", "dimensions", "hotline", "stale", "geo_version", "roster"}
    assert {name for p in patches for name in p} & names == names
    assert any((p.get("attention") or {}).get("flood") for p in patches), "a flood"
    assert any("attention" in p and not p["attention"]["flood"] for p in patches[-1:]), "the clock ends it"
    assert any(p.get("severe") for p in patches) and any(p.get("rejections") for p in patches)
    assert any("inbox" in p.get("cue", []) for p in patches)
    assert any(len(card.get("tail", [])) > 1 for p in patches
               for card in p.get("set", {}).get("indicators", {}).values())
    assert recorded["district"]["final"]["stale"]["video"], "the clock made cameras stale"
    rosters = [p["roster"] for p in patches if "roster" in p]
    assert rosters[0] == [{"center": "hongqiao", "post": "值班长", "surname": "欧**"}], "surnames only"
    assert rosters[-1] == [{"center": "hongqiao", "post": "值班长", "surname": None}], "clock ends it"

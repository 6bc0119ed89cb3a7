"""The 12345 work-order flow (dashboard/hotline.py) as the reducer judges it: every
transition, every refusal and its reason, who and when per step, waiting steps."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from dashboard import hotline
from dashboard import state as st
from dashboard.events import event_from_dict
from support.events import hotline_step, hotline_ticket

T0 = 1_790_000_000_000  # 2026-09-22 (Beijing)


class Desk:
    """A state and a log: ``step`` appends a step based on the ticket's current version
    (or the ``version`` given) and says the rejection reason, if any."""

    def __init__(self) -> None:
        self.state = st.State()
        self.n = 0

    def put(self, event: dict[str, Any]) -> str | None:
        self.n += 1
        entry = f"{T0 + self.n * 1000}-0"
        event = {"street": "hongqiao", "ts": T0 + self.n * 1000, **event}
        before = len(self.state.rejections)
        st.apply(self.state, entry, event_from_dict(orjson.loads(orjson.dumps(event))))
        return self.state.rejections[-1]["reason"] if len(self.state.rejections) > before else None

    def register(self, tid: str = "t1", **fields: Any) -> None:
        assert self.put(hotline_ticket(tid, status="new", caller_name="李四", **fields)) is None

    def step(self, step: str, tid: str = "t1", version: int | None = None, **data: Any) -> str | None:
        ticket = self.state.tickets.get(tid)
        based = version if version is not None else (ticket["version"] if ticket else 1)
        return self.put(hotline_step(step, tid, by="officer-1", version=based, **data))  # type: ignore[arg-type]

    @property
    def ticket(self) -> dict[str, Any]:
        return self.state.tickets["t1"]  # type: ignore[return-value]


HAPPY = [("dispatched", {"unit": "hongqiao"}), ("signed", {}), ("replied", {"reply": "已修复路灯"}),
         ("visited", {"result": "satisfied"}), ("closed", {})]


def test_the_happy_path_records_who_when_and_each_state() -> None:
    desk = Desk()
    desk.register()
    assert desk.ticket["status"] == "registered" and desk.ticket["version"] == 1
    for step, data in HAPPY:
        assert desk.step(step, **data) is None, step
    t = desk.ticket
    assert [e["step"] for e in t["timeline"]] == ["registered", *[s for s, _ in HAPPY]]
    assert [e["status"] for e in t["timeline"]] == list(hotline.FLOW)
    assert all(e["by"] == "officer-1" and e["ts"] > T0 for e in t["timeline"][1:])
    assert t["version"] == 6 and t["unit"] == "hongqiao" and t["reply"] == "已修复路灯"
    assert t["result"] == "satisfied" and t["closed"] == t["timeline"][-1]["ts"]


@pytest.mark.parametrize("status", hotline.FLOW)
def test_every_step_is_refused_outside_the_states_it_may_follow(status: str) -> None:
    """From each state, exactly the steps of TRANSITIONS are allowed; the others are
    refused with the flow's words and change nothing."""
    for step in hotline.STEPS:
        desk = Desk()
        desk.register()
        for done, data in HAPPY[: hotline.FLOW.index(status)]:
            assert desk.step(done, **data) is None
        before = orjson.dumps(desk.ticket)
        data = {"unit": "hongqiao", "reply": "r", "result": "unsatisfied", "reason": "原因",
                "until": "2026-10-30"}
        if step == "reopened" and status == "visited":
            continue  # needs an unsatisfied callback: its own test
        reason = desk.step(step, **data)
        if status in hotline.TRANSITIONS[step]:
            assert reason is None, (step, status)
        else:
            assert reason is not None and reason.startswith("cannot "), (step, status, reason)
            assert orjson.dumps(desk.ticket) == before


def test_a_stale_version_is_refused_with_both_versions() -> None:
    desk = Desk()
    desk.register()
    assert desk.step("dispatched", unit="hongqiao") is None
    reason = desk.step("signed", version=1)
    assert reason == ("version conflict: ticket t1 is at version 2 (dispatched), "
                      "the step was based on version 1")
    assert desk.ticket["status"] == "dispatched"
    assert desk.state.rejections[-1]["ticket_id"] == "t1"


def test_dispatch_needs_a_known_unit() -> None:
    desk = Desk()
    desk.register()
    assert desk.step("dispatched", unit="火星办事处") == "no such unit to dispatch to: 火星办事处"
    assert desk.step("dispatched") == "dispatching needs a unit"
    assert desk.step("dispatched", unit="区建管委") is None
    assert desk.step("dispatched", unit="虹桥街道分中心") is None  # re-dispatch before signing
    assert desk.ticket["unit"] == "虹桥街道分中心"


def test_a_return_goes_back_to_the_dispatcher_with_its_reason() -> None:
    desk = Desk()
    desk.register()
    desk.step("dispatched", unit="hongqiao")
    assert desk.step("returned") == "return needs a reason"
    assert desk.step("returned", reason="非本单位职责") is None
    assert (desk.ticket["status"], desk.ticket["unit"], desk.ticket["returns"]) == ("registered", None, 1)
    assert desk.step("signed") is not None
    assert desk.step("dispatched", unit="区绿化市容局") is None and desk.ticket["status"] == "dispatched"


def test_an_extension_is_asked_then_decided() -> None:
    desk = Desk()
    desk.register()
    desk.step("dispatched", unit="hongqiao")
    desk.step("signed")
    assert desk.step("extension", approved=True) == "there is no extension request to decide on"
    assert desk.step("extension") == "an extension step needs a date (until) or a decision (approved)"
    assert desk.step("extension", until="2026-13-40") == \
        "an extension needs a real date (YYYY-MM-DD), not 2026-13-40"
    assert desk.step("extension", until="2026-10-30") is None
    assert desk.ticket["extension_requested"] == "2026-10-30" and desk.ticket["status"] == "signed"
    assert desk.step("extension", until="2026-11-30") == \
        "an extension request is already waiting for a decision"
    assert hotline.allowed_verbs(desk.ticket) == ("reply", "return", "decide")
    assert desk.step("extension", approved=False) is None
    assert desk.ticket["extended_until"] is None and desk.ticket["extension_requested"] is None
    desk.step("extension", until="2026-11-02")
    assert desk.step("extension", approved=True) is None
    assert desk.ticket["extended_until"] == "2026-11-02"
    assert desk.ticket["timeline"][-1] | {"ts": 0, "entry": ""} == {
        "step": "extension", "by": "officer-1", "approved": True, "until": "2026-11-02", "status": "signed",
        "ts": 0, "entry": ""}


def test_only_an_unsatisfied_callback_is_reopened_back_to_the_unit() -> None:
    desk = Desk()
    desk.register()
    for step, data in HAPPY[:3]:
        desk.step(step, **data)
    assert desk.step("visited") == "a callback needs a result (satisfied, basic or unsatisfied)"
    assert desk.step("visited", result="basic") is None
    assert desk.step("reopened", reason="仍未修复") == \
        "only a ticket whose callback was unsatisfied can be reopened"
    other = Desk()
    other.register()
    for step, data in HAPPY[:3]:
        other.step(step, **data)
    other.step("visited", result="unsatisfied")
    assert hotline.allowed_verbs(other.ticket) == ("close", "reopen")
    assert other.step("reopened", reason="路灯仍不亮") is None
    t = other.ticket
    assert (t["status"], t["unit"], t["reopens"], t["result"]) == ("dispatched", "hongqiao", 1, None)
    for step, data in HAPPY[1:]:
        assert other.step(step, **data) is None
    assert other.ticket["status"] == "closed"


def test_a_step_for_an_unknown_ticket_waits_for_it() -> None:
    desk = Desk()
    assert desk.put(hotline_step("dispatched", "t1", by="d", version=1, unit="hongqiao")) is None
    assert "t1" not in desk.state.tickets and desk.state.pending_count == 1
    desk.register()
    assert desk.ticket["status"] == "dispatched" and desk.state.pending_count == 0


def test_a_v1_status_update_is_the_12345_systems_own_word() -> None:
    desk = Desk()
    desk.register()
    assert desk.put(hotline_ticket("t1", status="dispatched")) is None
    assert (desk.ticket["status"], desk.ticket["version"]) == ("dispatched", 2)
    assert desk.ticket["timeline"][-1]["step"] == "status"
    assert desk.put(hotline_ticket("t1", status="closed", satisfied=True)) is None
    assert desk.ticket["status"] == "closed" and desk.ticket["closed"] is not None
    assert desk.ticket["caller_name"] == "李四"  # an update keeps what it does not repeat


def test_free_text_of_any_language_and_size_is_kept_as_data() -> None:
    desk = Desk()
    desk.register()
    desk.step("dispatched", unit="hongqiao")
    desk.step("signed")
    reply = "<script>alert(1)</script> 已处理 ✓ Ü مرحبا " + "很长的答复。" * 5_000
    assert desk.step("replied", reply=reply) is None
    assert desk.ticket["reply"] == reply and desk.ticket["timeline"][-1]["reply"] == reply


def test_two_reducers_on_the_same_steps_agree() -> None:
    a, b = Desk(), Desk()
    for desk in (a, b):
        desk.register()
        desk.step("signed")  # refused: not dispatched yet
        for step, data in HAPPY:
            desk.step(step, **data)
    assert st.digest(a.state) == st.digest(b.state)


def test_a_ticket_from_a_snapshot_of_before_the_flow_carries_on() -> None:
    """A v1 ticket record (no version, no timeline, status new) takes the flow's steps."""
    desk = Desk()
    desk.state.tickets["t1"] = {"id": "t1", "created": T0, "closed": None, "status": "new",  # type: ignore[typeddict-item]
                                "category": "c", "summary": "s", "street": "hongqiao", "updated": T0}
    assert desk.step("dispatched", version=1, unit="hongqiao") is None
    t = desk.ticket
    assert (t["status"], t["version"], len(t["timeline"])) == ("dispatched", 2, 1)

"""View projections: scope, masking, patches."""

from __future__ import annotations

from dashboard import state as st
from dashboard.classify import mask_name, mask_phone
from dashboard.events import event_from_dict
from dashboard.views import ViewBuilder
from support.events import Envelope, duty_shift, hotline_ticket, incident_reported, video_point, video_status


def apply_all(state: st.State, events: list[Envelope]) -> st.Changes:
    changes = st.Changes()
    for n, raw in enumerate(events, start=1):
        st.apply(state, f"{n}-0", event_from_dict({"ts": n, **raw}), changes)
    return changes


def cam(pid: str, street: str) -> Envelope:
    return video_point(pid, name=pid, lat=31.2, lon=121.4, street=street)


def test_masks() -> None:
    """Phones keep 3+4 digits, names keep the first character."""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***"


def test_hello_lists_only_cameras_not_online() -> None:
    """Online is the default: the hello lists only exceptions, with per-street counts."""
    s = st.State()
    apply_all(s, [cam("a", "hongqiao"), cam("b", "hongqiao"), video_status("b", "fault")])
    view = ViewBuilder(s).hello(None)
    assert view["video"] == {"b": "fault"}
    assert view["summary"]["video"]["streets"]["hongqiao"] == [2, 1]


def test_street_scope_sees_only_its_street() -> None:
    """A street-scoped view holds only that street's records."""
    s = st.State()
    apply_all(s, [cam("a", "hongqiao"), cam("b", "jiangsulu"), video_status("a", "offline"),
                  video_status("b", "offline")])
    views = ViewBuilder(s)
    assert views.hello("jiangsulu")["video"] == {"b": "offline"}
    assert views.hello(None)["video"] == {"a": "offline", "b": "offline"}


def test_patch_carries_only_what_changed() -> None:
    """One camera status change gives a patch with that camera and the counts."""
    s = st.State()
    views = ViewBuilder(s)
    views.observe(apply_all(s, [cam("a", "hongqiao"), cam("b", "hongqiao")]))
    changes = st.Changes()
    st.apply(s, "9-0", event_from_dict(video_status("a", "offline")), changes)
    views.observe(changes)
    patch = views.patch(changes, None)
    assert patch is not None
    assert patch["set"] == {"video": {"a": "offline"}}
    assert patch["summary"]["video"]["offline"] == 1
    assert views.patch(changes, "jiangsulu") is None


def test_duty_phone_is_masked_and_callers_never_projected() -> None:
    """Officers' phones are masked; caller names and phones never appear in a view."""
    s = st.State()
    apply_all(s, [
        duty_shift("district", "值班长", "王伟", phone="13900001111"),
        hotline_ticket("t1", category="c", summary="s", status="new", caller_name="李四",
                       caller_phone="13712345678", street="hongqiao"),
    ])
    view = ViewBuilder(s).hello(None)
    assert view["duty"]["district/值班长"]["phone"] == "139****1111"
    text = str(view)
    assert "13712345678" not in text and "李四" not in text and "13900001111" not in text


def test_severe_items_survive_conflation() -> None:
    """Several severe incidents in one window are all listed in the patch."""
    s = st.State()
    views = ViewBuilder(s)
    changes = apply_all(s, [
        incident_reported(f"i{n}", domain="safety", title="t", severity=1, street="hongqiao")
        for n in range(5)
    ])
    views.observe(changes)
    patch = views.patch(changes, None)
    assert patch is not None and [x["id"] for x in patch["severe"]] == [f"i{n}" for n in range(5)]

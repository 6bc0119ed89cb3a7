"""Both languages without a server: reasons, audit lines, unit names, shifts and the admin
page's rows in zh and en, with data (what someone wrote) kept as written and marked."""

from __future__ import annotations

import string
from typing import Any

import pytest
from dash import html

from dashboard import audit, clock, i18n
from dashboard.actions import Outcome
from dashboard.admin_figures import failed_sign_ins, unavailable_entry
from dashboard.i18n import LANGS, STRINGS, client_strings, message, say, signed_in_as, unit_label
from dashboard.inbox import sensor_names
from dashboard.lifecycle import LOG_TEXT, Refusal, refusal, why_refused
from layouts import admin
from layouts import console_detail as drawer
from tests.unit.test_console_layouts import incident, texts, walk

ZH, EN = client_strings("zh"), client_strings("en")
INCIDENT = {"id": "inc-1", "version": 3, "status": "closed", "severity": 2}


def marked(node: Any, kind: str = "event") -> list[str]:
    """The texts under ``node`` marked as data of ``kind``."""
    return [item.children for item in walk(node)
            if not isinstance(item, str) and item.to_plotly_json()["props"].get("data-text") == kind]


def test_every_string_has_both_languages_with_the_same_placeholders() -> None:
    """No empty side, and zh and en fill the same ``{names}``."""
    def names(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert [key for key, (zh, en) in STRINGS.items() if not zh or not en] == []
    assert [key for key, (zh, en) in STRINGS.items() if names(zh) != names(en)] == []


def test_refusals_keep_the_logs_words_and_read_in_each_language() -> None:
    """``str()`` is the reducer's English; people read the reason with labels, in zh and en."""
    reason = why_refused(INCIDENT, "dispatched", None)
    assert reason == Refusal("not_from", {"verb": "dispatch", "status": "closed"})
    assert str(reason) == refusal(INCIDENT, "dispatched", None) == (
        "cannot dispatch an incident that is closed")
    assert say(ZH, reason.key, reason.values) == "事件当前为“结案”，不能派单"
    assert say(EN, reason.key, reason.values) == "“Dispatch” is not possible while the case is Closed"
    conflict = why_refused(INCIDENT, "noted", 2)
    assert conflict is not None and "version conflict: incident inc-1 is at version 3" in str(conflict)
    assert "版本 3，结案" in say(ZH, conflict.key, conflict.values)
    assert message("refusal.escalate_needs", {"severity": 2}, "zh") == "升级须选择比“重大”更高的等级"


@pytest.mark.parametrize("code", [*LOG_TEXT, "unknown_action", "unknown_incident", "no_unit", "no_note",
                                  "shelve_needs", "not_applied", "superseded"])
def test_every_reason_code_has_its_message(code: str) -> None:
    """Each reason an action or the reducer gives is in the string table."""
    assert f"refusal.{code}" in STRINGS


def test_an_outcome_says_its_reason_in_the_officers_language() -> None:
    """A refused action: the English text for the log, the officer's language on screen."""
    refused = Outcome(False, Refusal("no_unit"))
    assert refused.message == "Choose a unit to dispatch to"
    assert (refused.says(ZH), refused.says(EN)) == ("请先选择派往单位", "Choose a unit to dispatch to")
    assert Outcome(True).message == "done" and Outcome(True).says(ZH) == ""


def test_units_read_by_their_names() -> None:
    """A unit code or a street centre becomes the unit's name; a department stays as named."""
    assert (unit_label("zhoujiaqiao", "zh"), unit_label("zhoujiaqiao", "en")) == ("周家桥街道", "Zhoujiaqiao")
    assert unit_label("华阳路街道分中心", "en") == "Huayang Rd centre"
    assert unit_label("区城运中心", "en") == "区城运中心" and unit_label(None) == "—"
    assert signed_in_as("officer", "officer", "zh") == "officer（值班员）"
    assert signed_in_as("w", "wall", "en") == "w (wall)"


def test_shifts_read_in_beijing_time() -> None:
    """ISO start and end (any offset) as ``MM-DD HH:MM – HH:MM``, the end's day when it differs."""
    assert clock.span_text("2026-12-01T00:00:00Z", "2026-12-01T12:00:00Z") == "12-01 08:00 – 20:00"
    assert clock.span_text("2026-12-01T20:00:00+08:00", "2026-12-02T08:00") == "12-01 20:00 – 12-02 08:00"
    assert clock.span_text("早班", None) == "早班 – —"


def test_the_drawer_names_units_translates_codes_and_marks_data() -> None:
    """A dispatch's unit code is the unit's name; by, note, title and address are marked data."""
    steps = [{"step": "reported", "ts": 1, "by": "test"},
             {"step": "dispatched", "ts": 2, "by": "officer-7", "unit": "zhoujiaqiao", "note": "请属地处置"}]
    body = drawer.incident_view(incident(timeline=steps, unit="zhoujiaqiao"), EN, "en")
    assert "Zhoujiaqiao" in marked(body, "name") and "zhoujiaqiao" not in texts(body)
    assert {"officer-7", "test"} <= set(marked(body, "name"))
    assert {"请属地处置", "长宁区虹桥路***"} <= set(marked(body))
    assert "Dispatched" in texts(body)
    ticket = drawer.ticket_view({"id": "t-1", "status": "dispatched", "category": "噪声",
                                 "street": "hongqiao", "created": 1, "summary": "扰民"}, ZH, "zh")
    assert "已派单" in texts(ticket) and "dispatched" not in texts(ticket) and "噪声" in marked(ticket)
    camera = drawer.camera_view({"id": "c1", "name": "路口", "street": "hongqiao", "kind": "road", "last": 1,
                                 "status": "offline", "down_s": 60, "history": []}, ZH, "zh")
    assert "道路" in texts(camera) and "路口" in marked(camera, "name")
    duty = drawer.duty_view({"center": "district", "post": "值班长", "name": "李雷",
                             "start": "2026-12-01T08:00:00+08:00", "end": "2026-12-01T20:00:00+08:00"},
                            EN, "en")
    assert "12-01 08:00 – 20:00" in texts(duty) and "李雷" in marked(duty)


def test_audit_entries_carry_their_detail_as_a_message() -> None:
    """The English detail for any reader, the key and values for the admin page."""
    item = audit.entry("login", "officer", "", detail_key="audit.d.failures", detail_values={"n": 2},
                       outcome="failed")
    assert item["detail"] == "failure 2 in the window" and set(audit.FIELDS) >= set(item)
    assert audit.detail_of(item) == ("audit.d.failures", {"n": 2})
    assert audit.detail_of(audit.entry("reveal", "o", "officer", detail="回访")) is None


def entries() -> list[dict[str, str]]:
    return [
        {"id": "3", **audit.entry("login", "officer", "", target="user:officer", outcome="locked",
                                  detail_key="audit.d.locked", detail_values={"n": 5}, ip="10.0.0.9",
                                  ts_ms=3)},
        {"id": "2", **audit.entry("login", "officer", "", target="user:officer", outcome="failed",
                                  detail_key="audit.d.failures", detail_values={"n": 1}, ts_ms=2)},
        {"id": "1", **audit.entry("reveal", "o", "officer", target="ticket:t-x#caller_phone",
                                  detail="<b>回访</b>", ts_ms=1)},
        {"id": "0", **audit.entry("incident.dispatch", "o", "officer", target="incident:inc-1",
                                  outcome="refused", detail_key="refusal.no_unit", ip="local", ts_ms=0)},
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_audit_rows_show_every_code_by_its_label(lang: str) -> None:
    """Action, role, outcome, what the entry is about and the system's details by their
    labels; what someone wrote stays as written and is marked as data."""
    s = client_strings(lang)
    rows = admin.audit_grid_rows(entries(), s)
    locked, failed, reveal, refused = rows
    assert (locked["action_label"], locked["outcome_label"], locked["role_label"]) == (
        s["audit.act.login"], s["audit.outcome.locked"], "—")
    assert (locked["target_kind"], locked["target_id"]) == (s["audit.kind.user"], "officer")
    assert (failed["detail_text"], failed["detail_is_data"]) == (message("audit.d.failures", {"n": 1}, lang),
                                                                 False)
    assert (reveal["target_kind"], reveal["target_id"]) == (s["audit.kind.ticket"],
                                                            f"t-x · {s['field.caller_phone']}")
    assert (reveal["detail_text"], reveal["detail_is_data"]) == ("<b>回访</b>", True)
    assert refused["action_label"] == s["audit.act.incident"].format(verb=s["action.dispatch"])
    assert (refused["detail_text"], refused["ip_label"]) == (s["refusal.no_unit"], s["audit.local"])
    assert admin.audit_grid_rows([unavailable_entry(OSError("down"), 5)], s)[0]["action_label"] == (
        s["audit.act.audit.unavailable"])


def test_failed_sign_ins_name_the_attacked_account() -> None:
    """Grouped by the account tried: attempts, locked or not, the latest time and address."""
    failed = failed_sign_ins(entries())
    assert [(f.account, f.attempts, f.locked, f.last_ts, f.last_ip) for f in failed] == [
        ("officer", 2, True, 3, "10.0.0.9")]
    table = admin.failed_sign_ins_table(failed, ZH)
    assert "officer" in marked(table, "name") and ZH["audit.outcome.locked"] in texts(table)
    assert admin.failed_sign_ins_table([], EN).children == EN["no_items"]
    rolled_up = {"action": "login", "outcome": "failed", "who": "officer", "ts": "9", "ip": "10.0.0.9",
                 "count": "37", "detail_key": "audit.d.repeated", "detail_values": '{"n": 37, "s": 60}'}
    assert failed_sign_ins([rolled_up, *entries()])[0].attempts == 39  # an entry counts as it says
    assert message("audit.d.repeated", {"n": 37, "s": 60}, "en") == "37 more within 60 s"


def test_refusal_reasons_and_risk_figures_read_in_the_page_language() -> None:
    """``role:admin`` → its label; Redis ``up`` and the lag's unit in zh."""
    assert admin.denial_label("role:admin", ZH) == "无权限：管理"
    assert admin.denial_label("rate:live", EN) == "rate limit: live connections"
    assert admin.denial_label("csrf", ZH) == ZH["deny.csrf"] and admin.denial_label("odd", ZH) == "odd"
    denial = {"ts": 1, "reason": "no-session", "path": "/console", "who": "", "ip": "1"}
    table = admin.denials_table([denial], EN)
    assert EN["deny.no-session"] in texts(table) and "/console" in marked(table)
    by_role = admin.breakdown({"officer": 1, "wall": 2}, lambda k: admin.role_label(k, ZH))
    assert by_role == "值班员 1 · 大屏 2"


def test_inbox_labels_have_both_languages() -> None:
    """A sensor alarm without a message is titled by its kind, in zh and en."""
    assert sensor_names("gas") == {"zh": "燃气", "en": "Gas"} and sensor_names("odd") is None


def test_say_leaves_unknown_keys_and_bad_values_readable() -> None:
    """An unknown key shows as itself; a message missing a value shows unfilled, never raises."""
    assert say(ZH, "no.such.key") == "no.such.key"
    assert say(ZH, "audit.d.failures") == STRINGS["audit.d.failures"][0]
    assert i18n.client_strings("en")["lang"] == "en"
    assert isinstance(drawer.data("x"), html.Span)

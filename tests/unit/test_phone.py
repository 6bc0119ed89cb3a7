"""The phone page's selectors (dashboard/phone.py) and the users file's ``unit``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from dashboard import hotline
from dashboard.auth import AuthError, UserStore
from dashboard.phone import is_listed, is_mine, ticket_card, ticket_list, units_of
from dashboard.state import State
from dashboard.workdays import DeadlineRule

NOW = 1_796_000_000_000  # 2026-12-01 (Beijing)
DAY = 86_400_000


def test_my_units_come_from_the_unit_else_the_street_else_the_district() -> None:
    assert units_of({"unit": "区建管委"}, "hongqiao") == {"区建管委"}
    assert units_of({"role": "officer"}, "hongqiao") == {"hongqiao", "虹桥街道分中心"}
    assert units_of({}, None) is None and units_of(None, None) is None
    assert {"hongqiao", "虹桥街道分中心", "区建管委"} <= hotline.UNITS_KNOWN  # the names tickets go to


def test_mine_listed_and_the_districts_view() -> None:
    ticket = {"id": "t", "status": "dispatched", "unit": "区建管委", "street": "hongqiao"}
    units = frozenset({"区建管委"})
    assert is_mine(ticket, units, None) and is_listed(ticket, units, None)
    assert not is_mine({**ticket, "unit": "区水务所"}, units, None)
    replied = {**ticket, "status": "replied"}
    assert is_mine(replied, units, None) and not is_listed(replied, units, None)  # the dispatcher's turn
    registered = {**ticket, "status": "registered", "unit": None}
    assert is_listed(registered, None, None) and not is_listed(registered, units, None)
    assert is_listed(registered, None, "hongqiao") and not is_listed(registered, None, "xinhualu")
    assert not is_listed({**ticket, "status": "closed"}, None, None)


def state_with(*tickets: dict[str, object]) -> State:
    state = State()
    for ticket in tickets:
        state.tickets[str(ticket["id"])] = {"version": 2, "timeline": [], "unit": "区建管委",
                                            "status": "dispatched", "street": "hongqiao", **ticket}  # type: ignore[typeddict-item]
    return state


def test_the_list_is_overdue_then_near_then_by_deadline_and_paged() -> None:
    state = state_with({"id": "normal", "created": NOW, "urgency": 3},
                       {"id": "late", "created": NOW - 40 * DAY, "urgency": 2},
                       {"id": "soon", "created": NOW, "urgency": 1},
                       {"id": "later-late", "created": NOW - 30 * DAY, "urgency": 2},
                       {"id": "elsewhere", "created": NOW, "urgency": 1, "unit": "区水务所"})
    body = ticket_list(state, frozenset({"区建管委"}), None, NOW, DeadlineRule(), "zh")
    assert [r["id"] for r in body["rows"]] == ["late", "later-late", "soon", "normal"]
    assert [r["flag"] for r in body["rows"]] == ["overdue", "overdue", "near", None]
    assert body["total"] == 4 and body["rows"][0]["street_name"] == "虹桥街道"
    page = ticket_list(state, frozenset({"区建管委"}), None, NOW, DeadlineRule(), "en", offset=1, limit=2)
    assert [r["id"] for r in page["rows"]] == ["later-late", "soon"]
    assert page["rows"][1]["flag_text"] == "Due soon"


def test_the_card_masks_callers_and_offers_the_phones_buttons_only() -> None:
    state = state_with({"id": "t", "created": NOW, "urgency": 2, "caller_name": "王小明",
                        "caller_phone": "13912345678", "summary": "噪声扰民",
                        "timeline": [{"step": "dispatched", "ts": NOW, "by": "dispatcher", "unit": "hongqiao",
                                      "status": "dispatched"}]})
    card = ticket_card(state, "t", NOW, DeadlineRule(), "zh")
    assert card is not None
    assert "小明" not in str(card) and "12345678" not in str(card)
    assert card["buttons"] == ["sign", "return", "extend"]  # dispatch and the rest are the centre's
    assert card["timeline"][0]["words"] == "虹桥街道" and card["timeline"][0]["step_text"] == "派单"
    assert ticket_card(state, "nope", NOW, DeadlineRule(), "zh") is None


def test_a_users_unit_is_checked_and_can_be_set_later(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    store.create()
    store.add_user("jg", "officer", "pw-123456789", unit="区建管委")
    assert store.current().users["jg"]["unit"] == "区建管委"
    with pytest.raises(AuthError, match="not a unit 12345 tickets are dispatched to"):
        store.add_user("x", "officer", "pw-123456789", unit="火星办")
    with pytest.raises(AuthError, match="only officers have a unit"):
        store.add_user("y", "admin", "pw-123456789", unit="区建管委")
    store.add_user("hq", "officer", "pw-123456789", scope="hongqiao")
    generation = store.generation("hq")
    store.set_unit("hq", "虹桥街道分中心")
    assert store.current().users["hq"]["unit"] == "虹桥街道分中心"
    assert store.generation("hq") == (generation or 0) + 1  # their sessions end
    store.set_unit("hq", None)
    assert store.current().users["hq"]["unit"] is None
    with pytest.raises(AuthError, match="no user"):
        store.set_unit("nobody", "区建管委")


def test_the_users_command_sets_a_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dashboard.cli import build_parser
    from dashboard.config import load_settings
    from dashboard.users_cli import users_command

    settings = load_settings({"users_file": str(tmp_path / "users.json"),
                              "audit_spool": str(tmp_path / "spool.jsonl")}, environ={})
    UserStore(settings.users_file).create()
    parse = build_parser().parse_args

    def run(*argv: str) -> int:
        args: argparse.Namespace = parse(["users", *argv])
        return users_command(settings, args)

    assert run("add", "jg", "--role", "officer", "--unit", "区建管委") == 0
    assert run("set-unit", "jg", "火星办") == 2
    assert "not a unit 12345 tickets are dispatched to" in capsys.readouterr().err
    assert run("set-unit", "jg", "区水务所") == 0
    assert run("list") == 0
    assert "unit=区水务所" in capsys.readouterr().out
    assert run("set-unit", "jg", "--clear") == 0
    assert UserStore(settings.users_file).current().users["jg"]["unit"] is None


def test_the_sign_in_form_offers_the_phone_page_when_it_has_nowhere_to_go() -> None:
    from dashboard import login_page

    assert 'href="/login?next=%2Fconsole%2Fm"' in login_page.form("c", "/", "zh")
    assert "12345 work orders on a phone" in login_page.form("c", "/", "en")
    assert "next=%2Fconsole%2Fm" not in login_page.form("c", "/console", "zh")


def test_the_users_command_names_the_roster_person_a_user_is(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``users set-person wangw 王伟``: the account wangw is the roster's 王伟 (check-in and the
    on-duty match use it); a blank person is refused; --clear matches the user name again; each
    change ends the user's sessions (a new generation)."""
    from dashboard.cli import build_parser
    from dashboard.config import load_settings
    from dashboard.users_cli import users_command

    settings = load_settings({"users_file": str(tmp_path / "users.json"),
                              "audit_spool": str(tmp_path / "spool.jsonl")}, environ={})
    store = UserStore(settings.users_file)
    store.create()
    parse = build_parser().parse_args

    def run(*argv: str) -> int:
        args: argparse.Namespace = parse(["users", *argv])
        return users_command(settings, args)

    store.add_user("wangw", "officer", "wangw-pass-1")
    assert store.check_password("wangw", "wangw-pass-1").on_roster == "wangw"  # type: ignore[union-attr]
    generation = store.current().users["wangw"]["generation"]
    assert run("set-person", "wangw", "王伟") == 0
    principal = store.check_password("wangw", "wangw-pass-1")
    assert principal is not None and (principal.name, principal.on_roster) == ("wangw", "王伟")
    assert store.current().users["wangw"]["generation"] == generation + 1
    assert run("list") == 0
    assert "person=王伟" in capsys.readouterr().out
    assert run("set-person", "wangw", "  ") == 2
    assert "1–64 printable characters" in capsys.readouterr().err
    assert run("set-person", "wangw") == 2
    assert run("set-person", "wangw", "--clear") == 0
    assert store.check_password("wangw", "wangw-pass-1").on_roster == "wangw"  # type: ignore[union-attr]

"""The optional 政务微信/WeCom sign-in against real dashboard processes, with a real HTTP
server on loopback standing in for WeCom (support/wecom.py: the documented JSON shapes,
its calls counted).

Through the real app: /auth/wecom/start → WeCom's authorisation → /auth/wecom/callback
→ the same session as a password sign-in; one gettoken for several sign-ins and a new
one after 42001; a bad state, an unknown or disabled member, an errcode, an outsider's
openid, WeCom unreachable or too slow: a page saying so, audited, the app serving on;
failures throttled per address; off by default: 404 and no button."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest
import redis

from dashboard.auth import UserStore
from dashboard.headers import SESSION_COOKIE
from dashboard.redis_server import free_port
from support.processes import DashboardProcess, wait_for
from support.wecom import AGENT_ID, CORP_ID, SECRET, WeComStandIn


@pytest.fixture
def wecom() -> Iterator[WeComStandIn]:
    with WeComStandIn() as standin:
        yield standin


def enabled(wecom: WeComStandIn, **more: Any) -> dict[str, Any]:
    return {"CN_WECOM_ENABLED": "true", "CN_WECOM_CORP_ID": CORP_ID, "CN_WECOM_AGENT_ID": AGENT_ID,
            "CN_WECOM_SECRET": SECRET, "CN_WECOM_API_BASE": wecom.url,
            "CN_WECOM_AUTHORIZE_BASE": wecom.url, **more}


def linked(dashboard: DashboardProcess, **links: str | None) -> DashboardProcess:
    store = UserStore(dashboard.users_file)
    for user, userid in links.items():
        store.set_wecom(user, userid)
    return dashboard


def audit_of(client: redis.Redis, action: str) -> list[dict[str, str]]:
    return [{k.decode(): v.decode() for k, v in raw.items()} for _, raw in client.xrange("cn:audit")
            if raw.get(b"action") == action.encode()]


def two_or_more(entries: list[dict[str, str]]) -> list[dict[str, str]] | None:
    return entries if len(entries) >= 2 else None


def browser(dashboard: DashboardProcess, address: str = "127.0.0.1") -> httpx.Client:
    """A client of the dashboard whose connections come from ``address`` (127.0.0.x)."""
    return httpx.Client(base_url=dashboard.url, timeout=30, follow_redirects=False,
                        transport=httpx.HTTPTransport(local_address=address))


def through_wecom(client: httpx.Client, start: str = "/auth/wecom/start") -> httpx.Response:
    """/start, WeCom's authorisation (the stand-in's), and the callback's answer."""
    to_wecom = client.get(start)
    assert to_wecom.status_code == 302, to_wecom.text
    back = httpx.get(to_wecom.headers["location"], follow_redirects=False, timeout=10)
    assert back.status_code == 302
    return client.get(back.headers["location"])


def test_a_member_signs_in_through_the_real_app(dashboards: Callable[..., DashboardProcess],
                                                wecom: WeComStandIn, rclient: redis.Redis) -> None:
    """The officer linked to the member gets a session of their own role and scope, lands
    on next (or the phone page), and the sign-in is audited with the member's userid."""
    dashboard = linked(dashboards(**enabled(wecom)), jiangsu="js-zhangwei")
    wecom.sign_in_as("js-zhangwei")
    client = browser(dashboard)
    to_wecom = client.get("/auth/wecom/start", params={"next": "/console?street=jiangsulu"})
    assert to_wecom.status_code == 302 and to_wecom.headers["cache-control"] == "no-store"
    target = urlsplit(to_wecom.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{wecom.url}/connect/oauth2/authorize"
    assert target.fragment == "wechat_redirect"
    query = parse_qs(target.query)
    state = query["state"][0]
    assert {k: v[0] for k, v in query.items() if k != "state"} == {
        "appid": CORP_ID, "redirect_uri": f"{dashboard.url}/auth/wecom/callback", "response_type": "code",
        "scope": "snsapi_base", "agentid": AGENT_ID}
    assert len(state) == 32 and state.isalnum()
    cookie = to_wecom.headers["set-cookie"]
    assert cookie.startswith("_wecom_state=") and "Path=/auth/wecom" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Max-Age=300" in cookie and state not in cookie.split(";")[0][:20]

    back = httpx.get(to_wecom.headers["location"], follow_redirects=False, timeout=10)
    landed = client.get(back.headers["location"])
    assert landed.status_code == 303, landed.text
    assert landed.headers["location"] == "/console?street=jiangsulu"
    assert SESSION_COOKIE in client.cookies
    console = client.get("/console", headers={"accept": "text/html"})
    assert console.status_code == 200
    assert client.get("/admin", headers={"accept": "text/html"}).status_code == 403  # an officer's role
    assert (wecom.calls["/cgi-bin/gettoken"], wecom.calls["/cgi-bin/auth/getuserinfo"]) == (1, 1)
    entries = wait_for(lambda: audit_of(rclient, "login.wecom"), 10, message="the sign-in audited")
    entry = entries[-1]
    assert (entry["who"], entry["role"], entry["outcome"]) == ("jiangsu", "officer", "ok")
    assert entry["target"].startswith("session:") and orjson.loads(entry["detail_values"]) == {
        "userid": "js-zhangwei"}
    assert SECRET not in str(rclient.xrange("cn:audit")) and SECRET not in dashboard.log_path.read_text()

    phone = browser(dashboard)
    assert through_wecom(phone).headers["location"] == "/console/m"  # no next: the phone page


def test_one_access_token_for_several_sign_ins_and_a_new_one_after_42001(
        dashboards: Callable[..., DashboardProcess], wecom: WeComStandIn) -> None:
    dashboard = linked(dashboards(**enabled(wecom)), jiangsu="js-zhangwei", officer="dist-li")
    for userid in ("js-zhangwei", "dist-li", "js-zhangwei"):
        wecom.sign_in_as(userid)
        assert through_wecom(browser(dashboard)).status_code == 303
    assert (wecom.calls["/cgi-bin/gettoken"], wecom.calls["/cgi-bin/auth/getuserinfo"]) == (1, 3)
    wecom.expire_tokens()  # WeCom says 42001 to the token the dashboard holds
    wecom.sign_in_as("dist-li")
    assert through_wecom(browser(dashboard)).status_code == 303
    assert (wecom.calls["/cgi-bin/gettoken"], wecom.calls["/cgi-bin/auth/getuserinfo"]) == (2, 5)
    wecom.sign_in_as("js-zhangwei")
    assert through_wecom(browser(dashboard)).status_code == 303
    assert wecom.calls["/cgi-bin/gettoken"] == 2  # the new token is cached in its turn
    getuserinfo = [q for path, q in wecom.requests if path == "/cgi-bin/auth/getuserinfo"]
    gettoken = [q for path, q in wecom.requests if path == "/cgi-bin/gettoken"]
    assert all(q == {"corpid": CORP_ID, "corpsecret": SECRET} for q in gettoken)
    assert len({q["access_token"] for q in getuserinfo}) == 2


def test_a_bad_state_is_refused_before_wecom_is_asked(dashboards: Callable[..., DashboardProcess],
                                                      wecom: WeComStandIn, rclient: redis.Redis) -> None:
    """A callback whose state is not its browser's cookie's (a forged link, another
    browser's, or no cookie at all) is refused with a page; WeCom is not asked."""
    dashboard = linked(dashboards(**enabled(wecom)), jiangsu="js-zhangwei")
    client = browser(dashboard)
    client.get("/auth/wecom/start")
    code = wecom.code_for("js-zhangwei")
    forged = client.get("/auth/wecom/callback", params={"code": code, "state": "0" * 32})
    assert forged.status_code == 400 and "登录请求已过期或无效" in forged.text
    assert "/auth/wecom/start" in forged.text and "/login" in forged.text
    stranger = browser(dashboard).get("/auth/wecom/callback", params={"code": code, "state": "abc"})
    assert stranger.status_code == 400
    assert wecom.calls["/cgi-bin/auth/getuserinfo"] == 0
    entry = wait_for(lambda: audit_of(rclient, "login.wecom"), 10, message="audited")[0]
    assert (entry["outcome"], entry["detail_key"], entry["target"]) == (
        "failed", "audit.d.wecom_state", "address:127.0.0.1")
    assert SESSION_COOKIE not in client.cookies


def test_an_unknown_or_disabled_member_gets_no_session(dashboards: Callable[..., DashboardProcess],
                                                        wecom: WeComStandIn, rclient: redis.Redis) -> None:
    dashboard = linked(dashboards(**enabled(wecom)), jiangsu="js-zhangwei")
    wecom.sign_in_as("somebody-else")
    unknown = through_wecom(browser(dashboard))
    assert unknown.status_code == 403 and "尚未关联本系统用户" in unknown.text
    UserStore(dashboard.users_file).set_disabled("jiangsu")
    wecom.sign_in_as("js-zhangwei")
    english = browser(dashboard)
    disabled = through_wecom(english, "/auth/wecom/start?lang=en")
    assert disabled.status_code == 403
    assert "linked to no user of this system, or that user is disabled" in disabled.text
    assert SESSION_COOKIE not in english.cookies
    entries = wait_for(lambda: two_or_more(audit_of(rclient, "login.wecom")), 10, message="both audited")
    assert [(e["outcome"], e["detail_key"], e["target"]) for e in entries] == [
        ("failed", "audit.d.wecom_unknown", "wecom:somebody-else"),
        ("failed", "audit.d.wecom_disabled", "wecom:js-zhangwei")]


def test_an_errcode_or_an_outsider_is_refused(dashboards: Callable[..., DashboardProcess],
                                              wecom: WeComStandIn, rclient: redis.Redis) -> None:
    """A code WeCom does not know (40029: made up, or used twice) and an outsider's answer
    (an openid, no userid) are refused, with the errcode in the audit entry (from two
    addresses: repeated failures of one source are rolled up into one entry)."""
    dashboard = linked(dashboards(**enabled(wecom)), jiangsu="js-zhangwei")
    client = browser(dashboard)
    to_wecom = client.get("/auth/wecom/start")
    state = parse_qs(urlsplit(to_wecom.headers["location"]).query)["state"][0]
    made_up = client.get("/auth/wecom/callback", params={"code": "made-up-code", "state": state})
    assert made_up.status_code == 401 and "政务微信未能确认您是本单位成员" in made_up.text
    wecom.sign_in_as(openid="o-visitor-from-wechat")
    outsider = through_wecom(browser(dashboard, "127.0.0.2"))
    assert outsider.status_code == 401
    entries = wait_for(lambda: two_or_more(audit_of(rclient, "login.wecom")), 10, message="both audited")
    assert [(e["outcome"], e["detail_key"]) for e in entries] == [
        ("refused", "audit.d.wecom_refused"), ("refused", "audit.d.wecom_not_member")]
    assert "errcode 40029" in orjson.loads(entries[0]["detail_values"])["why"]


def test_wecom_unreachable_or_too_slow_is_a_clear_error_and_the_app_serves_on(
        dashboards: Callable[..., DashboardProcess], wecom: WeComStandIn, rclient: redis.Redis) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    down = linked(dashboards(**enabled(wecom, CN_WECOM_API_BASE=nowhere)), jiangsu="js-zhangwei")
    wecom.sign_in_as("js-zhangwei")
    refused = through_wecom(browser(down))
    assert refused.status_code == 503 and "暂时无法连接政务微信" in refused.text
    assert down.health()["redis"] == "up"
    slow = linked(dashboards(**enabled(wecom, CN_WECOM_TIMEOUT_S="0.5")), jiangsu="js-zhangwei")
    wecom.delay_s = 3.0
    timed_out = through_wecom(browser(slow))
    assert timed_out.status_code == 503 and "暂时无法连接政务微信" in timed_out.text
    wecom.delay_s = 0.0
    assert slow.health()["redis"] == "up"
    assert slow.session("officer").get("/console", headers={"accept": "text/html"}).status_code == 200
    wecom.sign_in_as("js-zhangwei")  # WeCom back: the next sign-in goes through
    assert through_wecom(browser(slow)).status_code == 303
    errors = [e for e in audit_of(rclient, "login.wecom") if e["outcome"] == "error"]
    assert [e["detail_key"] for e in errors] == ["audit.d.wecom_unreachable"] * 2
    assert any("ClientConnectorError" in e["detail"] or "Connect" in e["detail"] for e in errors)


def test_failures_from_one_address_are_throttled_and_rolled_up(
        dashboards: Callable[..., DashboardProcess], wecom: WeComStandIn, rclient: redis.Redis) -> None:
    dashboard = linked(dashboards(**enabled(wecom, CN_WECOM_MAX_FAILURES="3", CN_AUDIT_ROLLUP_S="1")),
                       jiangsu="js-zhangwei")
    client = browser(dashboard)
    statuses = [client.get("/auth/wecom/callback", params={"code": "x", "state": "forged"}).status_code
                for _ in range(5)]
    assert statuses == [400, 400, 400, 429, 429]
    locked = client.get("/auth/wecom/callback", params={"code": "x", "state": "forged"})
    assert locked.headers["retry-after"] == "900" and "失败次数过多" in locked.text
    wecom.sign_in_as("js-zhangwei")
    assert through_wecom(client).status_code == 429  # the address is locked: unchecked
    assert wecom.calls["/cgi-bin/auth/getuserinfo"] == 0

    def rolled() -> list[dict[str, str]] | None:
        entries = audit_of(rclient, "login.wecom")
        return entries if sum(int(e.get("count", "1")) for e in entries) >= 7 else None
    entries = wait_for(rolled, 15, message="the failures rolled up")
    assert {(e["outcome"], e["detail_key"]) for e in entries} <= {
        ("failed", "audit.d.wecom_state"), ("locked", "audit.d.locked"), ("failed", "audit.d.repeated"),
        ("locked", "audit.d.repeated")}
    assert len(entries) == 4  # the first of each source, and one entry for the rest of each
    assert sum(int(e.get("count", "1")) for e in entries) == 7  # 3 failed, 4 refused unchecked


def test_off_by_default_the_routes_are_404_and_the_form_has_no_button(
        dashboards: Callable[..., DashboardProcess], wecom: WeComStandIn) -> None:
    off = browser(dashboards())
    assert off.get("/auth/wecom/start").status_code == 404
    assert off.get("/auth/wecom/callback", params={"code": "c", "state": "s"}).status_code == 404
    form = off.get("/login").text
    assert "政务微信" not in form and "/auth/wecom" not in form
    on = browser(dashboards(**enabled(wecom)))
    form = on.get("/login", params={"next": "/console/m"}).text
    assert 'href="/auth/wecom/start?next=%2Fconsole%2Fm"' in form and "政务微信登录" in form
    assert wecom.calls.total() == 0

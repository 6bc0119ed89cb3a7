"""The 政务微信/WeCom sign-in's pure parts: the authorisation URL /auth/wecom/start sends
the browser to, its settings (off by default, the secret never in the config file, a
clear error when enabled without what it needs), the users file's ``wecom_userid``, and
the sign-in page's button."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from dashboard import login_page
from dashboard.auth import AuthError, UserStore
from dashboard.config import ConfigError, load_settings
from dashboard.users_cli import users_command
from dashboard.wecom import WeComApp, authorize_url

APP = WeComApp("wwcorp123", "1000002", "not-in-the-url", authorize_base="https://open.weixin.qq.com")


def test_the_authorize_url_carries_every_parameter_encoded() -> None:
    """appid, redirect_uri (percent-encoded whole, its own query included), response_type,
    scope snsapi_base, state, agentid, in WeCom's documented order, then #wechat_redirect;
    the secret is nowhere in it."""
    redirect = "https://cn.example.gov.cn/auth/wecom/callback?x=1&y=街道 a"
    url = authorize_url(APP, redirect, "0a1b2c3d")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == (
        "https", "open.weixin.qq.com", "/connect/oauth2/authorize", "wechat_redirect")
    assert parse_qsl(parts.query) == [("appid", "wwcorp123"), ("redirect_uri", redirect),
                                      ("response_type", "code"), ("scope", "snsapi_base"),
                                      ("state", "0a1b2c3d"), ("agentid", "1000002")]
    raw_redirect = parts.query.split("&")[1].removeprefix("redirect_uri=")
    assert raw_redirect == ("https%3A%2F%2Fcn.example.gov.cn%2Fauth%2Fwecom%2Fcallback%3Fx%3D1%26y%3D"
                            "%E8%A1%97%E9%81%93%20a")
    assert unquote(raw_redirect) == redirect
    assert "not-in-the-url" not in url and "not-in-the-url" not in repr(APP)


def test_the_authorize_base_is_configurable() -> None:
    """Tests (and a private deployment of 政务微信) point it elsewhere."""
    app = WeComApp("c", "7", "s", authorize_base="http://127.0.0.1:9")
    assert authorize_url(app, "http://h/cb", "s1").startswith("http://127.0.0.1:9/connect/oauth2/authorize?appid=c&")


ENABLED = {"CN_WECOM_ENABLED": "true", "CN_WECOM_CORP_ID": "wwcorp", "CN_WECOM_AGENT_ID": "1000002",
           "CN_WECOM_SECRET": "s3cret-from-the-environment"}


def test_off_by_default_and_on_with_what_it_needs() -> None:
    off = load_settings({}, environ={})
    assert (off.wecom_enabled, off.wecom_api_base, off.wecom_authorize_base) == (
        False, "https://qyapi.weixin.qq.com", "https://open.weixin.qq.com")
    assert WeComApp.of(off) is None
    on = load_settings({}, environ=ENABLED)
    app = WeComApp.of(on)
    assert app is not None and (app.corp_id, app.agent_id, app.secret) == (
        "wwcorp", "1000002", "s3cret-from-the-environment")


@pytest.mark.parametrize("missing", ["CN_WECOM_CORP_ID", "CN_WECOM_AGENT_ID", "CN_WECOM_SECRET"])
def test_enabled_without_a_required_value_names_the_key_and_the_file(tmp_path: Path, missing: str) -> None:
    file = tmp_path / "cn.toml"
    file.write_text("[dashboard]\nwecom_enabled = true\n")
    environ = {k: v for k, v in ENABLED.items() if k not in (missing, "CN_WECOM_ENABLED")}
    key = missing.removeprefix("CN_").lower()
    with pytest.raises(ConfigError, match=rf"Config '{key}' is required when 'wecom_enabled' is true "
                                          rf"\(enabled by file {file}\)"):
        load_settings({}, environ=environ, config_path=str(file))


def test_the_secret_is_never_taken_from_the_config_file(tmp_path: Path) -> None:
    file = tmp_path / "cn.toml"
    file.write_text('wecom_secret = "in-clear"\n')
    with pytest.raises(ConfigError, match=rf"Config file {file}: 'wecom_secret' is a secret and may not be "
                                          r"written in the config file; set the environment variable "
                                          r"CN_WECOM_SECRET or name a file holding it in "
                                          r"'wecom_secret_file'"):
        load_settings({}, environ={}, config_path=str(file))


def test_the_secret_from_a_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    secret = tmp_path / "wecom.secret"
    secret.write_text("file-held-secret\n")
    os.chmod(secret, 0o600)
    file = tmp_path / "cn.toml"
    file.write_text(f'wecom_enabled = true\nwecom_corp_id = "ww1"\nwecom_agent_id = "1000003"\n'
                    f'wecom_secret_file = "{secret}"\n')
    settings = load_settings({}, environ={}, config_path=str(file))
    assert settings.wecom_secret == "file-held-secret"
    os.chmod(secret, 0o644)
    with pytest.raises(ConfigError, match=r"Config 'wecom_secret_file' from file .*may be read by others "
                                          r"\(mode 644\); chmod 600 it"):
        load_settings({}, environ={}, config_path=str(file))
    os.chmod(secret, 0o600)
    with pytest.raises(ConfigError, match=r"sets 'wecom_secret' too; give one of the two"):
        load_settings({}, environ={"CN_WECOM_SECRET": "also"}, config_path=str(file))
    secret.unlink()
    with pytest.raises(ConfigError,
                       match=rf"Config 'wecom_secret_file' from file {file}: cannot read {secret}"):
        load_settings({}, environ={}, config_path=str(file))


def test_bad_wecom_values_are_refused() -> None:
    with pytest.raises(ConfigError, match="Config 'wecom_agent_id' from environment CN_WECOM_AGENT_ID"):
        load_settings({}, environ={**ENABLED, "CN_WECOM_AGENT_ID": "app-1"})
    with pytest.raises(ConfigError, match="Config 'wecom_api_base' from environment CN_WECOM_API_BASE"):
        load_settings({}, environ={**ENABLED, "CN_WECOM_API_BASE": "qyapi.weixin.qq.com"})
    with pytest.raises(ConfigError, match="Config 'wecom_timeout_s'"):
        load_settings({}, environ={**ENABLED, "CN_WECOM_TIMEOUT_S": "0"})


def test_a_wecom_userid_belongs_to_one_user(store: UserStore) -> None:
    """``wecom_userid`` links a member to one local user; a disabled user is named as such;
    changing the link ends the user's sessions (a new generation)."""
    store.add_user("wang", "officer", "another-horse", scope="hongqiao", wecom_userid="WangWei")
    store.set_wecom("li", "LiNa")
    assert store.check_wecom("LiNa")[1] is not None
    reason, principal = store.check_wecom("WangWei")
    assert reason == "" and principal is not None
    assert (principal.name, principal.role, principal.scope) == ("wang", "officer", "hongqiao")
    assert store.check_wecom("nobody") == ("unknown", None)
    with pytest.raises(AuthError, match="already linked to user 'wang'"):
        store.set_wecom("li", "WangWei")
    with pytest.raises(AuthError, match="already linked"):
        store.add_user("zhao", "officer", "third-horse", wecom_userid="LiNa")
    with pytest.raises(AuthError, match="printable characters, no spaces"):
        store.set_wecom("li", "Li Na")
    before = store.generation("li")
    store.set_wecom("li", None)
    assert store.check_wecom("LiNa") == ("unknown", None) and store.generation("li") == (before or 0) + 1
    store.set_disabled("wang")
    assert store.check_wecom("WangWei") == ("disabled", None)


def test_users_set_wecom_and_list_show_the_link(tmp_path: Path, store: UserStore,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings({"users_file": str(store.path), "audit_spool": str(tmp_path / "spool.jsonl")},
                             environ={})
    args = argparse.Namespace(verb="set-wecom", name="li", userid="LiNa", unlink=False)
    assert users_command(settings, args) == 0
    assert users_command(settings, argparse.Namespace(verb="list")) == 0
    listed = capsys.readouterr().out
    assert "li " in listed and "wecom:LiNa" in listed
    assert users_command(settings, argparse.Namespace(verb="set-wecom", name="li", userid=None,
                                                      unlink=False)) == 2
    assert "needs a userid, or --unlink" in capsys.readouterr().err
    assert users_command(settings, argparse.Namespace(verb="set-wecom", name="li", userid=None,
                                                      unlink=True)) == 0
    assert users_command(settings, argparse.Namespace(verb="list")) == 0
    assert "wecom:" not in capsys.readouterr().out
    assert '"user.set-wecom"' in (tmp_path / "spool.jsonl").read_text()


def test_the_sign_in_page_has_the_wecom_button_only_when_enabled() -> None:
    off = login_page.form("csrf", "/console", "zh")
    assert "政务微信" not in off and "/auth/wecom" not in off
    on = login_page.form("csrf", "/console/m?x=1", "zh", wecom=True)
    assert ('<a class="wecom" id="wecom-sign-in" href="/auth/wecom/start?next=%2Fconsole%2Fm%3Fx%3D1">'
            "政务微信登录</a>") in on
    assert "min-height:48px" in login_page.CSS  # a thumb's target: at least 44 px
    english = login_page.form("csrf", "/", "en", wecom=True)
    assert 'href="/auth/wecom/start?lang=en">Sign in with 政务微信 (WeCom)</a>' in english


def test_a_failed_wecom_sign_in_says_why_in_both_languages() -> None:
    zh = login_page.wecom_failed("zh", "wecom_unknown", "/console/m")
    assert "尚未关联本系统用户" in zh and 'href="/login?next=%2Fconsole%2Fm"' in zh
    en = login_page.wecom_failed("en", "wecom_down", "/console/m")
    assert "WeCom cannot be reached right now" in en and 'lang="en"' in en

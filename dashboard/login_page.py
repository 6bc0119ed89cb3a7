"""The few pages served before sign-in: the sign-in form, sign-out, refusals.

Plain HTML with no script at all (so it works under the strictest CSP); every value
written into it is escaped.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

from dashboard.auth import Principal
from dashboard.i18n import client_strings, signed_in_as

CSS = """
html,body{margin:0;height:100%;background:#071427;color:#dce8ff;
  font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif}
main{max-width:380px;margin:12vh auto;padding:32px 36px;background:#0d2240;
  border:1px solid #1d4b80;border-radius:10px;box-shadow:0 0 40px rgba(0,120,255,.15)}
h1{font-size:22px;margin:0 0 4px;letter-spacing:2px}
p.sub{margin:0 0 24px;color:#7f9cc6;font-size:13px}
label{display:block;font-size:13px;color:#9fb7da;margin:14px 0 6px}
input{width:100%;box-sizing:border-box;padding:10px 12px;border-radius:6px;border:1px solid #2b5a93;
  background:#081a33;color:#fff;font-size:15px}
button{margin-top:22px;width:100%;min-height:44px;padding:11px;border:0;border-radius:6px;background:#1f7aff;
  color:#fff;font-size:16px;letter-spacing:4px;cursor:pointer}
a.wecom,a.alt{display:flex;align-items:center;justify-content:center;box-sizing:border-box;width:100%;
  min-height:48px;margin-top:14px;padding:10px;border-radius:6px;font-size:16px;letter-spacing:2px;
  text-decoration:none}
a.wecom{background:#0f9d58;color:#fff}
a.alt{border:1px solid #2b5a93;color:#9fc4ff}
.or{margin:18px 0 0;text-align:center;font-size:12px;color:#6f88ad}
.error{margin-top:16px;padding:10px 12px;border-radius:6px;background:#3a1020;color:#ffb3c1;font-size:13px}
.note{margin-top:20px;font-size:12px;color:#6f88ad;line-height:1.6}
a{color:#7fb4ff}
"""

def escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _t(lang: str) -> dict[str, str]:
    """The sign-in pages' labels (``login.*`` in dashboard/i18n.py) in ``lang``."""
    return {key.removeprefix("login."): text for key, text in client_strings(lang).items()
            if key.startswith("login.")}


def _page(title: str, body: str, lang: str = "zh") -> str:
    return (f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)}</title>"
            f'<link rel="stylesheet" href="/auth/login.css"></head><body><main>{body}</main></body></html>')


def wecom_start_href(next_: str | None, lang: str) -> str:
    """The WeCom sign-in's start, keeping where to go next and the language."""
    query = urlencode({**({"next": next_} if next_ and next_ != "/" else {}),
                       **({"lang": "en"} if lang == "en" else {})})
    return "/auth/wecom/start" + (f"?{query}" if query else "")


def form(csrf: str, next_: str, lang: str = "zh", error: str | None = None,
         anonymous_visitor: bool = False, wecom: bool = False) -> str:
    """The sign-in form; ``wecom``: with the 政务微信/WeCom button (the sign-in is enabled)."""
    t = _t(lang)
    error_html = f'<div class="error" role="alert">{escape(t[error])}</div>' if error else ""
    visitor = f'<p class="note"><a href="/">{escape(t["visitor"])}</a></p>' if anonymous_visitor else ""
    wecom_html = (f'<p class="or">{escape(t["or"])}</p><a class="wecom" id="wecom-sign-in" '
                  f'href="{escape(wecom_start_href(next_, lang))}">{escape(t["wecom"])}</a>' if wecom else "")
    if next_ == "/":  # signing in from nowhere in particular: the phone page is one way on
        phone = "/login?next=%2Fconsole%2Fm" + ("&amp;lang=en" if lang == "en" else "")
        visitor += f'<p class="note"><a href="{phone}">{escape(t["phone"])}</a></p>'
    body = (f'<h1>{escape(t["title"])}</h1><p class="sub">{escape(t["sub"])}</p>'
            f'<form method="post" action="/login?lang={escape(lang)}" autocomplete="off">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
            f'<input type="hidden" name="next" value="{escape(next_)}">'
            f'<label for="user">{escape(t["user"])}</label>'
            f'<input id="user" name="user" required autofocus maxlength="64">'
            f'<label for="password">{escape(t["password"])}</label>'
            f'<input id="password" name="password" type="password" required maxlength="256">'
            f'<button type="submit">{escape(t["submit"])}</button></form>{wecom_html}{error_html}'
            f'<p class="note">{escape(t["note"])}</p>{visitor}')
    return _page(t["title"], body, lang)


def wecom_failed(lang: str, error: str, next_: str) -> str:
    """A WeCom sign-in that did not succeed: why (``login.<error>``), and the two ways on
    (start it again, or sign in with a password), each a target a thumb can hit."""
    t = _t(lang)
    login_query = urlencode({**({"next": next_} if next_ != "/" else {}),
                             **({"lang": "en"} if lang == "en" else {})})
    body = (f'<h1>{escape(t["wecom"])}</h1>'
            f'<div class="error" role="alert">{escape(t[error])}</div>'
            f'<a class="wecom" href="{escape(wecom_start_href(next_, lang))}">{escape(t["wecom_again"])}</a>'
            f'<a class="alt" href="/login{escape("?" + login_query if login_query else "")}">'
            f'{escape(t["wecom_password"])}</a>'
            f'<p class="note">{escape(t["note"])}</p>')
    return _page(t["wecom"], body, lang)


def logout_form(csrf: str, lang: str = "zh") -> str:
    t = _t(lang)
    body = (f'<h1>{escape(t["logout"])}</h1><p class="sub">{escape(t["logout_q"])}</p>'
            f'<form method="post" action="/logout"><input type="hidden" name="csrf" value="{escape(csrf)}">'
            f'<button type="submit">{escape(t["logout"])}</button></form>'
            f'<p class="note"><a href="/">{escape(t["home"])}</a></p>')
    return _page(t["logout"], body, lang)


def forbidden(principal: Principal, path: str, lang: str = "zh") -> str:
    t = _t(lang)
    who = signed_in_as(principal.name, principal.role, lang)
    body = (f'<h1>{escape(t["forbidden"])}</h1>'
            f'<p class="sub">{escape(t["forbidden_body"].format(who=who, path=path))}</p>'
            f'<p class="note"><a href="/">{escape(t["home"])}</a> · '
            f'<a href="/logout">{escape(t["switch"])}</a></p>')
    return _page(t["forbidden"], body, lang)


def bad_token(lang: str = "zh", locked: bool = False) -> str:
    """The answer to a wrong wall token; ``locked``: too many from this address."""
    t = _t(lang)
    body = (f'<h1>{escape(t["bad_token"])}</h1>'
            f'<p class="sub">{escape(t["locked" if locked else "bad_token_body"])}</p>')
    return _page(t["bad_token"], body, lang)


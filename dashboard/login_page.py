"""The few pages served before sign-in: the sign-in form, sign-out, refusals.

Plain HTML with no script at all (so it works under the strictest CSP); every value
written into it is escaped.
"""

from __future__ import annotations

import html
from typing import Any

from dashboard.auth import Principal

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
button{margin-top:22px;width:100%;padding:11px;border:0;border-radius:6px;background:#1f7aff;color:#fff;
  font-size:16px;letter-spacing:4px;cursor:pointer}
.error{margin-top:16px;padding:10px 12px;border-radius:6px;background:#3a1020;color:#ffb3c1;font-size:13px}
.note{margin-top:20px;font-size:12px;color:#6f88ad;line-height:1.6}
a{color:#7fb4ff}
"""

def escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


TEXT = {
    "zh": {
        "title": "长宁城运 · 一屏观 一屏管", "sub": "统一身份认证 · 零信任访问",
        "user": "用户名", "password": "密码", "submit": "登录",
        "failed": "用户名或密码错误。多次失败后登录将被延迟并记录。",
        "locked": "失败次数过多，已暂时锁定，请稍后再试或联系管理员。",
        "csrf": "页面已过期，请重新提交。",
        "note": "所有访问与个人信息调阅均留痕审计。", "visitor": "以访客身份参观（仅汇总数据）",
        "logout": "退出登录", "logout_q": "确定退出当前账号？",
        "forbidden": "无权访问", "forbidden_body": "当前身份（{who}）无权访问 {path}。",
        "home": "返回首页", "switch": "切换账号",
        "bad_token": "大屏令牌无效或已吊销", "bad_token_body": "请联系管理员重新签发大屏链接。",
    },
    "en": {
        "title": "Changning City Operations", "sub": "Single sign-on · zero-trust access",
        "user": "User name", "password": "Password", "submit": "Sign in",
        "failed": "Wrong user name or password. Repeated failures are slowed and recorded.",
        "locked": "Too many failures: sign-in is locked for a while. Try later or ask an admin.",
        "csrf": "The page expired; please submit again.",
        "note": "Every access and every look at personal data is audited.",
        "visitor": "Continue as a visitor (aggregates only)",
        "logout": "Sign out", "logout_q": "Sign out of this account?",
        "forbidden": "Not allowed", "forbidden_body": "Your role ({who}) may not open {path}.",
        "home": "Home", "switch": "Switch account",
        "bad_token": "Wall token invalid or revoked",
        "bad_token_body": "Ask an administrator for a new wall link.",
    },
}


def _t(lang: str) -> dict[str, str]:
    return TEXT.get(lang, TEXT["zh"])


def _page(title: str, body: str, lang: str = "zh") -> str:
    return (f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)}</title>"
            f'<link rel="stylesheet" href="/auth/login.css"></head><body><main>{body}</main></body></html>')


def form(csrf: str, next_: str, lang: str = "zh", error: str | None = None,
         anonymous_visitor: bool = False) -> str:
    t = _t(lang)
    error_html = f'<div class="error" role="alert">{escape(t[error])}</div>' if error else ""
    visitor = f'<p class="note"><a href="/">{escape(t["visitor"])}</a></p>' if anonymous_visitor else ""
    body = (f'<h1>{escape(t["title"])}</h1><p class="sub">{escape(t["sub"])}</p>'
            f'<form method="post" action="/login?lang={escape(lang)}" autocomplete="off">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
            f'<input type="hidden" name="next" value="{escape(next_)}">'
            f'<label for="user">{escape(t["user"])}</label>'
            f'<input id="user" name="user" required autofocus maxlength="64">'
            f'<label for="password">{escape(t["password"])}</label>'
            f'<input id="password" name="password" type="password" required maxlength="256">'
            f'<button type="submit">{escape(t["submit"])}</button></form>{error_html}'
            f'<p class="note">{escape(t["note"])}</p>{visitor}')
    return _page(t["title"], body, lang)


def logout_form(csrf: str, lang: str = "zh") -> str:
    t = _t(lang)
    body = (f'<h1>{escape(t["logout"])}</h1><p class="sub">{escape(t["logout_q"])}</p>'
            f'<form method="post" action="/logout"><input type="hidden" name="csrf" value="{escape(csrf)}">'
            f'<button type="submit">{escape(t["logout"])}</button></form>'
            f'<p class="note"><a href="/">{escape(t["home"])}</a></p>')
    return _page(t["logout"], body, lang)


def forbidden(principal: Principal, path: str, lang: str = "zh") -> str:
    t = _t(lang)
    body = (f'<h1>{escape(t["forbidden"])}</h1>'
            f'<p class="sub">{escape(t["forbidden_body"].format(who=principal.label(), path=path))}</p>'
            f'<p class="note"><a href="/">{escape(t["home"])}</a> · '
            f'<a href="/logout">{escape(t["switch"])}</a></p>')
    return _page(t["forbidden"], body, lang)


def bad_token(lang: str = "zh") -> str:
    t = _t(lang)
    body = f'<h1>{escape(t["bad_token"])}</h1><p class="sub">{escape(t["bad_token_body"])}</p>'
    return _page(t["bad_token"], body, lang)


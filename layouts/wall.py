"""The wall page.  For now: the live counters that prove the pipeline end to end."""

from __future__ import annotations

from dash import html

from layouts import ids


def counter(label: str, component_id: str) -> html.Div:
    """One labelled live figure; the browser client fills its value."""
    return html.Div(
        [
            html.Div(label, className="counter-label"),
            html.Div("—", id=component_id, className="counter-value"),
        ],
        className="counter",
    )


def layout() -> html.Div:
    return html.Div(
        [
            html.Header(
                [
                    html.H1("长宁城运 · 一屏观"),
                    html.Span("连接中…", id=ids.LIVE_STATUS, className="live-status"),
                ],
                className="wall-header",
            ),
            html.Main(
                [
                    counter("已处理事件", ids.COUNT_APPLIED),
                    counter("最新日志", ids.COUNT_LAST_ID),
                    counter("视频点位 在线/总数", ids.COUNT_VIDEO),
                    counter("事件", ids.COUNT_INCIDENTS),
                    counter("告警", ids.COUNT_ALARMS),
                ],
                className="counters",
            ),
        ],
        className="wall",
    )

"""The console's figure of one early-warning series (预知研判): its recent values, its usual
band (low–high) as a shaded area, the anomalies marked and the forecast of the next hours
with its interval.  Pure: plain data in, a plotly figure (a JSON-able dict) out; every
label through dashboard/i18n.py; the numbers come from the state, never from event text.

Inputs (dashboard/console.py ``series_detail`` reads them from the state):

* ``values``: [ts, value] (the reducer's history of the series, or a sensor's readings);
* ``bands``: [ts, expected, low, high] in time order (the reducer's trail of the series'
  ``indicator.expected`` and their forecasts; empty for a sensor, whose band the engine
  does not publish);
* ``anomalies``: the series' early-warning alarms, each ``{ts, value, expected, low, high,
  score}`` (its usual band at that time drawn as the marker's range);
* ``now``: the view's clock.  Band points after it are the forecast (drawn apart, dashed).

Each trace carries ``meta`` (``band``, ``values``, ``anomaly``, ``forecast``,
``forecast_band``) so tests and the page can tell them apart whatever the language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboard import clock
from dashboard.i18n import t

BG = "#071a36"
FG = "#e6f1ff"
GRID = "rgba(230, 241, 255, 0.12)"
VALUE_COLOUR = "#5ac8fa"
BAND_FILL = "rgba(90, 200, 250, 0.18)"
BAND_LINE = "rgba(90, 200, 250, 0.45)"
FORECAST_COLOUR = "#ffd166"
FORECAST_FILL = "rgba(255, 209, 102, 0.16)"
ANOMALY_COLOUR = "#ff5a5f"


def _x(ms: int) -> str:
    """Beijing wall time as plotly reads a date ("2026-12-03 08:15:00")."""
    return f"{clock.beijing(ms):%Y-%m-%d %H:%M:%S}"


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def plain(text: str) -> str:
    """Text shown as written: plotly reads a few HTML tags and entities in its labels, so a
    name or unit that came with an event (a sensor's unit) has ``&``, ``<``, ``>`` escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _band_traces(points: Sequence[Sequence[Any]], meta: str, name: str, fill: str, line: str,
                 unit: str, decimals: int, lang: str) -> list[dict[str, Any]]:
    """Two traces: the band's lower edge, then its upper edge filled down to it."""
    xs = [_x(int(p[0])) for p in points]
    lows = [p[2] for p in points]
    highs = [p[3] for p in points]
    text = [t("figure.band_hover", lang, low=_fmt(p[2], decimals), high=_fmt(p[3], decimals), unit=unit)
            for p in points]
    edge = {"color": line, "width": 1, "shape": "linear"}
    return [
        {"type": "scatter", "mode": "lines", "x": xs, "y": lows, "line": edge, "meta": meta,
         "name": name, "legendgroup": meta, "showlegend": False, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "x": xs, "y": highs, "line": edge, "fill": "tonexty",
         "fillcolor": fill, "meta": meta, "name": name, "legendgroup": meta, "text": text,
         "hovertemplate": "%{text}<extra></extra>"},
    ]


def series_figure(*, name: str, unit: str, decimals: int, values: Sequence[Sequence[Any]],
                  bands: Sequence[Sequence[Any]], anomalies: Sequence[dict[str, Any]], now: int,
                  lang: str = "zh") -> dict[str, Any]:
    """The figure (``{"data": [...], "layout": {...}}``); see the module's docstring.
    ``name`` and ``unit`` are shown as written (escaped for plotly)."""
    name, unit = plain(name), plain(unit)
    past = [p for p in bands if p[0] <= now]
    ahead = [p for p in bands if p[0] > now]
    if past and ahead:  # the forecast starts where the band of now ends: no gap between them
        ahead = [past[-1], *ahead]
    data: list[dict[str, Any]] = []
    if past:
        data += _band_traces(past, "band", t("figure.band", lang), BAND_FILL, BAND_LINE, unit, decimals, lang)
    if ahead:
        data += _band_traces(ahead, "forecast_band", t("figure.forecast_band", lang), FORECAST_FILL,
                             FORECAST_COLOUR, unit, decimals, lang)
        data.append({"type": "scatter", "mode": "lines", "x": [_x(int(p[0])) for p in ahead],
                     "y": [p[1] for p in ahead], "meta": "forecast", "name": t("figure.forecast", lang),
                     "line": {"color": FORECAST_COLOUR, "width": 2, "dash": "dash"},
                     "text": [t("figure.forecast_hover", lang, time=f"{clock.beijing(int(p[0])):%H:%M}",
                                value=_fmt(p[1], decimals), unit=unit) for p in ahead],
                     "hovertemplate": "%{text}<extra></extra>"})
    ordered = sorted(values, key=lambda p: p[0])
    data.append({"type": "scatter", "mode": "lines+markers", "x": [_x(int(p[0])) for p in ordered],
                 "y": [p[1] for p in ordered], "meta": "values", "name": t("figure.values", lang),
                 "line": {"color": VALUE_COLOUR, "width": 2}, "marker": {"size": 4, "color": VALUE_COLOUR},
                 "text": [f"{clock.beijing(int(p[0])):%H:%M} {_fmt(p[1], decimals)} {unit}" for p in ordered],
                 "hovertemplate": "%{text}<extra></extra>"})
    if anomalies:
        marked = sorted(anomalies, key=lambda a: a["ts"])
        data.append({
            "type": "scatter", "mode": "markers", "meta": "anomaly", "name": t("figure.anomaly", lang),
            "x": [_x(int(a["ts"])) for a in marked], "y": [a["value"] for a in marked],
            "marker": {"color": ANOMALY_COLOUR, "size": 14, "symbol": "circle-open",
                       "line": {"width": 3, "color": ANOMALY_COLOUR}},
            # the usual range at the anomaly's time, as the marker's whiskers
            "error_y": {"type": "data", "symmetric": False, "color": ANOMALY_COLOUR, "thickness": 1,
                        "array": [max(0.0, a["high"] - a["value"]) for a in marked],
                        "arrayminus": [max(0.0, a["value"] - a["low"]) for a in marked]},
            "text": [t("figure.anomaly_hover", lang, value=_fmt(a["value"], decimals), unit=unit,
                       low=_fmt(a["low"], decimals), high=_fmt(a["high"], decimals),
                       score=f"{abs(a['score']):.1f}") for a in marked],
            "hovertemplate": "%{text}<extra></extra>",
        })
    title = f"{name}（{unit}）" if lang != "en" and unit else f"{name} ({unit})" if unit else name
    shapes = [{"type": "line", "xref": "x", "yref": "paper", "x0": _x(now), "x1": _x(now), "y0": 0, "y1": 1,
               "line": {"color": "rgba(230, 241, 255, 0.5)", "width": 1, "dash": "dot"}}] if ahead else []
    layout = {
        "title": {"text": title, "font": {"size": 15, "color": FG}, "x": 0.01, "xanchor": "left",
                  "y": 0.97, "yanchor": "top"},
        "paper_bgcolor": BG, "plot_bgcolor": BG, "font": {"color": FG, "size": 12},
        # the legend at the top right, beside the title (below, it would meet the time axis)
        "margin": {"l": 56, "r": 16, "t": 56, "b": 44}, "height": 320,
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right",
                   "font": {"size": 11}, "bgcolor": "rgba(0,0,0,0)"},
        # Beijing time (the ticks' hours and days; the hover says it too)
        "xaxis": {"type": "date", "gridcolor": GRID, "tickformat": "%H:%M\n%m-%d"},
        "yaxis": {"gridcolor": GRID, "zeroline": False, "title": {"text": unit}},
        "shapes": shapes,
        "annotations": [{"xref": "x", "yref": "paper", "x": _x(now), "y": 1, "text": t("figure.now", lang),
                         "showarrow": False, "yanchor": "top", "xanchor": "left", "xshift": 4,
                         "font": {"size": 11, "color": FG}}]
        if ahead else [],
        "hovermode": "closest",
    }
    return {"data": data, "layout": layout}

"""The console's early-warning series figure (dashboard/series_figure.py) on planted data:
the band shaded, the anomaly marked with its usual range, the forecast with its interval
when the engine gave one (and none when not); the forecast's way there (the detector's
``indicator.expected`` → the reducer's band trail → the console's series detail) and the
inbox link that opens it."""

from __future__ import annotations

from typing import Any

import orjson
from dash import dcc

from dashboard import clock
from dashboard.catalogue import load_catalogue
from dashboard.console import series_detail
from dashboard.console_url import ConsoleUrl
from dashboard.detect import FORECAST_HOURS
from dashboard.events import parse_event
from dashboard.i18n import client_strings
from dashboard.series_figure import series_figure
from dashboard.state import BAND_TRAIL, State, apply
from layouts.console_detail import series_view
from layouts.console_panels import _drill_of
from tests.unit.test_baselines import HOUR, trained

NOW = 1_790_000_000_000 - 1_790_000_000_000 % HOUR + 20 * 60_000  # 20 min into an hour
STEP = 15 * 60_000


def planted(with_forecast: bool = True) -> dict[str, Any]:
    values = [[NOW - i * 5 * 60_000, 36.0 + (i % 3)] for i in range(24, 0, -1)]
    values.append([NOW - 60_000, 74.0])
    past = [[NOW - i * STEP, 36.0, 30.0, 42.0] for i in range(8, -1, -1)]
    ahead = [[NOW + i * STEP, 38.0 + i, 31.0 + i, 45.0 + i] for i in range(1, 25)] if with_forecast else []
    anomaly = {"ts": NOW - 60_000, "value": 74.0, "expected": 36.0, "low": 30.0, "high": 42.0, "score": 9.1}
    return series_figure(name="PM2.5浓度", unit="μg/m³", decimals=0, values=values, bands=past + ahead,
                         anomalies=[anomaly], now=NOW, lang="zh")


def traces(figure: dict[str, Any], meta: str) -> list[dict[str, Any]]:
    return [trace for trace in figure["data"] if trace.get("meta") == meta]


def test_the_band_is_shaded_and_the_anomaly_marked_with_its_usual_range() -> None:
    figure = planted()
    low, high = traces(figure, "band")
    assert high["fill"] == "tonexty" and "fill" not in low  # the upper edge filled down to the lower
    assert low["y"] == [30.0] * 9 and high["y"] == [42.0] * 9
    assert low["x"][-1] == f"{clock.beijing(NOW):%Y-%m-%d %H:%M:%S}"
    (values,) = traces(figure, "values")
    assert len(values["y"]) == 25 and values["y"][-1] == 74.0
    (marked,) = traces(figure, "anomaly")
    assert marked["y"] == [74.0] and marked["x"] == [f"{clock.beijing(NOW - 60_000):%Y-%m-%d %H:%M:%S}"]
    assert marked["error_y"]["arrayminus"] == [44.0] and marked["error_y"]["array"] == [0.0]  # down to 30
    assert marked["text"] == ["异常 74 μg/m³，常态 30–42；偏离 9.1 个稳健标准差"]
    assert figure["layout"]["title"]["text"] == "PM2.5浓度（μg/m³）"
    assert figure["layout"]["paper_bgcolor"] == "#071a36"  # the console's dark theme
    orjson.dumps(figure)  # plain JSON for dcc.Graph


def test_the_forecast_and_its_interval_follow_now() -> None:
    figure = planted()
    (line,) = traces(figure, "forecast")
    low, high = traces(figure, "forecast_band")
    now_x = f"{clock.beijing(NOW):%Y-%m-%d %H:%M:%S}"
    # it starts at the band of now (no gap), then the 24 quarter hours ahead
    assert line["x"][0] == now_x and len(line["x"]) == 25 and line["y"][1:4] == [39.0, 40.0, 41.0]
    assert high["fill"] == "tonexty" and low["y"][-1] == 55.0 and high["y"][-1] == 69.0
    assert line["line"]["dash"] == "dash"
    assert figure["layout"]["shapes"][0]["x0"] == now_x  # the "now" line
    assert {trace["name"] for trace in figure["data"]} == {"常态区间", "预测区间", "预测", "数值", "异常点"}


def test_without_a_forecast_there_is_none_drawn() -> None:
    figure = planted(with_forecast=False)
    assert not traces(figure, "forecast") and not traces(figure, "forecast_band")
    assert traces(figure, "band") and figure["layout"]["shapes"] == []
    # nor a band, nor an anomaly: the values alone
    bare = series_figure(name="x", unit="", decimals=1, values=[[NOW, 1.0]], bands=[], anomalies=[], now=NOW)
    assert [trace["meta"] for trace in bare["data"]] == ["values"]


def test_english_labels_and_an_event_unit_shown_as_written() -> None:
    figure = series_figure(name="Gas <b>x</b>", unit="<i>ppm</i>", decimals=1, values=[[NOW, 1.0]],
                           bands=[], anomalies=[{"ts": NOW, "value": 9.0, "expected": 1.0, "low": 0.5,
                                                 "high": 1.5, "score": -7.25}], now=NOW, lang="en")
    assert figure["layout"]["title"]["text"] == "Gas &lt;b&gt;x&lt;/b&gt; (&lt;i&gt;ppm&lt;/i&gt;)"
    (marked,) = traces(figure, "anomaly")
    assert marked["name"] == "Anomaly"
    assert marked["text"] == ["anomaly 9.0 &lt;i&gt;ppm&lt;/i&gt;, usual 0.5–1.5; 7.2 robust deviations"]


def test_the_engine_publishes_the_forecast_with_the_band_and_the_console_shows_it() -> None:
    """The detector's indicator.expected carries the next 6 h (every 15 min) with their
    interval; the reducer keeps the band through time (the past as it was said, the future
    as the latest forecast), bounded; the series detail carries both and the anomalies."""
    detector, now = trained()
    when = now + 8 * HOUR + 5 * 60_000
    events = detector.observe(when, "indicator.value", "tianshanlu", {"key": "green.pm25", "value": 75.0})
    band, anomaly = events
    forecast = band["data"]["forecast"]
    assert len(forecast) == FORECAST_HOURS * 4
    assert forecast[0][0] == when - when % STEP + STEP and forecast[-1][0] <= when + FORECAST_HOURS * HOUR
    assert all(low < expected < high for _, expected, low, high in forecast)
    state = State()
    for n, event in enumerate([{"type": "indicator.value", "id": "v1", "ts": when, "street": "tianshanlu",
                                "data": {"key": "green.pm25", "value": 75.0}}, band, anomaly]):
        apply(state, f"{when}-{n}", parse_event(orjson.dumps(event)))
    series = state.indicators["green.pm25@tianshanlu"]
    assert series["bands"][0][0] == when and len(series["bands"]) == 1 + len(forecast)
    # the next hour's band replaces the forecast from its time on and keeps the rest
    nxt = detector.observe(when + HOUR, "indicator.value", "tianshanlu",
                           {"key": "green.pm25", "value": band["data"]["expected"]})[0]
    apply(state, f"{when + HOUR}-0", parse_event(orjson.dumps(nxt)))
    trail = state.indicators["green.pm25@tianshanlu"]["bands"]
    assert [p[0] for p in trail] == sorted(p[0] for p in trail)
    assert trail[0][0] == when and [when + HOUR, nxt["data"]["expected"], nxt["data"]["low"],
                                    nxt["data"]["high"]] in trail
    assert trail[-1][0] == nxt["data"]["forecast"][-1][0] and len(trail) <= BAND_TRAIL
    detail = series_detail(state, "green.pm25@tianshanlu", load_catalogue(), when + HOUR)
    assert detail is not None and detail["name_zh"] == "PM2.5浓度" and detail["unit"] == "μg/m³"
    assert detail["bands"] == trail and detail["history"] == [[when, 75.0]]
    assert [a["value"] for a in detail["anomalies"]] == [75.0] and detail["anomalies"][0]["ts"] == when
    assert series_detail(state, "green.pm25@nowhere", load_catalogue(), when) is None
    # the drawer: the band of now in words, the figure with the forecast
    body = series_view(detail, client_strings("zh"), "zh")
    (graph,) = [part for part in body if isinstance(part, dcc.Graph)]
    assert {trace["meta"] for trace in graph.figure["data"]} == {
        "band", "forecast_band", "forecast", "values", "anomaly"}
    meta = body[1].children
    assert "天山路街道" in meta and any(str(part).startswith("常态 ") for part in meta)
    assert "暂无预测" not in str(body[-1].children)


def test_an_early_warning_alarm_in_the_inbox_opens_its_series() -> None:
    url = ConsoleUrl()
    series = {"kind": "anomaly", "source": "indicator:green.pm25@tianshanlu", "ref": "green.pm25@tianshanlu"}
    assert _drill_of(series) == "series"
    assert url.drill("series", series["ref"]).search == "?series=green.pm25%40tianshanlu"
    assert ConsoleUrl.parse("?series=green.pm25%40tianshanlu").key == "green.pm25@tianshanlu"
    assert _drill_of({"kind": "anomaly", "source": "sensor:gas-1", "ref": "gas-1"}) == "sensor"
    assert _drill_of({"kind": "indicator", "source": "indicator:x", "ref": "x"}) == "series"

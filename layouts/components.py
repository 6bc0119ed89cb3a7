"""Reusable blocks of the screens: panels, tiles, legends.  Pure builders, no callbacks."""

from __future__ import annotations

from typing import Any

import dash_svg as svg
from dash import html

from dashboard.catalogue import Indicator
from layouts import ids

SPARK_W, SPARK_H = 110, 34


def data_text(kind: str = "event") -> dict[str, str]:
    """The mark of text that is data, not a label of the screens (``html.Span(text,
    **data_text())``): ``event`` for what an event or a person wrote (titles, addresses,
    notes, reasons), ``name`` for proper names (people, accounts, cameras, posts).  It is
    shown in the language it was written in; tests/e2e/test_languages.py skips it.  A grid
    cell, which takes no attributes, is marked by the cell class ``data-text``."""
    return {"data-text": kind}


def panel(title: str, children: Any, class_name: str = "", extra: Any = None) -> html.Section:
    """A titled panel of the command-centre design."""
    header: list[Any] = [html.H2(title, className="panel-title")]
    if extra is not None:
        header.extend(extra if isinstance(extra, list) else [extra])
    return html.Section(
        [html.Div(header, className="panel-header"), html.Div(children, className="panel-body")],
        className=f"panel {class_name}".strip(),
    )


def kpi(label: str, value_id: str, class_name: str = "") -> html.Div:
    """A big figure with its label (the browser client fills the value)."""
    return html.Div(
        [html.Div("—", id=value_id, className="kpi-value"),
         html.Div(label, className="kpi-label", title=label)],
        className=f"kpi {class_name}".strip(),
    )


def tile_label(indicator: Indicator, lang: str) -> tuple[str, str]:
    """The tile's label and its full name: the catalogue's short name where it has one
    (a label read from 8 m must fit its tile on one line), the full name as the title."""
    name = indicator.name_en if lang == "en" else indicator.name_zh
    short = indicator.short_en if lang == "en" else indicator.short_zh
    return short or name, name


def indicator_tile(indicator: Indicator, lang: str, stale_label: str) -> html.Div:
    """One vital-sign tile: name, value + unit, trend line, stale mark."""
    key = indicator.key
    label, name = tile_label(indicator, lang)
    unit = indicator.unit_en if lang == "en" else indicator.unit
    return html.Div(
        [
            html.Div(label, className="tile-name", title=name),
            html.Div(
                [
                    html.Span("—", id=ids.tile_value(key), className="tile-value"),
                    html.Span(unit, className="tile-unit"),
                    html.Span(stale_label, id=ids.tile_stale(key), className="tile-stale",
                              hidden=True),
                    # the usual band and whether the value is in it (assets/wall.js)
                    html.Span("", id=ids.tile_band(key), className="tile-band", hidden=True),
                ],
                className="tile-figure",
            ),
            svg.Svg(
                [svg.Rect(id=ids.tile_band_area(key), x="0", y="0", width=str(SPARK_W), height="0",
                          className="spark-band"),
                 svg.Polyline(id=ids.tile_spark(key), points="", className="spark-line")],
                viewBox=f"0 0 {SPARK_W} {SPARK_H}", className="tile-spark",
                preserveAspectRatio="none",
            ),
        ],
        id=ids.tile(key),
        className="tile level-ok",
        **{"data-key": key},  # type: ignore[arg-type]
    )


def dimension_panel(dimension: str, title: str, indicators: list[Indicator], lang: str,
                    stale_label: str) -> html.Section:
    summary = html.Span("", id=ids.dimension_summary(dimension), className="dim-summary")
    tiles = [indicator_tile(i, lang, stale_label) for i in indicators]
    return panel(title, html.Div(tiles, className=f"tiles tiles-{len(tiles)}"), f"dimension dim-{dimension}",
                 summary)


def legend_item(status: str, label: str, help_text: str = "") -> html.Div:
    return html.Div(
        [
            html.Span(className=f"legend-dot status-{status}"),
            html.Span(label, className="legend-label", title=help_text or label),
            html.Span("—", id=ids.map_legend_count(status), className="legend-count"),
        ],
        className="legend-item",
    )

"""The wall's layout (layouts/wall.py): which design, which tiles, which labels."""

from __future__ import annotations

from typing import Any

from dashboard.catalogue import load_catalogue
from layouts import ids
from layouts.components import tile_label
from layouts.wall import page


def walk(component: Any) -> list[Any]:
    out = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if hasattr(child, "to_plotly_json"):
            out += walk(child)
    return out


def ids_of(component: Any) -> set[str]:
    return {c.id for c in walk(component) if isinstance(getattr(c, "id", None), str)}


def test_the_layout_shown_is_named_for_the_client() -> None:
    """data-layout says which layout the page shows (an unknown one falls back to 1920)."""
    catalogue = load_catalogue()
    wide = page("zh", "5760x1080", catalogue, [[0, 0], [1, 1]], None)
    assert wide.to_plotly_json()["props"]["data-layout"] == "5760x1080"
    root = page("zh", "bogus", catalogue, [[0, 0], [1, 1]], None)
    assert root.to_plotly_json()["props"]["data-layout"] == "1920x1080"
    assert root.style == {"width": "1920px", "height": "1080px"}


def test_the_wide_wall_has_six_tiles_a_dimension_and_the_camera_counts() -> None:
    """5760×1080: 24 tiles and the cameras by status; 1920: 16 tiles, the legend only."""
    catalogue = load_catalogue()
    wide = ids_of(page("zh", "5760x1080", catalogue, [[0, 0], [1, 1]], None))
    narrow = ids_of(page("zh", None, catalogue, [[0, 0], [1, 1]], None))
    assert sum(1 for i in wide if i.startswith("tile-value-")) == 24
    assert sum(1 for i in narrow if i.startswith("tile-value-")) == 16
    assert ids.video_count("fault") in wide and ids.video_count("fault") not in narrow
    assert {ids.LAYOUT_NOTE, ids.WALL_SCOPE} <= narrow


def test_a_long_name_has_a_short_label_and_keeps_its_full_name() -> None:
    """The tile shows short_en / short_zh where the catalogue has one, the name otherwise."""
    footfall = next(i for i in load_catalogue() if i.key == "vitality.business_footfall")
    assert tile_label(footfall, "en") == ("Shopping footfall", "Footfall in key shopping districts")
    pm25 = next(i for i in load_catalogue() if i.key == "green.pm25")
    assert tile_label(pm25, "zh") == (pm25.name_zh, pm25.name_zh)

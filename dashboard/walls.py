"""The wall layouts a display can use: the one list, with the design size each is laid
out at (the page is scaled to the display from it).  No I/O."""

from __future__ import annotations

from typing import Literal, get_args

WallLayout = Literal["1920x1080", "3840x2160", "5760x1080"]
WALL_LAYOUTS: tuple[WallLayout, ...] = get_args(WallLayout)
DEFAULT_LAYOUT: WallLayout = "1920x1080"

#: 16:9 walls are laid out at 1920×1080 and scaled; a spliced 48:9 wall has its own design.
DESIGN_SIZES: dict[WallLayout, tuple[int, int]] = {
    "1920x1080": (1920, 1080), "3840x2160": (1920, 1080), "5760x1080": (5760, 1080),
}


#: The wall map's overlays, in drawing order (a wall shows those of ``Settings.map_layers``
#: unless its URL names others with ``?layers=``; layouts/map.py draws them).
MAP_LAYERS: tuple[str, ...] = ("streets", "video", "incidents", "sensors")


def design_size(layout: str | None) -> tuple[int, int]:
    """The design size of ``layout``; the default layout's for None or an unknown name."""
    return DESIGN_SIZES.get(layout, DESIGN_SIZES[DEFAULT_LAYOUT])  # type: ignore[call-overload]

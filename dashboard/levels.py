"""One scale of levels for incidents (severity) and alarms (level): the national
classification of emergencies and its warning colours (../shared/DESIGN.md "One scale
of levels").  No I/O.

Every screen, filter, grid, banner and export takes its labels and colours from here
(dashboard/i18n.py builds its ``severity.N`` and ``level.N`` strings from :data:`LEVELS`;
the browser gets those strings and the colours in its page config).
``tests/unit/test_one_home.py`` fails if a label is written anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Level = Literal[1, 2, 3, 4]
LEVEL_VALUES: tuple[Level, ...] = get_args(Level)
MOST_SEVERE: Level = 1


@dataclass(frozen=True, slots=True)
class LevelInfo:
    level: Level
    incident_zh: str  # 特别重大 … 一般
    incident_en: str
    alarm_zh: str  # 一级 … 四级
    alarm_en: str
    roman: str
    colour_name: str
    colour: str  # the warning colour on a dark wall


LEVELS: tuple[LevelInfo, ...] = (
    LevelInfo(1, "特别重大", "Critical", "一级", "Level 1", "I", "red", "#ff453a"),
    LevelInfo(2, "重大", "Major", "二级", "Level 2", "II", "orange", "#ff9f0a"),
    LevelInfo(3, "较大", "Moderate", "三级", "Level 3", "III", "yellow", "#ffd60a"),
    LevelInfo(4, "一般", "Minor", "四级", "Level 4", "IV", "blue", "#64d2ff"),
)
BY_LEVEL: dict[int, LevelInfo] = {info.level: info for info in LEVELS}


def info(level: int) -> LevelInfo:
    """The row of ``level`` (1 most severe … 4); ValueError outside the scale."""
    try:
        return BY_LEVEL[level]
    except KeyError:
        raise ValueError(f"level {level!r} is not on the scale 1–4") from None


def label(level: int, lang: str = "zh", kind: Literal["incident", "alarm"] = "incident") -> str:
    """特别重大 / 一级 (zh) or Critical / Level 1 (en)."""
    row = info(level)
    if kind == "alarm":
        return row.alarm_en if lang == "en" else row.alarm_zh
    return row.incident_en if lang == "en" else row.incident_zh


def strings() -> dict[str, tuple[str, str]]:
    """The i18n entries of the scale: ``severity.N`` (incidents) and ``level.N`` (alarms)."""
    out: dict[str, tuple[str, str]] = {}
    for row in LEVELS:
        out[f"severity.{row.level}"] = (row.incident_zh, row.incident_en)
        out[f"level.{row.level}"] = (row.alarm_zh, row.alarm_en)
    return out


def colours() -> dict[str, str]:
    """Level → colour, for the browser's page config (keys are strings, as in JSON)."""
    return {str(row.level): row.colour for row in LEVELS}

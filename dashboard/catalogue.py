"""The indicator catalogue of the city vital signs (城市数字体征), and threshold levels.

Pure: reads only the catalogue file it is given (the packaged default otherwise).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOGUE_FILE = DATA_DIR / "indicators.toml"
DIMENSIONS = ("safety", "green", "vitality", "health")
INDICATOR_FIELDS = (
    "key", "name_zh", "name_en", "dimension", "unit", "unit_en", "warn", "alarm", "direction",
    "stale_after_s", "base", "amplitude", "noise", "decimals",
)


def load_catalogue(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The indicator catalogue: the ``[[indicator]]`` tables of a TOML file, in file order.

    ``path`` None reads the packaged ``dashboard/data/indicators.toml``.  Raises ValueError
    naming the file and the indicator when a table lacks a field of :data:`INDICATOR_FIELDS`,
    has an unknown dimension or direction, or repeats a key.
    """
    file = CATALOGUE_FILE if path is None else Path(path)
    table = read_toml(file, "the indicator catalogue")
    indicators = table.get("indicator")
    if not isinstance(indicators, list) or not indicators:
        raise ValueError(f"{file}: no [[indicator]] tables")
    seen: set[str] = set()
    for index, indicator in enumerate(indicators):
        name = f"{file}: indicator #{index} ({indicator.get('key', '?')})"
        missing = [field for field in INDICATOR_FIELDS if field not in indicator]
        if missing:
            raise ValueError(f"{name} lacks {', '.join(missing)}")
        if indicator["dimension"] not in DIMENSIONS:
            raise ValueError(f"{name}: dimension must be one of {', '.join(DIMENSIONS)}")
        if indicator["direction"] not in ("above", "below"):
            raise ValueError(f"{name}: direction must be 'above' or 'below'")
        if indicator["key"] in seen:
            raise ValueError(f"{name}: the key is used twice")
        seen.add(indicator["key"])
    return indicators


def read_toml(file: Path, what: str) -> dict[str, Any]:
    """A data file's TOML; a ValueError naming the file when it is unreadable or invalid."""
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{file}: cannot read {what} ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{file}: invalid TOML ({exc})") from None


def level(value: float | None, indicator: dict[str, Any]) -> str:
    """"ok", "warn" or "alarm" for ``value`` against the indicator's thresholds."""
    if value is None:
        return "ok"
    if indicator["direction"] == "above":
        return "alarm" if value >= indicator["alarm"] else "warn" if value >= indicator["warn"] else "ok"
    return "alarm" if value <= indicator["alarm"] else "warn" if value <= indicator["warn"] else "ok"


def public_catalogue(indicators: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a screen needs of each indicator (no simulator parameters)."""
    keep = ("key", "name_zh", "name_en", "dimension", "unit", "unit_en", "warn", "alarm",
            "direction", "stale_after_s", "decimals", "per_street")
    return [{k: indicator.get(k) for k in keep} for indicator in indicators]

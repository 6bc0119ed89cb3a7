"""The indicator catalogue of the city vital signs (城市数字体征), and threshold levels.

Pure: reads only the catalogue file it is given (the packaged default otherwise).  An
:class:`Indicator` is what a deployment supplies; how the demo simulator draws its values
(:class:`Simulation`) is kept apart and optional, so a real catalogue needs none of it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal, get_args

import msgspec

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOGUE_FILE = DATA_DIR / "indicators.toml"
Dimension = Literal["safety", "green", "vitality", "health"]
DIMENSIONS: tuple[Dimension, ...] = get_args(Dimension)
Level = Literal["ok", "warn", "alarm"]


class Simulation(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Demo only: value = base + amplitude·cos(2π(hour − peak_hour)/24) + gauss(0, noise),
    clamped to [min, max], base and amplitude × ``rest`` on rest days; ``cumulative``: a
    count since local midnight (indicators.toml)."""

    base: float
    amplitude: float
    noise: float
    peak_hour: float = 14
    min: float | None = None
    max: float | None = None
    cumulative: bool = False
    rest: float = 1.0  # base and amplitude × this on rest days (weekends, holidays)


SIMULATION_FIELDS = frozenset(field.name for field in msgspec.structs.fields(Simulation))


class Indicator(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    key: str  # dimension.snake_case; the key of indicator.value events
    name_zh: str
    name_en: str
    dimension: Dimension
    unit: str
    unit_en: str
    warn: float
    alarm: float
    direction: Literal["above", "below"]  # above: bad when value >= threshold
    stale_after_s: int
    decimals: int
    per_street: bool = False  # also one value per management unit
    short_zh: str | None = None  # the wall tile's label when the name is too long for it
    short_en: str | None = None  # (the tile keeps the full name as its title)
    sim: Simulation | None = None
    #: the quantity's physical range: no band, forecast or expectation is shown beyond it
    #: (0 for counts, rates, concentrations, indices; None: unbounded).  A share in "%"
    #: has a ceiling of 100 whatever this says (:func:`physical_range`)
    floor: float | None = 0.0
    ceiling: float | None = None


#: the physical range of each sensor kind (dashboard/simulator_vocab.py ``SENSOR_KINDS``
#: and the IoT platform's kinds): water level in m above the datum, a manhole cover's
#: tilt in °, gas in %LEL, smoke obscuration in %/m, people in an area
SENSOR_RANGES: dict[str, tuple[float | None, float | None]] = {
    "water_level": (0.0, None), "manhole": (0.0, 90.0), "gas": (0.0, 100.0),
    "smoke": (0.0, 100.0), "crowd": (0.0, None),
}


def physical_range(indicator: Indicator) -> tuple[float | None, float | None]:
    """(floor, ceiling) of an indicator's values: the one home of the rule."""
    ceiling = indicator.ceiling
    if indicator.unit == "%":
        ceiling = 100.0 if ceiling is None else min(ceiling, 100.0)
    return indicator.floor, ceiling


def sensor_range(kind: str) -> tuple[float | None, float | None]:
    """(floor, ceiling) of a sensor kind's readings; an unknown kind: (None, None)."""
    return SENSOR_RANGES.get(kind, (None, None))


def clamp(value: float, floor: float | None, ceiling: float | None) -> float:
    """``value`` inside [floor, ceiling] (either may be None: no bound)."""
    if floor is not None and value < floor:
        return floor
    if ceiling is not None and value > ceiling:
        return ceiling
    return value


def load_catalogue(path: str | Path | None = None) -> list[Indicator]:
    """The indicator catalogue: the ``[[indicator]]`` tables of a TOML file, in file order.

    ``path`` None reads the packaged ``dashboard/data/indicators.toml``.  Raises ValueError
    naming the file, the indicator and the field when a table lacks a field, has one of the
    wrong type or an unknown one, or repeats a key.  The simulator's fields (``base``,
    ``amplitude``, ``noise``, ...) are optional and gathered into ``sim``.
    """
    file = CATALOGUE_FILE if path is None else Path(path)
    table = read_toml(file, "the indicator catalogue")
    tables = table.get("indicator")
    if not isinstance(tables, list) or not tables:
        raise ValueError(f"{file}: no [[indicator]] tables")
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for index, raw in enumerate(tables):
        name = f"{file}: indicator #{index} ({raw.get('key', '?')})"
        fields = {k: v for k, v in raw.items() if k not in SIMULATION_FIELDS}
        simulation = {k: v for k, v in raw.items() if k in SIMULATION_FIELDS}
        if simulation:
            fields["sim"] = simulation
        try:
            indicator = msgspec.convert(fields, Indicator)
        except msgspec.ValidationError as exc:
            missing = re.match(r"Object missing required field `(\w+)`", str(exc))
            if missing:
                raise ValueError(f"{name} lacks {missing.group(1)}") from None
            raise ValueError(f"{name}: {str(exc).replace('`$.', '`')}") from None
        if indicator.key in seen:
            raise ValueError(f"{name}: the key is used twice")
        seen.add(indicator.key)
        indicators.append(indicator)
    return indicators


def read_toml(file: Path, what: str) -> dict[str, Any]:
    """A data file's TOML; a ValueError naming the file when it is unreadable or invalid."""
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{file}: cannot read {what} ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{file}: invalid TOML ({exc})") from None


def level(value: float | None, indicator: Indicator) -> Level:
    """"ok", "warn" or "alarm" for ``value`` against the indicator's thresholds: the one
    home of the rule (the browser receives the result in each indicator card)."""
    if value is None:
        return "ok"
    if indicator.direction == "above":
        return "alarm" if value >= indicator.alarm else "warn" if value >= indicator.warn else "ok"
    return "alarm" if value <= indicator.alarm else "warn" if value <= indicator.warn else "ok"


def public_catalogue(indicators: list[Indicator]) -> list[dict[str, Any]]:
    """What a screen needs of each indicator (no simulator parameters), as JSON data."""
    return [{k: v for k, v in msgspec.structs.asdict(i).items() if k != "sim"} for i in indicators]

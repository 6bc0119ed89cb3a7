"""The district's management units and their stable codes (DESIGN.md, Geography)."""

from __future__ import annotations

DISTRICT_ADCODE = "310105"

#: (code, Chinese name, English name), in the order the wall lists them.
UNITS: tuple[tuple[str, str, str], ...] = (
    ("huayanglu", "华阳路街道", "Huayang Road Sub-district"),
    ("jiangsulu", "江苏路街道", "Jiangsu Road Sub-district"),
    ("xinhualu", "新华路街道", "Xinhua Road Sub-district"),
    ("zhoujiaqiao", "周家桥街道", "Zhoujiaqiao Sub-district"),
    ("tianshanlu", "天山路街道", "Tianshan Road Sub-district"),
    ("xianxiaxincun", "仙霞新村街道", "Xianxia Xincun Sub-district"),
    ("hongqiao", "虹桥街道", "Hongqiao Sub-district"),
    ("chengjiaqiao", "程家桥街道", "Chengjiaqiao Sub-district"),
    ("beixinjing", "北新泾街道", "Beixinjing Sub-district"),
    ("xinjingzhen", "新泾镇", "Xinjing Town"),
    ("linkong", "临空园区", "Linkong Economic Park"),
)

UNIT_CODES: frozenset[str] = frozenset(code for code, _, _ in UNITS)
UNIT_NAMES: dict[str, tuple[str, str]] = {code: (zh, en) for code, zh, en in UNITS}

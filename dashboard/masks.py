"""How personal data is hidden: the masks of personal fields and the scan of free text.
No I/O.

Only dashboard/classify.py calls these (a unit test holds every other module to that):
classify decides *which* fields are masked and which are free text; this module says
*how*.  The same detectors serve both, so a phone looks the same masked in a field and
in a sentence.

Detected in free text (:func:`mask_text`), in this order:

* e-mail addresses (``a***@example.com``);
* 18-digit ID numbers, the last character a digit or ``X`` (``310105************``: the
  area code stays, the birth date and the rest go), and other runs of 12 or more digits
  (bank cards: the last four stay);
* mobile numbers, with or without ``+86``/``0086``/``86``, spaces or dashes
  (``+86 138****5678``), and landlines with their area code (``021-****5678``,
  ``+86 21 ****5678``) or the 8 digits of a Shanghai number alone (``****5678``);
* house, lane, building and room numbers: ``100弄``, ``7号``, ``302室``, ``3号楼``,
  ``2单元``, ``B座``, ``No. 7``, ``Lane 100``, ``Room 302``, ``Apt 5B``, ``3F``, the
  house number before an English road name (``1088 Yuyuan Road``), and the bare numbers
  chained to them (``7号302``, ``100弄7-302``), each chain replaced by ``***``;
* names: before 先生, 女士 or 小姐 (a known surname and up to two more characters:
  ``王丽华女士`` → ``王**女士``; a surname alone, ``张先生``, says no more than a masked
  name field ``张*`` and stays), after a label (联系人, 报警人, 来电人, 求助人, 投诉人,
  举报人, 当事人, 户主, 姓名), and after Mr, Mrs, Ms, Miss, Madam or Dr (each word
  masked: ``Mr. Z**** W**``).

An address field keeps only its places (:func:`mask_address`): the administrative areas
(…省/市/区/县/镇/乡/街道, …District, …Town, …Subdistrict, …City) and the roads (…路, …大道,
…公路, …街, …巷, …Road, …Street, …Avenue, a named …Lane), whatever their order or
language; every number, building, room and name goes.
"""

from __future__ import annotations

import re
from functools import lru_cache

STARS = "***"

# ---------------------------------------------------------------- phones and numbers

_EDGE_BEFORE = r"(?<![0-9A-Za-z*])"
_EDGE_AFTER = r"(?![0-9A-Za-z*])"
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
_ID_NUMBER = re.compile(_EDGE_BEFORE + r"(\d{6})\d{11}[\dXx]" + _EDGE_AFTER)
_LONG_NUMBER = re.compile(_EDGE_BEFORE + r"\d{8,}(\d{4})" + _EDGE_AFTER)
_COUNTRY = r"(?:\(\s*(?:\+|00)?86\s*\)|(?:\+|00)86|86(?=[\s-]?1[3-9]))"
_MOBILE = re.compile(r"(?=[\d(+])" + _EDGE_BEFORE + r"(?P<prefix>" + _COUNTRY + r"[\s-]?)?"
                     r"(?P<number>1[3-9]\d(?:[\s-]?\d{4}){2})" + _EDGE_AFTER)
_LANDLINE = re.compile(
    r"(?=[\d(+])" + _EDGE_BEFORE
    + r"(?P<area>\(?0\d{2,3}\)?[\s-]?|(?:\+|00)86[\s-]?\(?[1-9]\d{1,2}\)?[\s-]?)?"
    r"(?P<local>[2-9]\d{2,3}[\s-]?\d{4})(?P<ext>\s*(?:转|ext\.?|x)\s*\d{1,6})?" + _EDGE_AFTER)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _masked_mobile(match: re.Match[str]) -> str:
    digits = _digits(match["number"])
    return (match["prefix"] or "") + digits[:3] + "****" + digits[-4:]


def _masked_landline(match: re.Match[str]) -> str:
    area, local = match["area"], _digits(match["local"])
    if not area and len(local) < 8:  # 7 digits with no area code: too like any other number
        return match[0]
    return (area or "") + "*" * (len(local) - 4) + local[-4:] + (match["ext"] or "")


def _phones(text: str) -> str:
    text = _MOBILE.sub(_masked_mobile, text)
    return _LANDLINE.sub(_masked_landline, text)


def mask_phone(phone: str | None) -> str | None:
    """A phone field: ``138****5678``, ``+86 138****5678``, ``021-****5678``; a value that
    is no phone number keeps its first three and last four digits at most."""
    if not phone:
        return phone
    value = phone.strip()
    masked = _phones(value)
    if masked != value:
        return masked
    digits = _digits(value)
    if len(digits) < 8:
        return "*" * len(value)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_surname(name: str | None) -> str | None:
    """王**, 欧** : the first character and two stars whatever the length (the wall's
    on-duty-now; the length of a name says too much of it)."""
    return name[0] + "**" if name else name


def mask_name(name: str | None) -> str | None:
    """张*, 欧阳** : keep the first character."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


# ---------------------------------------------------------------- house, lane and room numbers

_NUMBER = r"\d+[A-Za-z]?(?:\s*[-－—/]\s*\d+[A-Za-z]?)*"
_CN_NUMERAL = r"[一二三四五六七八九十百零〇两]+"
_ZH_UNIT = (rf"(?:{_NUMBER}\s*(?:支弄|号楼|号院|号(?!线|航站楼|口)|弄|栋|幢|座|单元|室|层|楼(?!盘))"
            rf"|{_CN_NUMERAL}(?:号楼|号(?![线位])|栋|幢|单元)|[A-Za-z](?:座|栋|幢|区(?=\d)))")
_EN_ROAD = r"(?:Road|Rd|Street|St|Avenue|Ave|Boulevard|Blvd|Highway|Hwy|Way|Drive|Dr|Lane|Ln|Alley)"
_EN_NAME_WORD = r"[A-Z][A-Za-z'’-]*"
_EN_UNIT_WORDS = ("No|Nos|Number|Lane|Ln|Alley|Room|Rm|Apt|Apartment|Unit|Flat|Suite|Ste|Building|Bldg"
                  "|Block|Blk|Floor|Fl|House|Gate")
_EN_UNIT = (
    r"(?:\b(?i:" + _EN_UNIT_WORDS + r")\b\.?\s*#?\s*(?:" + _NUMBER + r"|[A-Z](?![A-Za-z]))"
    r"|#\s*" + _NUMBER +
    r"|\b\d+(?:st|nd|rd|th)?\s*(?:F|Fl|Floor)\b"
    r"|\b\d+[A-Za-z]?(?:\s*[-–]\s*\d+[A-Za-z]?)?"  # a house number before a road's name
    r"(?=,?\s+(?:" + _EN_NAME_WORD + r"\s+){1,4}" + _EN_ROAD + r"\b))"
)
_UNIT = rf"(?:{_ZH_UNIT}|{_EN_UNIT})"
# a chain of them, with the bare numbers written after one (7号302, 100弄7-302)
_CHAIN = rf"(?:[\s,，、;；]*{_UNIT}|{_NUMBER}(?![\d\u4e00-\u9fffA-Za-z.%]))*"
_UNIT_RUN = re.compile(rf"{_UNIT}{_CHAIN}")
# the same chains, by the language their first unit is written in; each starts with a
# lookahead that fails fast where no unit of its language can start
_ZH_RUN = re.compile(rf"(?=[\d一二三四五六七八九十百零〇两]|[A-Za-z][座栋幢区])(?:{_ZH_UNIT}){_CHAIN}")
_EN_RUN = re.compile(rf"(?=[\d#]|(?<![A-Za-z])(?i:{_EN_UNIT_WORDS})\b){_EN_UNIT}{_CHAIN}")
_ZH_HINT = re.compile(r"[号弄栋幢座单室层楼]")
_EN_HINT = re.compile(r"[A-Za-z#]")

# ---------------------------------------------------------------- names

SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫"
    "孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅"
    "童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车"
    "项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛"
    "仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "公孙", "夏侯",
    "端木", "尉迟", "长孙", "宇文", "司徒", "西门", "独孤", "南宫", "轩辕", "申屠",
})
_HAN = "\u4e00-\u9fff"
_BEFORE_TITLE = re.compile(rf"([{_HAN}]{{1,4}})(先生|女士|小姐)")
_LABELS = "联系人|报警人|来电人|求助人|投诉人|举报人|当事人|户主|姓名"
_AFTER_LABEL = re.compile(rf"({_LABELS})([:：\s]*)([{_HAN}]{{2,4}})")
_EN_TITLED = re.compile(r"\b(Mr|Mrs|Ms|Miss|Mx|Madam|Dr)(\.?\s+)([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?)")


def _surname_length(name: str) -> int:
    """How many leading characters of ``name`` are a surname (0: none known)."""
    if name[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if name[:1] in SURNAMES else 0


def _name_before_title(match: re.Match[str]) -> str:
    """The name is the longest tail of the characters before the title that starts with a
    known surname (报警人李明先生 → 李明); no surname, no name that can be told."""
    chars, title = match[1], match[2]
    for start in range(len(chars)):
        tail = chars[start:]
        surname = _surname_length(tail)
        if surname and len(tail) - surname <= 2:
            return chars[:start] + tail[:surname] + "*" * (len(tail) - surname) + title
    return match[0]


def _name_after_label(match: re.Match[str]) -> str:
    label, gap, chars = match[1], match[2], match[3]
    surname = _surname_length(chars)
    if not surname:
        return match[0]
    given = min(2, len(chars) - surname)
    return label + gap + chars[:surname] + "*" * given + chars[surname + given:]


def _names(text: str) -> str:
    text = _BEFORE_TITLE.sub(_name_before_title, text)
    text = _AFTER_LABEL.sub(_name_after_label, text)
    return _EN_TITLED.sub(lambda m: m[1] + m[2] + " ".join(word[0] + "*" * (len(word) - 1)
                                                         for word in m[3].split()), text)


# ---------------------------------------------------------------- free text


@lru_cache(maxsize=65_536)
def mask_text(text: str) -> str:
    """Free text with every personal datum it holds masked (see the module's list)."""
    if "@" in text:
        text = _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}", text)
    if _ANY_DIGIT.search(text):
        text = _ID_NUMBER.sub(lambda m: m[1] + "*" * 12, text)
        text = _phones(text)
        text = _LONG_NUMBER.sub(lambda m: "*" * (len(m[0]) - 4) + m[1], text)
    if _ZH_HINT.search(text):
        text = _ZH_RUN.sub(STARS, text)
    if _EN_HINT.search(text):
        text = _EN_RUN.sub(STARS, text)
    return _names(text) if _NAME_HINT.search(text) else text


_ANY_DIGIT = re.compile(r"\d")
# what every name comes with (a cheap test before the full patterns)
_NAME_HINT = re.compile(rf"先生|女士|小姐|{_LABELS}|\b(?:Mr|Mrs|Ms|Miss|Mx|Madam|Dr)\b")


def mask_free_text(text: str | None) -> str | None:
    return mask_text(text) if isinstance(text, str) and text else text


# ---------------------------------------------------------------- addresses

_ZH_PLACE = re.compile(
    rf"[{_HAN}]+?(?P<end>路街道|街道|大道|公路|路|街|巷|(?P<area>区|市|县|镇|乡|省))"
)
_EN_PLACE = re.compile(
    rf"(?:{_EN_NAME_WORD}\s+){{1,4}}(?:(?P<area>District|Subdistrict|Sub-district|Town|Township|County|City"
    rf"|Province)|{_EN_ROAD}\b\.?(?:\s+(?:North|South|East|West|Middle|Central|[NSEW])\b)?)"
)
_NOT_PLACE = re.compile(rf"{_UNIT_RUN.pattern}|\d+|[^\w'’\s-]")


def mask_address(address: str | None) -> str | None:
    """An exact address cut to its places: ``长宁区天山路123号5室`` → ``长宁区天山路***``,
    ``7号302室（天山路100弄）`` → ``天山路***``, ``Room 302, No. 7, Lane 100, Tianshan Road``
    → ``Tianshan Road***``; an address with no road or area left: ``***``."""
    if not address:
        return address
    pieces = _NOT_PLACE.sub("|", address).split("|")
    kept: list[str] = []
    zh_road_seen = False
    for piece in pieces:
        for match in _ZH_PLACE.finditer(piece):
            if match["area"] and zh_road_seen:
                continue  # after a road, 市 or 区 is a market or a compound, not an area
            zh_road_seen = zh_road_seen or not match["area"]
            kept.append(match[0])
        kept.extend(" ".join(m[0].split()) for m in _EN_PLACE.finditer(piece))
    text = ""
    for place in kept:
        both_zh = text and re.match(f"[{_HAN}]", place) and re.search(f"[{_HAN}]$", text)
        text += place if not text or both_zh else ", " + place
    return text + STARS

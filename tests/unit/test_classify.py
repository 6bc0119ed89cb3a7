"""Classification and masking: every field has a class, the classified projection is the
only way records reach a screen, and a table of address and free-text forms (zh and en)
fixes what the masks keep."""

from __future__ import annotations

import typing

import msgspec
import pytest

from dashboard import classify, records
from dashboard.classify import project
from dashboard.events import PAYLOADS
from dashboard.masks import mask_address, mask_name, mask_phone, mask_text
from tests.unit.test_import_graph import import_graph

# (address as written, what the mask keeps)
ADDRESSES = [
    ("长宁区天山路123号5室", "长宁区天山路***"),
    ("7号302室（天山路100弄）", "天山路***"),
    ("302室7号天山路100弄", "天山路***"),
    ("天山路100弄7号302室", "天山路***"),
    ("上海市长宁区江苏路街道华山路1520弄3号楼2单元501室", "上海市长宁区江苏路街道华山路***"),
    ("长宁区遵义路539号", "长宁区遵义路***"),
    ("仙霞新村12号", "***"),
    ("虹桥路2号", "虹桥路***"),
    ("天山路菜市场旁", "天山路***"),
    ("新泾镇哈密路1955号B座", "新泾镇哈密路***"),
    ("延安西路２２０１号", "延安西路***"),
    ("Room 302, No. 7, Lane 100, Tianshan Road", "Tianshan Road***"),
    ("No.7 Lane 100 Tianshan Rd", "Tianshan Rd***"),
    ("1088 Yuyuan Road, Changning District, Shanghai", "Yuyuan Road, Changning District***"),
    ("Apt 5B, 88 West Yan'an Road (Changning)", "West Yan'an Road***"),
    ("Flat 3, Building 12, Lane 1500, Hongqiao Road", "Hongqiao Road***"),
    ("Hongqiao Road No. 1, 3F", "Hongqiao Road***"),
    ("Room 302", "***"),
    ("天山路 Lane 100 No. 7", "天山路***"),
]

# (free text as an event or a person wrote it, what a screen shows)
TEXTS = [
    ("长宁区遵义路539号：居民反映漏水", "长宁区遵义路***：居民反映漏水"),
    ("天山路100弄7号302室楼上漏水", "天山路***楼上漏水"),
    ("天山路100弄7号302，2人受伤", "天山路***，2人受伤"),
    ("3号楼2单元电梯故障", "***电梯故障"),
    ("地铁5号线停运", "地铁5号线停运"),
    ("虹桥1号航站楼站2号口客流大", "虹桥1号航站楼站2号口客流大"),
    ("Water leaking at Room 302, No. 7, Lane 100, Tianshan Road", "Water leaking at ***, Tianshan Road"),
    ("Gas smell near 1088 Yuyuan Road", "Gas smell near *** Yuyuan Road"),
    ("来电13812345678反映噪声", "来电138****5678反映噪声"),
    ("电话 +86 138-1234-5678", "电话 +86 138****5678"),
    ("call +86 139 1234 5678 now", "call +86 139****5678 now"),
    ("号码8613812345678", "号码86138****5678"),
    ("(+86)13812345678", "(+86)138****5678"),
    ("座机021-62345678转123", "座机021-****5678转123"),
    ("请拨(021)62345678", "请拨(021)****5678"),
    ("物业电话62345678", "物业电话****5678"),
    ("+86 21 6234 5678", "+86 21 ****5678"),
    ("热线12345已派单", "热线12345已派单"),
    ("身份证号31010519800101123X", "身份证号310105************"),
    ("ID 310105198001011234 verified", "ID 310105************ verified"),
    ("卡号6222021234567890123", "卡号***************0123"),
    ("王丽华女士反映噪声", "王**女士反映噪声"),
    ("报警人李明先生称家中漏水", "报警人李*先生称家中漏水"),
    ("张先生反映噪声", "张先生反映噪声"),
    ("欧阳娜娜女士来电", "欧阳**女士来电"),
    ("各位女士请注意", "各位女士请注意"),
    ("联系人：张伟，电话13912345678", "联系人：张*，电话139****5678"),
    ("Mr. Zhang Wei called", "Mr. Z**** W** called"),
    ("Ms Li reported it", "Ms L* reported it"),
    ("邮箱 wang.li@example.com", "邮箱 w***@example.com"),
    ("积水深约30厘米，已设置围挡", "积水深约30厘米，已设置围挡"),
    ('<img src=x onerror="alert(1)">积水', '<img src=x onerror="alert(1)">积水'),
]


@pytest.mark.parametrize(("address", "kept"), ADDRESSES)
def test_an_address_keeps_only_its_road_or_area(address: str, kept: str) -> None:
    """Whatever the order or language: the places stay, every number and building goes."""
    assert mask_address(address) == kept


@pytest.mark.parametrize(("text", "shown"), TEXTS)
def test_free_text_is_scanned_for_personal_data(text: str, shown: str) -> None:
    """Phones, landlines, ID numbers, house and room numbers and names are masked in free text."""
    assert mask_text(text) == shown


def test_the_table_has_thirty_forms_in_both_languages() -> None:
    """The behaviour is fixed by at least 30 forms, Chinese and English."""
    forms = [form for form, _ in ADDRESSES + TEXTS]
    assert len(forms) >= 30
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in form) for form in forms) >= 15
    assert sum(form.isascii() for form in forms) >= 10


def test_field_masks() -> None:
    """Phone and name fields keep what a person needs to tell records apart, no more."""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "+86 138****5678"
    assert mask_phone("021-62345678") == "021-****5678"
    assert mask_phone("12345") == "*****"
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***"


def test_every_field_of_every_event_type_is_classified() -> None:
    """A new payload field cannot slip out unclassified."""
    for event_type, payload in PAYLOADS.items():
        fields = {f.encode_name for f in msgspec.structs.fields(payload)}  # the wire names
        classified = set(classify.CLASSIFICATION[event_type])
        assert fields <= classified, (event_type, fields - classified)
        assert set(classify.CLASSIFICATION[event_type].values()) <= set(classify.CLASSES)


RECORD_TYPES = {"camera": records.VideoRecord, "incident": records.IncidentRecord,
                "step": records.TimelineEntry, "ticket": records.TicketRecord, "sensor": records.SensorRecord,
                "alarm": records.AlarmRecord, "ack": records.AckRecord, "decision": records.InboxDecision,
                "duty": records.DutyRecord, "rejection": records.Rejection,
                "series": records.IndicatorSeries}


@pytest.mark.parametrize("kind", sorted(RECORD_TYPES))
def test_every_field_of_every_record_is_classified(kind: str) -> None:
    """The reducer's records (dashboard/records.py) are classified field by field."""
    assert set(typing.get_type_hints(RECORD_TYPES[kind])) == set(classify.RECORDS[kind])
    assert {cls for cls in classify.RECORDS[kind].values() if isinstance(cls, str)} <= set(classify.CLASSES)


@pytest.mark.parametrize(("kind", "event_type"), [
    ("incident", "incident.reported"), ("ticket", "hotline.ticket"), ("duty", "duty.shift"),
    ("alarm", "sensor.alarm")])
def test_records_keep_their_events_classes(kind: str, event_type: str) -> None:
    """A field is personal or free text in the record exactly when it is in its event."""
    # a ticket also keeps what its steps wrote (the reply)
    event_types = (event_type, "hotline.replied") if kind == "ticket" else (event_type,)
    for cls in (classify.PERSONAL, classify.TEXT):
        in_event = {name for t in event_types for name, c in classify.CLASSIFICATION[t].items()
                    if c == cls and (t == event_type or name in classify.RECORDS[kind])}
        in_record = {name for name, c in classify.RECORDS[kind].items() if c == cls}
        assert in_event == in_record, (kind, cls)


def test_the_projection_masks_scans_and_withholds() -> None:
    """Personal fields masked, free text scanned, unnamed and producer-added fields not sent."""
    ticket = {"id": "t1", "caller_name": "欧阳娜娜", "caller_phone": "13812345678",
              "address": "长宁区天山路123号5室", "summary": "王丽华女士13912345678反映噪声",
              "caller_id_number": "31010519800101123X"}
    shown = project("ticket", ticket, ("id", "caller_name", "caller_phone", "address", "summary"))
    assert shown == {"id": "t1", "caller_name": "欧***", "caller_phone": "138****5678",
                     "address": "长宁区天山路***", "summary": "王**女士139****5678反映噪声"}
    assert "31010519800101123X" not in str(project("ticket", ticket))
    with pytest.raises(KeyError):
        project("ticket", ticket, ("caller_id_number",))
    incident = {"id": "i1", "timeline": [{"step": "acknowledged", "note": "已联系13812345678"}],
                "description": "遵义路539号"}
    detail = project("incident", incident, ("timeline", "description"))
    assert detail["timeline"][0]["note"] == "已联系138****5678"
    assert detail["description"] == "遵义路***"
    alarm = {"id": "a1", "acked": {"by": "li", "ts": 1, "comment": "通知户主王小明"}}
    assert project("alarm", alarm, ("acked",))["acked"]["comment"] == "通知户主王**"
    assert classify.can_reveal("ticket", "caller_phone") and not classify.can_reveal("ticket", "summary")
    assert not classify.can_reveal("camera", "name")


def test_only_classify_reaches_the_masks() -> None:
    """Masking has one door: no module but dashboard/classify.py imports dashboard/masks.py."""
    importers = {module for module, targets in import_graph().items() if "dashboard.masks" in targets}
    assert importers == {"dashboard.classify"}

"""Every label of the screens in Chinese (default) and English.  Pure data.

Layouts take their static labels from :func:`t`; the browser client receives
:func:`client_strings` once (from /api/wall-config) for what it renders itself (domains,
statuses, ages, banners).  Units of indicators come from the indicator catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard import levels
from dashboard.units import UNIT_NAMES, UNITS

LANGS = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "title": ("长宁区城市运行 · 一屏观", "Changning City Operations · One Screen"),
    "subtitle": ("城运中心 指挥大屏", "Command Centre Wall"),
    "vital_signs": ("城市生命体征", "City Vital Signs"),
    "dim.safety": ("平安", "Safety"),
    "dim.green": ("绿色", "Green"),
    "dim.vitality": ("活力", "Vitality"),
    "dim.health": ("健康", "Health"),
    "feed": ("实时事件与告警", "Live Incidents & Alarms"),
    "hotline": ("12345 市民热线 · 今日", "12345 Citizen Hotline · Today"),
    "hotline.new": ("新增", "New"),
    "hotline.open": ("办理中", "In progress"),
    "hotline.overdue": ("超时", "Overdue"),
    "hotline.satisfaction": ("满意率", "Satisfaction"),
    "video": ("视频点位在线率", "Video Points Online"),
    "video.district": ("全区", "District"),
    "map.layers": ("图层", "Layers"),
    "map.video": ("视频点位", "Video points"),
    "map.incidents": ("事件", "Incidents"),
    "map.sensors": ("物联感知", "IoT sensors"),
    "map.streets": ("街镇（近似边界）", "Streets (approximate areas)"),
    "status.online": ("在线", "Online"),
    "status.offline": ("离线", "Offline"),
    "status.fault": ("故障", "Fault"),
    "status.stale": ("失联", "Stale"),
    "status.stale.help": ("超时未上报", "No report for too long"),
    "live.live": ("实时", "Live"),
    "live.delayed": ("延迟 {s} 秒", "Delayed {s} s"),
    "live.disconnected": ("已断开", "Disconnected"),
    "live.connecting": ("连接中", "Connecting"),
    "stale": ("数据过期", "Stale"),
    "warn": ("预警", "Warning"),
    "alarm": ("告警", "Alarm"),
    "ok": ("正常", "Normal"),
    "summary.warn_alarm": ("{w} 预警 · {a} 告警", "{w} warn · {a} alarm"),
    "summary.all_ok": ("全部正常", "All normal"),
    "age.now": ("刚刚", "just now"),
    "age.s": ("{n} 秒前", "{n} s ago"),
    "age.min": ("{n} 分钟前", "{n} min ago"),
    "age.h": ("{n} 小时前", "{n} h ago"),
    "age.d": ("{n} 天前", "{n} d ago"),
    "domain.epidemic": ("疫情防控", "Epidemic"),
    "domain.crowd": ("人群聚集", "Crowds"),
    "domain.pipeline": ("管网运行", "Pipelines"),
    "domain.waterway": ("河道水域", "Waterways"),
    "domain.care": ("为老服务", "Elderly care"),
    "domain.antifraud": ("反诈防骗", "Anti-fraud"),
    "domain.environment": ("生态环境", "Environment"),
    "domain.safety": ("安全生产", "Work safety"),
    "incident.reported": ("发现", "Reported"),
    "incident.acknowledged": ("立案", "Registered"),
    "incident.dispatched": ("派单", "Dispatched"),
    "incident.resolved": ("处置", "Handled"),
    "incident.verified": ("核查", "Verified"),
    "incident.closed": ("结案", "Closed"),
    "alarm.sensor": ("物联告警", "Sensor alarm"),
    "sensor.water_level": ("水位", "Water level"),
    "sensor.manhole": ("井盖", "Manhole"),
    "sensor.gas": ("燃气", "Gas"),
    "sensor.smoke": ("烟感", "Smoke"),
    "sensor.crowd": ("客流", "Crowd"),
    "banner.flood": (
        "告警激增：10 分钟内 {n} 条（其中严重 {s} 条）",
        "Alarm flood: {n} in 10 min ({s} severe)",
    ),
    "district": ("全区", "District"),
    "approximate": ("街镇边界为近似划分", "Street areas are approximate"),
    "map.indicator": ("街镇着色：{name}", "Streets coloured by: {name}"),
    "no_items": ("暂无", "None"),
    "weekday": ("日一二三四五六", "Sun,Mon,Tue,Wed,Thu,Fri,Sat"),
    # the wall's truth (#11): dimension headers, pins, the flood, layouts (one block)
    "summary.incidents": ("事件 {n}", "Incidents {n}"),
    "summary.alarms": ("告警 {n}", "Alarms {n}"),
    "summary.warnings": ("预警 {n}", "Warnings {n}"),
    "pin.unacked": ("未确认 {n} 分钟", "Unacknowledged {n} min"),
    "banner.incident": ("{level}事件", "{level} incident"),
    "banner.alarm": ("{level}告警", "{level} alarm"),
    "layout.token": ("此大屏令牌固定为 {used} 布局，地址中的 wall={asked} 未采用",
                     "This wall's token fixes the {used} layout: wall={asked} in the URL is not used"),
    "layout.unknown": ("未知布局 wall={asked}，按 {used} 显示",
                       "Unknown layout wall={asked}: showing {used}"),
    "scope.street": ("· {name}", "· {name}"),
    # the officers' console
    "console.title": ("长宁区城市运行 · 一屏管", "Changning City Operations · Console"),
    "console.officer": ("值班员", "Officer"),
    "console.logout": ("退出", "Sign out"),
    "console.scope": ("管辖范围：{scope}", "Scope: {scope}"),
    "reveal.title": ("个人信息已脱敏 · 查看须说明事由（留痕）",
                     "Personal data is masked · reveal with a reason (audited)"),
    "reveal.field": ("字段", "Field"),
    "reveal.reason": ("调阅事由（必填）", "Reason (required)"),
    "reveal.button": ("查看", "Reveal"),
    "reveal.need_reason": ("请填写调阅事由", "Give a reason"),
    "reveal.shown": ("{field}：{value}（已记录调阅）", "{field}: {value} (this look is recorded)"),
    "reveal.unaudited": ("审计日志暂不可写，未显示", "The audit trail cannot be written: nothing shown"),
    "field.address": ("地址", "Address"),
    "field.caller_name": ("来电人", "Caller"),
    "field.caller_phone": ("来电号码", "Caller phone"),
    "field.phone": ("电话", "Phone"),
    "ticket.title": ("12345 工单 {id}", "12345 ticket {id}"),
    "ticket.category": ("类别", "Category"),
    "ticket.summary": ("诉求", "Complaint"),
    "ticket.status": ("状态", "Status"),
    "ticket.created": ("受理时间", "Received"),
    "admin.title": ("长宁区城市运行 · 安全运营", "Changning City Operations · Security"),
    "admin.nav": ("安全运营 · 审计留痕", "Security operations · audit trail"),
    "admin.risk": ("风险与健康", "Risk and health"),
    "admin.denials": ("最近拒绝的请求", "Recently refused requests"),
    "admin.audit": ("审计日志（调阅留痕）", "Audit trail"),
    "risk.login_failed": ("登录失败", "Failed sign-ins"),
    "risk.login_locked": ("登录锁定", "Sign-ins locked"),
    "risk.denied": ("拒绝请求", "Refused requests"),
    "risk.rate_limited": ("限流命中", "Rate-limit hits"),
    "risk.dead": ("死信事件", "Dead-lettered events"),
    "risk.bridge_errors": ("发布写入重试", "Pub/sub write retries"),
    "risk.spool": ("审计待写（本地缓存）", "Audit entries spooled"),
    "risk.refused": ("审计拒写", "Audit entries refused"),
    "risk.lag": ("接入延迟", "Ingest lag"),
    "risk.redis": ("Redis", "Redis"),
    "risk.clients": ("在线连接（按角色）", "Live clients by role"),
    "risk.reveals": ("个人信息调阅", "Personal-data reveals"),
    "audit.time": ("时间", "Time"),
    "audit.who": ("用户", "Who"),
    "audit.role": ("角色", "Role"),
    "audit.action": ("操作", "Action"),
    "audit.target": ("对象", "Target"),
    "audit.outcome": ("结果", "Outcome"),
    "audit.detail": ("说明", "Detail"),
    "audit.ip": ("来源地址", "From"),
    "audit.csv": ("导出 CSV", "Export CSV"),
    "forbidden": ("当前身份无权访问此页面", "Your role may not open this page"),
    "visitor.counts": ("在办事件（按领域）", "Open cases by domain"),
    "visitor.alarms": ("未确认告警 {n} 条", "{n} unacknowledged alarms"),
    "visitor.note": ("参观模式 · 仅展示汇总数据", "Visitor mode · aggregates only"),
    "console.search": ("搜索：事件编号、工单号、点位名称、地址", "Search: incident, ticket, camera, address"),
    "console.domains": ("领域", "Domains"),
    "console.severities": ("等级", "Severity"),
    "console.statuses": ("状态", "Status"),
    "console.since": ("时间", "Time"),
    "since.1h": ("1小时", "1 h"),
    "since.24h": ("24小时", "24 h"),
    "since.7d": ("7天", "7 days"),
    "since.all": ("全部", "All"),
    "console.streets": ("街镇", "Streets & towns"),
    "tab.incidents": ("事件", "Incidents"),
    "tab.inbox": ("告警", "Alarms"),
    "tab.cameras": ("视频", "Cameras"),
    "tab.tickets": ("12345", "12345"),
    "tab.duty": ("值班", "Duty"),
    "export": ("导出 CSV", "Export CSV"),
    "col.id": ("编号", "ID"),
    "col.title": ("标题", "Title"),
    "col.domain": ("领域", "Domain"),
    "col.severity": ("等级", "Severity"),
    "col.street": ("街镇", "Street"),
    "col.status": ("状态", "Status"),
    "col.reported": ("发现时间", "Reported"),
    "col.unit": ("处置单位", "Unit"),
    "col.deadline": ("时限", "Deadline"),
    "col.name": ("名称", "Name"),
    "col.kind": ("类型", "Kind"),
    "col.down": ("离线时长", "Down for"),
    "col.last": ("最后上报", "Last report"),
    "col.category": ("类别", "Category"),
    "col.summary": ("诉求", "Request"),
    "col.caller": ("来电人", "Caller"),
    "col.phone": ("电话", "Phone"),
    "col.address": ("地址", "Address"),
    "col.created": ("受理时间", "Received"),
    "col.overdue": ("超时", "Overdue"),
    "deadline.ok": ("正常", "On time"),
    "deadline.near": ("临期", "Due soon"),
    "deadline.overdue": ("超期", "Overdue"),
    "deadline.done": ("—", "—"),
    "stage.acknowledge": ("立案", "register"),
    "stage.dispatch": ("派单", "dispatch"),
    "stage.resolve": ("处置", "resolve"),
    "action.acknowledge": ("立案", "Register"),
    "action.dispatch": ("派单", "Dispatch"),
    "action.note": ("备注", "Add note"),
    "action.escalate": ("升级", "Escalate"),
    "action.resolve": ("处置完成", "Mark handled"),
    "action.verify": ("核查通过", "Verify"),
    "action.close": ("结案", "Close"),
    "action.reopen": ("重新打开", "Reopen"),
    "action.unit": ("派往单位", "Dispatch to"),
    "action.note_text": ("处置说明 / 备注", "Note"),
    "action.new_severity": ("升级为", "Escalate to"),
    "action.done": ("已完成：{what}", "Done: {what}"),
    "action.refused": ("未执行：{reason}", "Refused: {reason}"),
    "detail.timeline": ("处置时间线", "Timeline"),
    "detail.history": ("状态历史", "Status history"),
    "detail.readings": ("近期读数", "Recent readings"),
    "detail.down_for": ("已离线 {d}", "Down for {d}"),
    "detail.version": ("版本 {v}", "version {v}"),
    "detail.unit": ("处置单位：{unit}", "unit: {unit}"),
    "detail.deadline": ("待{stage}，时限 {due}（{state}）", "To {stage} by {due} ({state})"),
    "detail.not_found": ("未找到：{what}", "Not found: {what}"),
    "inbox.ack": ("确认", "Acknowledge"),
    "inbox.comment": ("确认说明", "Comment"),
    "inbox.shelve": ("搁置", "Shelve"),
    "inbox.reason": ("搁置原因", "Reason"),
    "inbox.minutes": ("搁置时长", "For"),
    "inbox.select": ("先在列表中选择一条告警", "Select an alarm in the list first"),
    "inbox.shelved": ("已搁置 {n} 条", "{n} shelved"),
    "inbox.kind.sensor": ("物联告警", "Sensor"),
    "inbox.kind.camera": ("视频离线", "Camera down"),
    "inbox.kind.indicator": ("体征告警", "Indicator"),
    "inbox.kind.source": ("数据源", "Source"),
    "inbox.kind.anomaly": ("预知研判", "Early warning"),
    "sensor.anomaly": ("预知研判", "Early warning"),
    "admin.sources": ("数据源（接入系统）", "Feeding systems"),
    "admin.source": ("数据源", "Source"),
    "admin.source_status": ("状态", "Health"),
    "admin.source_hour": ("上一整点小时 / 通常", "Last full hour / usual"),
    "admin.source_feeds": ("供给", "Feeds"),
    "admin.source_ago": ("{when}（{s} 秒前）", "{when} ({s} s ago)"),
    "source.status.ok": ("正常", "OK"),
    "source.status.silent": ("静默", "Silent"),
    "source.status.collapsing": ("骤降", "Collapsing"),
    "source.status.not_connected": ("未接入", "Not connected"),
    "source.status.unlisted": ("未登记", "Not listed"),
    "source.family.video": ("视频", "video"),
    "source.family.indicator": ("体征", "indicators"),
    "source.family.sensor": ("物联", "sensors"),
    "source.family.hotline": ("12345", "12345"),
    "source.family.incident": ("事件", "incidents"),
    "source.family.duty": ("值班", "duty"),
    "source.family.alarm": ("告警处置", "alarm handling"),
    "source.silent_since": ("数据源静默：{names} 自 {since} 起无数据",
                            "Source silent: {names}, nothing since {since}"),
    "source.silent_short": ("源静默 {since} 起", "Silent since {since}"),
    "list.separator": ("、", ", "),
    "inbox.out_of_service": ("停用检修", "Out of service"),
    "inbox.in_service": ("恢复服务", "Return to service"),
    "inbox.acknowledged_title": ("已确认、仍在告警（{n}）", "Acknowledged, still active ({n})"),
    "inbox.out_of_service_title": ("停用检修（{n}）", "Out of service ({n})"),
    "inbox.marks": ("持续超{h}小时 {stale} 条 · 频繁报警 {chattering} 条",
                    "{stale} active over {h} h · {chattering} chattering"),
    "alarmload.title": ("告警负荷 · ISA-18.2", "Alarm load · ISA-18.2"),
    "alarmload.about": ("按值班席位（区中心，或本街镇）统计告警负荷，对照 ISA-18.2 / EEMUA 191 的目标；"
                        "数据来自历史库，每分钟更新。",
                        "The alarm load of your duty seat (the district centre, or your street's) against "
                        "the ISA-18.2 / EEMUA 191 targets, from the history archive, every minute."),
    "alarmload.days": ("近 {n} 天", "{n}-day"),
    "alarmload.alarms": ("告警总数", "Alarms"),
    "alarmload.per_10_min": ("每10分钟告警（平均 / 最高）", "Per 10 minutes (mean / highest)"),
    "alarmload.per_hour": ("每小时告警（平均 / 最高）", "Per hour (mean / highest)"),
    "alarmload.flood": ("泛滥时间（10分钟内超过10条）", "Time in flood (more than 10 in 10 minutes)"),
    "alarmload.top_share": ("前10个来源占比", "Share of the top 10 sources"),
    "alarmload.chattering": ("频繁报警（1分钟内复发3次）", "Chattering (3 re-activations within a minute)"),
    "alarmload.stale": ("长期告警（持续超24小时）", "Stale (active over 24 h)"),
    "alarmload.priorities": ("优先级 高 / 中 / 低", "Priorities high / medium / low"),
    "alarmload.target.none": ("每次报警都计入（含复发）", "Every annunciation, re-activations included"),
    "alarmload.target.per_10_min": ("目标：约1条/10分钟（2条尚可）",
                                    "Target: about 1 per 10 min (2 manageable)"),
    "alarmload.target.per_hour": ("目标：平均不超过6条/小时", "Target: at most 6 an hour on average"),
    "alarmload.target.flood": ("目标：低于时段的1%", "Target: under 1 % of the period"),
    "alarmload.target.top_share": ("目标：不超过5%", "Target: at most 5 %"),
    "alarmload.target.chattering": ("目标：0", "Target: none"),
    "alarmload.target.stale": ("目标：每天少于5条", "Target: fewer than 5 a day"),
    "alarmload.target.priorities": ("目标：约 5% / 15% / 80%", "Target: about 5 % / 15 % / 80 %"),
    "alarmload.met": ("达标", "Met"),
    "alarmload.missed": ("未达标", "Not met"),
    "alarmload.minutes": ("{m} 分钟 · {p} · {n} 次", "{m} min · {p} · {n} floods"),
    "alarmload.hourly": ("每小时告警数", "Alarms per hour"),
    "alarmload.sources": ("告警最多的10个来源", "Top 10 alarm sources"),
    "alarmload.col.source": ("来源", "Source"),
    "alarmload.col.kind": ("类型", "Kind"),
    "alarmload.col.street": ("街镇", "Street"),
    "alarmload.col.alarms": ("告警数", "Alarms"),
    "alarmload.col.share": ("占比", "Share"),
    "alarmload.updated": ("{seat} · {computed} 更新", "{seat} · updated {computed}"),
    "alarmload.link": ("告警负荷", "Alarm load"),
    "alarm.state.unacknowledged": ("未确认", "Unacknowledged"),
    "alarm.state.acknowledged": ("已确认", "Acknowledged"),
    "alarm.state.cleared_unacknowledged": ("已恢复·待确认", "Back to normal, unacknowledged"),
    "alarm.state.normal": ("已恢复", "Back to normal"),
    "alarm.chattering": ("频繁报警 ×{n}", "Chattering ×{n}"),
    "alarm.stale": ("持续超{h}小时", "Active over {h} h"),
    "overview.open": ("在办事件", "Open incidents"),
    "overview.near": ("临期", "Due soon"),
    "overview.overdue": ("超期", "Overdue"),
    "overview.sensors": ("物联设备", "Sensors"),
    "overview.cameras": ("视频点位", "Cameras"),
    "duty.center": ("中心", "Centre"),
    "duty.post": ("岗位", "Post"),
    "duty.name": ("姓名", "Name"),
    "duty.phone": ("电话", "Phone"),
    "duty.shift": ("班次", "Shift"),
    # AG Grid's own texts (pager, filters, menus): the grids' localeText, by AG Grid key
    "grid.page": ("页", "Page"),
    "grid.to": ("到", "to"),
    "grid.of": ("共", "of"),
    "grid.more": ("更多", "more"),
    "grid.next": ("下一页", "Next"),
    "grid.last": ("末页", "Last"),
    "grid.first": ("首页", "First"),
    "grid.previous": ("上一页", "Previous"),
    "grid.nextPage": ("下一页", "Next page"),
    "grid.lastPage": ("末页", "Last page"),
    "grid.firstPage": ("首页", "First page"),
    "grid.previousPage": ("上一页", "Previous page"),
    "grid.pageLastRowUnknown": ("?", "?"),
    "grid.loadingOoo": ("加载中…", "Loading…"),
    "grid.noRowsToShow": ("暂无记录", "No rows to show"),
    "grid.filterOoo": ("筛选…", "Filter…"),
    "grid.searchOoo": ("搜索…", "Search…"),
    "grid.selectAll": ("全选", "Select all"),
    "grid.equals": ("等于", "Equals"),
    "grid.notEqual": ("不等于", "Does not equal"),
    "grid.contains": ("包含", "Contains"),
    "grid.notContains": ("不包含", "Does not contain"),
    "grid.startsWith": ("开头是", "Begins with"),
    "grid.endsWith": ("结尾是", "Ends with"),
    "grid.blank": ("为空", "Blank"),
    "grid.notBlank": ("不为空", "Not blank"),
    "grid.lessThan": ("小于", "Less than"),
    "grid.greaterThan": ("大于", "Greater than"),
    "grid.lessThanOrEqual": ("小于等于", "Less than or equal to"),
    "grid.greaterThanOrEqual": ("大于等于", "Greater than or equal to"),
    "grid.inRange": ("介于", "Between"),
    "grid.inRangeStart": ("从", "From"),
    "grid.inRangeEnd": ("到", "To"),
    "grid.andCondition": ("且", "AND"),
    "grid.orCondition": ("或", "OR"),
    "grid.applyFilter": ("应用", "Apply"),
    "grid.resetFilter": ("重置", "Reset"),
    "grid.clearFilter": ("清除", "Clear"),
    "grid.cancelFilter": ("取消", "Cancel"),
    "grid.textFilter": ("文本筛选", "Text filter"),
    "grid.numberFilter": ("数字筛选", "Number filter"),
    "grid.dateFilter": ("日期筛选", "Date filter"),
    "grid.pageSizeSelectorLabel": ("每页条数：", "Page size:"),
    "grid.ariaPageSizeSelectorLabel": ("每页条数", "Page size"),
    "grid.sortAscending": ("升序", "Sort ascending"),
    "grid.sortDescending": ("降序", "Sort descending"),
    "grid.sortUnSort": ("取消排序", "Clear sort"),
    "grid.pinColumn": ("固定列", "Pin column"),
    "grid.autosizeThiscolumn": ("自动调整此列", "Autosize this column"),
    "grid.autosizeAllColumns": ("自动调整所有列", "Autosize all columns"),
    "grid.resetColumns": ("重置列", "Reset columns"),
    "grid.columns": ("列", "Columns"),
    "grid.filters": ("筛选", "Filters"),
    "grid.export": ("导出", "Export"),
    "grid.csvExport": ("导出 CSV", "CSV export"),
    # Dash's dropdown texts (its menu's search, select-all, counts): dcc.Dropdown labels
    "dropdown.select_all": ("全选", "Select all"),
    "dropdown.deselect_all": ("全不选", "Deselect all"),
    "dropdown.selected_count": ("已选 {num_selected} 项", "{num_selected} selected"),
    "dropdown.search": ("搜索", "Search"),
    "dropdown.clear_search": ("清除搜索", "Clear search"),
    "dropdown.clear_selection": ("清除选择", "Clear selection"),
    "dropdown.no_options_found": ("无匹配选项", "No options found"),
    "hotline.status.new": ("新建", "New"),
    "hotline.status.registered": ("待派单", "To dispatch"),
    "hotline.status.dispatched": ("已派单", "Dispatched"),
    "hotline.status.signed": ("已签收", "Signed"),
    "hotline.status.replied": ("已办结", "Replied"),
    "hotline.status.visited": ("已回访", "Called back"),
    "hotline.status.closed": ("已结案", "Closed"),
    "hotline.verb.dispatch": ("派单", "dispatch"),
    "hotline.verb.sign": ("签收", "sign for"),
    "hotline.verb.reply": ("办结", "reply to"),
    "hotline.verb.visit": ("回访", "call back"),
    "hotline.verb.close": ("结案", "close"),
    "hotline.verb.return": ("退单", "return"),
    "hotline.verb.extend": ("申请延期", "ask to extend"),
    "hotline.verb.decide": ("审批延期", "decide the extension of"),
    "hotline.verb.reopen": ("重办", "reopen"),
    "hotline.result.satisfied": ("满意", "Satisfied"),
    "hotline.result.basic": ("基本满意", "Basically satisfied"),
    "hotline.result.unsatisfied": ("不满意", "Unsatisfied"),
    "ticket.button.dispatch": ("派单", "Dispatch"),
    "ticket.button.sign": ("签收", "Sign for"),
    "ticket.button.reply": ("办结", "Reply"),
    "ticket.button.visit": ("回访", "Call back"),
    "ticket.button.close": ("结案", "Close"),
    "ticket.button.return": ("退单", "Return"),
    "ticket.button.extend": ("申请延期", "Ask to extend"),
    "ticket.button.approve": ("同意延期", "Approve extension"),
    "ticket.button.deny": ("不同意延期", "Refuse extension"),
    "ticket.button.reopen": ("重办", "Reopen"),
    "ticket.text": ("答复、原因或备注", "Reply, reason or note"),
    "ticket.unit": ("承办单位", "Unit"),
    "ticket.result": ("回访结果", "Callback result"),
    "ticket.until": ("延期至（YYYY-MM-DD）", "Extend until (YYYY-MM-DD)"),
    "ticket.deadline": ("办理时限", "Deadline"),
    "ticket.urgency": ("紧急程度", "Urgency"),
    "ticket.urgency.1": ("紧急", "Emergency"),
    "ticket.urgency.2": ("急", "Urgent"),
    "ticket.urgency.3": ("普通", "Normal"),
    "ticket.handling_unit": ("承办单位", "Handled by"),
    "ticket.reply": ("答复", "Reply"),
    "ticket.callback": ("回访", "Callback"),
    "ticket.extension_requested": ("延期申请至", "Extension asked until"),
    "ticket.extended_until": ("已延期至", "Extended until"),
    "ticket.step.registered": ("受理", "Registered"),
    "ticket.step.status": ("12345 系统更新", "12345 system update"),
    "ticket.step.dispatched": ("派单", "Dispatched"),
    "ticket.step.signed": ("签收", "Signed"),
    "ticket.step.replied": ("办结", "Replied"),
    "ticket.step.visited": ("回访", "Called back"),
    "ticket.step.closed": ("结案", "Closed"),
    "ticket.step.returned": ("退单", "Returned"),
    "ticket.step.extension": ("延期", "Extension"),
    "ticket.step.reopened": ("重办", "Reopened"),
    "ticket.approved": ("同意", "approved"),
    "ticket.denied": ("不同意", "refused"),
    "ticket.flag.near": ("临期", "Due soon"),
    "ticket.flag.overdue": ("超期", "Overdue"),
    "col.due_flag": ("临期/超期", "Due"),
    # the sign-in pages (dashboard/login_page.py), served before any session exists
    "login.title": ("长宁城运 · 一屏观 一屏管", "Changning City Operations"),
    "login.sub": ("统一身份认证 · 零信任访问", "Single sign-on · zero-trust access"),
    "login.user": ("用户名", "User name"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("用户名或密码错误。多次失败后登录将被延迟并记录。",
        "Wrong user name or password. Repeated failures are slowed and recorded."),
    "login.locked": ("失败次数过多，已暂时锁定，请稍后再试或联系管理员。",
        "Too many failures: sign-in is locked for a while. Try later or ask an admin."),
    "login.csrf": ("页面已过期，请重新提交。", "The page expired; please submit again."),
    "login.note": ("所有访问与个人信息调阅均留痕审计。",
                   "Every access and every look at personal data is audited."),
    "login.visitor": ("以访客身份参观（仅汇总数据）", "Continue as a visitor (aggregates only)"),
    "login.phone": ("手机处理 12345 工单", "12345 work orders on a phone"),
    "login.logout": ("退出登录", "Sign out"),
    "login.logout_q": ("确定退出当前账号？", "Sign out of this account?"),
    "login.forbidden": ("无权访问", "Not allowed"),
    "login.forbidden_body": ("当前身份（{who}）无权访问 {path}。", "Your role ({who}) may not open {path}."),
    "login.home": ("返回首页", "Home"),
    "login.switch": ("切换账号", "Switch account"),
    "login.or": ("或", "or"),
    "login.wecom": ("政务微信登录", "Sign in with 政务微信 (WeCom)"),
    "login.wecom_again": ("重新进行政务微信登录", "Sign in with WeCom again"),
    "login.wecom_password": ("使用用户名和密码登录", "Sign in with user name and password"),
    "login.wecom_state": ("登录请求已过期或无效（可能等待过久，或不是从本页面发起），"
                          "请重新进行政务微信登录。",
                          "The sign-in request expired or is not valid (it waited too long, or did not start "
                          "here); please sign in with WeCom again."),
    "login.wecom_refused": ("政务微信未能确认您是本单位成员（授权码无效、已过期，"
                            "或不是本单位通讯录中的成员），请重试。",
                            "WeCom did not confirm you as a member of the organisation (the code was not "
                            "valid, had expired, or you are not in its directory); please try again."),
    "login.wecom_unknown": ("您的政务微信账号尚未关联本系统用户，或所关联的用户已停用。请联系管理员。",
                            "Your WeCom account is linked to no user of this system, or that user is "
                            "disabled. Please ask an administrator."),
    "login.wecom_down": ("暂时无法连接政务微信，请稍后再试，或使用用户名和密码登录。",
                         "WeCom cannot be reached right now; try again later, or sign in with your user name "
                         "and password."),
    "login.bad_token": ("大屏令牌无效或已吊销", "Wall token invalid or revoked"),
    "login.bad_token_body": ("请联系管理员重新签发大屏链接。", "Ask an administrator for a new wall link."),
    # ---- reasons, audit lines and the admin page in both languages (#11 items 6 and 9)
    # refusals of an action (dashboard/lifecycle.py and dashboard/actions.py reason codes);
    # {status} {verb} {severity} are translated by say()
    "refusal.conflict": ("该事件已被他人先行更新（现为版本 {current}，{status}），"
                         "本次操作基于版本 {based}：请查看后重试",
                         "Someone else updated this case first (now version {current}, {status}); "
                         "this action was based on version {based}: look again and retry"),
    "refusal.unknown_step": ("未知的处置步骤“{step}”", "Unknown step “{step}”"),
    "refusal.not_from": ("事件当前为“{status}”，不能{verb}",
                         "“{verb}” is not possible while the case is {status}"),
    "refusal.escalate_needs": ("升级须选择比“{severity}”更高的等级",
                               "Escalating needs a level more severe than {severity}"),
    "refusal.unknown_action": ("未知操作“{verb}”", "Unknown action “{verb}”"),
    "refusal.unknown_incident": ("未找到事件 {id}", "Case {id} is not known"),
    "refusal.no_unit": ("请先选择派往单位", "Choose a unit to dispatch to"),
    "refusal.unknown_unit": ("无此派往单位：{unit}", "No such unit to dispatch to: {unit}"),
    "refusal.unknown_alarm": ("无此告警：{key}", "No such alarm: {key}"),
    "refusal.no_note": ("备注不能为空", "A note needs text"),
    "refusal.shelve_needs": ("搁置须填写原因并选择时长", "Shelving needs a reason and a duration"),
    "refusal.out_of_service_needs": ("停用检修须填写原因", "Taking an alarm out of service needs a reason"),
    "refusal.not_applied": ("已写入，但本实例 5 秒内尚未应用：请稍后查看",
                            "Written, but not yet applied here after 5 s: check again"),
    "refusal.superseded": ("另一操作已先行生效：请查看最新状态",
                           "Another action came first: look at the case again"),
    "refusal.out_of_scope": ("不在您的管辖范围内", "Not in your scope"),
    # the 12345 work-order flow's reasons (dashboard/hotline.py); {ticket_state} and
    # {ticket_verb} are translated by say()
    "refusal.unknown_ticket": ("未找到工单 {id}", "Ticket {id} is not known"),
    "refusal.ticket_conflict": ("该工单已被他人先行处理（现为版本 {current}，{ticket_state}），"
                                "本次操作基于版本 {based}：请查看后重试",
                                "Someone else moved this ticket first (now version {current}, "
                                "{ticket_state}); this action was based on version {based}: "
                                "look again and retry"),
    "refusal.ticket_not_from": ("工单当前为“{ticket_state}”，不能{ticket_verb}",
                                "Cannot {ticket_verb} a ticket that is {ticket_state}"),
    "refusal.ticket_unknown_unit": ("无此承办单位：{unit}", "No such unit to dispatch to: {unit}"),
    "refusal.ticket_no_unit": ("请先选择承办单位", "Choose a unit to dispatch to"),
    "refusal.ticket_needs_result": ("回访须选择结果（满意、基本满意或不满意）",
                                    "A callback needs a result (satisfied, basic or unsatisfied)"),
    "refusal.ticket_reopen_needs": ("只有回访不满意的工单可以重办",
                                    "Only a ticket whose callback was unsatisfied can be reopened"),
    "refusal.ticket_no_request": ("没有待审批的延期申请", "There is no extension request to decide on"),
    "refusal.ticket_request_pending": ("已有延期申请待审批", "An extension request is already waiting"),
    "refusal.ticket_extension_needs": ("延期须填写日期或作出审批",
                                       "An extension needs a date or a decision"),
    "refusal.ticket_needs_reason": ("{ticket_verb}须填写原因", "A reason is needed to {ticket_verb}"),
    "refusal.ticket_needs_reply": ("办结须填写答复内容", "A reply needs text"),
    "refusal.ticket_bad_until": ("延期日期无效：{until}", "Not a date to extend to: {until}"),
    # the audit trail: actions, outcomes, roles, what an entry is about, its details
    "audit.act.login": ("登录", "Sign-in"),
    "audit.act.logout": ("退出登录", "Sign-out"),
    "audit.act.login.wecom": ("政务微信登录", "WeCom sign-in"),
    "audit.act.user.set-wecom": ("关联政务微信", "WeCom link set"),
    "audit.act.wall.token": ("大屏令牌", "Wall token"),
    "audit.act.wall.session": ("大屏会话", "Wall session"),
    "audit.act.wall.add": ("签发大屏令牌", "Wall token issued"),
    "audit.act.wall.revoke": ("吊销大屏令牌", "Wall token revoked"),
    "audit.act.view": ("查看记录", "Record viewed"),
    "audit.act.reveal": ("调阅个人信息", "Personal data revealed"),
    "audit.act.audit.export": ("导出审计日志", "Audit trail exported"),
    "audit.act.user.add": ("新增用户", "User added"),
    "audit.act.user.set-password": ("重设密码", "Password set"),
    "audit.act.user.disable": ("停用用户", "User disabled"),
    "audit.act.user.enable": ("启用用户", "User enabled"),
    "audit.act.user.unlock": ("解除锁定", "Lock lifted"),
    "audit.act.incident": ("事件{verb}", "Case: {verb}"),
    "audit.act.alarm": ("告警{verb}", "Alarm: {verb}"),
    "audit.act.ticket": ("工单{verb}", "Ticket: {verb}"),
    "audit.outcome.ok": ("成功", "ok"),
    "audit.outcome.failed": ("失败", "failed"),
    "audit.outcome.refused": ("已拒绝", "refused"),
    "audit.outcome.locked": ("已锁定", "locked"),
    "audit.outcome.error": ("出错", "error"),
    "audit.kind.session": ("会话", "session"),
    "audit.kind.incident": ("事件", "case"),
    "audit.kind.ticket": ("工单", "ticket"),
    "audit.kind.camera": ("视频点位", "camera"),
    "audit.kind.sensor": ("物联设备", "sensor"),
    "audit.kind.duty": ("值班", "duty"),
    "audit.kind.alarm": ("告警", "alarm"),
    "audit.kind.user": ("用户", "user"),
    "audit.kind.wall": ("大屏", "wall"),
    "audit.kind.address": ("地址", "address"),
    "audit.kind.wecom": ("政务微信账号", "WeCom member"),
    "audit.local": ("本机", "local"),
    "audit.act.audit.unavailable": ("审计日志暂不可读", "Audit trail unreadable"),
    "audit.d.failures": ("时间窗内第 {n} 次失败", "failure {n} in the window"),
    "audit.d.locked": ("时间窗内已失败 {n} 次", "{n} failures in the window"),
    "audit.d.repeated": ("{s} 秒内又 {n} 次", "{n} more within {s} s"),
    "audit.d.overflow": ("{s} 秒内其他来源共 {n} 次", "{n} from other sources within {s} s"),
    "audit.d.unlock": ("解除锁定：账号 {account}，地址 {address}",
                       "unlocked: account {account}, address {address}"),
    "audit.d.wecom_ok": ("政务微信账号 {userid}", "WeCom member {userid}"),
    "audit.d.wecom_state": ("state 校验失败（过期、缺失或不是本浏览器发起）",
                            "state check failed (expired, missing, or not started in this browser)"),
    "audit.d.wecom_refused": ("政务微信拒绝：{why}", "WeCom refused: {why}"),
    "audit.d.wecom_not_member": ("非本单位成员（无 userid）：{why}", "not a member (no userid): {why}"),
    "audit.d.wecom_unreachable": ("政务微信无法连接或应答异常：{why}",
                                  "WeCom unreachable or a bad answer: {why}"),
    "audit.d.wecom_unknown": ("政务微信账号 {userid} 未关联用户",
                              "WeCom member {userid} is linked to no user"),
    "audit.d.wecom_disabled": ("政务微信账号 {userid} 关联的用户已停用",
                               "the user of WeCom member {userid} is disabled"),
    "audit.d.wecom_linked": ("关联政务微信账号 {userid}", "linked to WeCom member {userid}"),
    "audit.d.wecom_unlinked": ("解除政务微信关联", "WeCom link removed"),
    "audit.d.layout": ("布局 {layout}", "layout {layout}"),
    "audit.d.view_masked": ("含个人信息的记录（已脱敏）", "record holding personal data (masked)"),
    "audit.d.export": ("{n} 条；筛选：用户={who} 操作={action} 对象={target} 时间={since}",
                       "{n} entries; who={who} action={action} target={target} since={since}"),
    "audit.d.user": ("角色 {role}，范围 {scope}", "role {role} scope {scope}"),
    "audit.d.unit": ("工单承办单位 {unit}", "12345 unit {unit}"),
    "audit.d.first_admin": ("首次启动：生成管理员账号", "first start: generated admin"),
    "audit.d.first_wall": ("首次启动：{name} {layout}", "first start: {name} {layout}"),
    "audit.d.wall": ("{name} {layout}", "{name} {layout}"),
    "role.admin": ("管理员", "admin"),
    "role.officer": ("值班员", "officer"),
    "role.wall": ("大屏", "wall"),
    "role.visitor": ("访客", "visitor"),
    "role.anonymous": ("匿名", "anonymous"),
    "who.role": ("{name}（{role}）", "{name} ({role})"),
    # refused requests (dashboard/risk.py reasons) and what they needed
    "deny.role": ("无权限：{perm}", "not allowed: {perm}"),
    "deny.callback": ("回调被拒：{perm}", "callback refused: {perm}"),
    "deny.page": ("页面被拒：{perm}", "page refused: {perm}"),
    "deny.rate": ("限流：{what}", "rate limit: {what}"),
    "deny.no-session": ("未登录", "no session"),
    "deny.csrf": ("表单校验失败（CSRF）", "form check failed (CSRF)"),
    "deny.origin": ("来源不符", "wrong origin"),
    "deny.monitoring": ("监控接口", "monitoring route"),
    "deny.too-large": ("请求过大", "request too large"),
    "deny.wall-token": ("大屏令牌无效", "bad wall token"),
    "perm.wall": ("大屏", "wall"),
    "perm.records": ("记录", "records"),
    "perm.console": ("一屏管", "console"),
    "perm.act": ("处置", "act"),
    "perm.reveal": ("调阅", "reveal"),
    "perm.admin": ("管理", "admin"),
    "perm.nobody": ("禁用接口", "closed route"),
    "limit.login": ("登录", "sign-in"),
    "limit.live": ("实时连接", "live connections"),
    "admin.up": ("正常", "up"),
    "admin.down": ("断开", "down"),
    "admin.seconds": ("{v} 秒", "{v} s"),
    "admin.signed_in": ("当前用户", "Signed in"),
    "admin.failed_signins": ("最近登录失败（按账号）", "Recent failed sign-ins (by account)"),
    "admin.account": ("账号", "Account"),
    "admin.attempts": ("次数", "Attempts"),
    "admin.last": ("最近一次", "Last"),
    "admin.from": ("来源地址", "From"),
    "admin.when": ("时间", "Time"),
    "admin.reason": ("原因", "Reason"),
    "admin.path": ("路径", "Path"),
    # the console: kinds of camera, durations, a street's centre, the map's controls
    "camera.kind.road": ("道路", "road"),
    "camera.kind.community": ("小区", "community"),
    "camera.kind.business": ("商圈", "business area"),
    "camera.kind.metro": ("地铁站", "metro"),
    "camera.kind.school": ("学校", "school"),
    "camera.kind.park": ("公园", "park"),
    "camera.kind.river": ("河道", "river"),
    "minutes": ("{n} 分钟", "{n} min"),
    "hours": ("{n} 小时", "{n} h"),
    "dispatch.centre": ("{name}分中心", "{name} centre"),
    # the officers' phone page (/console/m, dashboard/phone_api.py and assets/phone.js)
    "phone.title": ("12345 工单 · 移动端", "12345 work orders · phone"),
    "phone.heading": ("我的工单", "My work orders"),
    "phone.units": ("承办单位：{units}", "Units: {units}"),
    "phone.district": ("全区在办工单", "Every open ticket of the district"),
    "phone.count": ("共 {n} 件，按时限排列", "{n} tickets, by deadline"),
    "phone.more": ("加载更多", "Show more"),
    "phone.empty": ("暂无待办工单", "No open tickets"),
    "phone.back": ("返回列表", "Back to the list"),
    "phone.live": ("实时", "Live"),
    "phone.reconnecting": ("正在重新连接…", "Reconnecting…"),
    "phone.text": ("答复内容或退单原因", "Reply, or the reason to return"),
    "phone.until": ("延期至", "Extend until"),
    "phone.due": ("时限 {day}", "Due {day}"),
    "phone.timeline": ("办理过程", "Steps"),
    "phone.pending": ("延期申请待审批：至 {until}", "Extension asked until {until}, awaiting a decision"),
    "phone.no_actions": ("此工单当前无需您操作", "Nothing for you to do on this ticket now"),
    "phone.loading": ("加载中…", "Loading…"),
    "phone.failed": ("无法加载：{reason}", "Could not load: {reason}"),
    "phone.console": ("电脑版工作台", "Desktop console"),
    "phone.open": ("手机工单", "Phone work orders"),
    "phone.lang": ("English", "中文"),
    # the guard's refusals (dashboard/guard.py codes), as the phone says them
    "phone.guard.csrf": ("安全校验未通过，未提交：请刷新页面后重试",
                         "Security check failed, nothing sent: reload the page"),
    "phone.guard.too_large": ("内容过长，未提交：请删减后重试",
                              "Too long, nothing sent: shorten it and try again"),
    "phone.guard.too_slow": ("网络太慢，提交未完成：请重试",
                             "The network was too slow, nothing sent: try again"),
    "phone.guard.length_required": ("请求无效，未提交：请刷新页面",
                                    "Invalid request, nothing sent: reload the page"),
    "phone.guard.permission": ("您无权进行此操作", "You may not do this"),
    "phone.guard.sign_in": ("登录已失效，请重新登录",
                            "Signed out: sign in again"),
    "phone.guard.refused": ("请求被拒绝，未提交", "Refused, nothing sent"),
    "refusal.text_too_long": ("文字过长：最多 {max} 字", "The text is too long: at most {max} characters"),
    "refusal.bad_request": ("请求无效：{what}", "Not a valid request: {what}"),
    "map.zoom_in": ("放大", "Zoom in"),
    "map.zoom_out": ("缩小", "Zoom out"),
    "status.help": (
        "在线：正常上报；离线：平台报告断线；故障：设备自检异常；失联：超过 {m} 分钟无任何上报（含心跳）",
        "Online: reporting; Offline: the platform lost it; Fault: the device reports a fault; "
        "Stale: no report at all (heartbeats included) for over {m} min",
    ),
    # ---- the console as officers use it (#11 item 7, #18)
    "console.search_hint": ("边输入边筛选（事件编号、标题、点位、工单）",
                            "Filters as you type (ids, titles, cameras, tickets)"),
    "console.suggested": ("（本街镇）", " (this street)"),
    "inbox.empty": ("当前没有待处理的告警。", "No alarms waiting."),
    "inbox.empty_street": ("{street}当前没有待处理的告警。", "No alarms waiting in {street}."),
    "grid.empty": ("没有符合筛选条件的记录。", "Nothing matches the filters."),
    # ---- the perception page (感知研判, layouts/perception.py, assets/perception_page.js)
    "perception.title": ("感知研判", "Perception"),
    "perception.open": ("感知研判 →", "Perception →"),
    "perception.loading": ("正在读取…", "Loading…"),
    "perception.updated": ("已更新 {t}", "Updated {t}"),
    "perception.failed": ("更新失败：{e}", "Update failed: {e}"),
    "perception.scope": ("范围：{name}", "Scope: {name}"),
    "perception.period": ("{first} 至 {last}", "{first} to {last}"),
    "perception.computed": ("计算于 {t}", "computed {t}"),
    "perception.figure": ("本周热点 · 图", "Hotspots this week · figure"),
    "perception.unknown": ("未知", "unknown"),
    "perception.yes": ("是", "yes"),
    "perception.week.0": ("本周", "this week"),
    "perception.week.n": ("前{n}周", "{n} wk ago"),
    "perception.desc.recurring": (
        "同类且相距≤{radius}米，或同一地址且文本相似度≥{similarity}的工单连成一组，{min}件及以上为一项重复诉求；近{days}天登记",
        "Tickets of one category within {radius} m, or at one address with texts ≥ {similarity} alike, "
        "form a group; {min}+ tickets make a recurring issue; registered in the last {days} days"),
    "perception.desc.hard": (
        "近{days}天登记且被退单、申请延期、重办或超期（按紧急程度{d1}/{d2}/{d3}个工作日，批准延期顺延）的工单",
        "Tickets registered in the last {days} days that were returned, had an extension requested, were "
        "reopened or went past their deadline ({d1}/{d2}/{d3} working days by urgency; an approved "
        "extension moves it)"),
    "perception.desc.returned_units": (
        "近{days}天的退单按工单最后派往的单位统计，并列出同期派往该单位的全部工单",
        "Returns in the last {days} days by the unit the ticket was last dispatched to, beside all "
        "dispatches to it in the period"),
    "perception.desc.unsatisfied_weeks": (
        "每周（截至当日的7天）回访评价为不满意的件数、回访总数和占比，共{weeks}周",
        "Callbacks per week (7 days ending a day) rated unsatisfied, all callbacks and the share, "
        "{weeks} weeks"),
    "perception.desc.unsatisfied_category": (
        "{weeks}周内回访不满意按类别统计，并列出回访总数和每周件数",
        "Callbacks rated unsatisfied over {weeks} weeks by category, beside all callbacks and each "
        "week's count"),
    "perception.desc.unsatisfied_street": (
        "{weeks}周内回访不满意按街镇统计，并列出回访总数和每周件数",
        "Callbacks rated unsatisfied over {weeks} weeks by street, beside all callbacks and each "
        "week's count"),
    "perception.desc.unsatisfied_unit": (
        "{weeks}周内回访不满意按承办单位（回访前最后派往的单位）统计，并列出回访总数和每周件数",
        "Callbacks rated unsatisfied over {weeks} weeks by unit (the last dispatched to before the "
        "callback), beside all callbacks and each week's count"),
    "perception.desc.hotspots": (
        "H3网格（约0.7平方公里）本周≥{hot}件，且按前{weeks}周周均值的泊松分布，{once}周才出现一次",
        "H3 cells (about 0.7 km²) with {hot}+ tickets this week, a count a Poisson law with the cell's "
        "weekly mean of the {weeks} weeks before reaches once in {once} weeks"),
    "perception.desc.rising": (
        "本周≥{rise}件、达到前{weeks}周周均值{ratio}倍以上，且按泊松分布{once}周才出现一次的类别",
        "Categories with {rise}+ tickets this week, {ratio}× or more their weekly mean of the {weeks} "
        "weeks before, and a count reached once in {once} weeks by chance"),
    "perception.table.recurring": ("重复诉求", "Recurring issues"),
    "perception.table.hard": ("疑难工单（退单、延期、重办、超期）",
                              "Hard to solve (returned, extended, reopened, overdue)"),
    "perception.table.returned_units": ("退单最多的单位", "Units most returned to"),
    "perception.table.unsatisfied_weeks": ("不满意趋势（按周）", "Unsatisfied by week"),
    "perception.table.unsatisfied_category": ("不满意 · 按类别", "Unsatisfied by category"),
    "perception.table.unsatisfied_street": ("不满意 · 按街镇", "Unsatisfied by street"),
    "perception.table.unsatisfied_unit": ("不满意 · 按承办单位", "Unsatisfied by unit"),
    "perception.table.hotspots": ("本周热点（H3 网格）", "Hotspots this week (H3 cells)"),
    "perception.table.rising": ("上升类别", "Rising categories"),
    "perception.col.issue": ("序号", "No."),
    "perception.col.category": ("类别", "Category"),
    "perception.col.tickets": ("工单数", "Tickets"),
    "perception.col.first_day": ("首次", "First"),
    "perception.col.last_day": ("最近", "Last"),
    "perception.col.streets": ("街镇", "Streets"),
    "perception.col.place": ("地点", "Place"),
    "perception.col.ticket_ids": ("工单", "Tickets"),
    "perception.col.ticket_id": ("工单编号", "Ticket"),
    "perception.col.street": ("街镇", "Street"),
    "perception.col.day": ("登记日", "Registered"),
    "perception.col.deadline": ("办结时限", "Deadline"),
    "perception.col.returned": ("退单", "Returned"),
    "perception.col.extensions": ("延期", "Extensions"),
    "perception.col.reopened": ("重办", "Reopened"),
    "perception.col.overdue": ("超期", "Overdue"),
    "perception.col.unit": ("单位", "Unit"),
    "perception.col.dispatched": ("派单数", "Dispatched"),
    "perception.col.return_share": ("退单率", "Return share"),
    "perception.col.unsatisfied": ("不满意", "Unsatisfied"),
    "perception.col.callbacks": ("回访数", "Callbacks"),
    "perception.col.share": ("不满意率", "Share"),
    "perception.col.week": ("周", "Week"),
    "perception.col.cell": ("网格", "Cell"),
    "perception.col.lat": ("纬度", "Lat"),
    "perception.col.lon": ("经度", "Lon"),
    "perception.col.usual": ("常态（周均）", "Usual (weekly)"),
    "perception.col.z": ("z 值", "z"),
    "perception.col.p": ("概率 p", "p"),
    "perception.col.top_category": ("主要类别", "Top category"),
    "perception.col.ratio": ("倍数", "Ratio"),
    "map.hotspots": ("12345 诉求热点（本周）", "12345 hotspots (this week)"),
    "map.legend.hot_0": ("z < {low}", "z < {low}"),
    "map.legend.hot_1": ("z ≥ {low}", "z ≥ {low}"),
    "map.legend.hot_2": ("z ≥ {high}", "z ≥ {high}"),
    "map.legend.hot_note": ("本周工单数高于该网格前8周均值的程度（z 值）",
                            "How far this week is above the cell's mean of the 8 weeks before (z)"),
    "map.hotspot.tip": ("本周 {now} 件，常态 {usual} 件/周（z={z}）· {category}",
                        "{now} tickets this week, usually {usual} a week (z={z}) · {category}"),
    # the simulator's and producers' department codes (dashboard/simulator_hotline.py)
    "dept.dept-housing": ("区房管局", "Housing Bureau"),
    "dept.dept-greening": ("区绿化市容局", "Greening & City Appearance Bureau"),
    "dept.dept-market": ("区市场监管局", "Market Regulation Bureau"),
    "dept.dept-traffic": ("区交通委", "Transport Commission"),
    "dept.dept-construction": ("区建管委", "Construction Commission"),
}


# The level scale's labels come from its one home, dashboard/levels.py; the severe banner
# names the most severe level exactly as the feed's pill does.
STRINGS.update(levels.strings())
STRINGS["banner.severe"] = (levels.label(1, "zh") + "事件", levels.label(1, "en") + " incident")
STRINGS["banner.severe_alarm"] = (levels.label(1, "zh", "alarm") + "告警",
                                  levels.label(1, "en", "alarm") + " alarm")
# the wall's feed and banner name levels 1–2 and level 1 as the scale does
STRINGS["pin.more"] = (f"另有 {{n}} 条未确认（{levels.label(2, 'zh')}及以上）",
                       f"{{n}} more unacknowledged ({levels.label(2, 'en')} and above)")
_L1_ZH, _L1_EN = levels.label(1, "zh", "alarm"), levels.label(1, "en", "alarm")
STRINGS["flood.summary"] = (
    f"告警激增：{{w}} 分钟内 {{n}} 条（{_L1_ZH} {{s}} 条），已汇总，{{h}} 条未逐条列出",
    f"Alarm flood: {{n}} in {{w}} min, {{s}} at {_L1_EN}; summarised, {{h}} not listed",
)
STRINGS["flood.banner"] = (f"告警激增：{{w}} 分钟内 {{n}} 条（{_L1_ZH} {{s}} 条）",
                           f"Alarm flood: {{n}} in {{w}} min, {{s}} at {_L1_EN}")

# ---- the map's legend (layouts/map.py, assets/map.js): every symbol and colour on the map
STRINGS.update({
    "map.legend.title": ("图例", "Legend"),
    "map.legend.streets": ("街镇着色", "Street shading"),
    "map.legend.no_data": ("无数据", "No data"),  # the levels themselves: "ok", "warn", "alarm"
    "map.legend.video": ("视频点位 · 聚合圈取最差状态色", "Video points · a cluster takes its worst status"),
    "map.legend.cluster": ("圈内数字：点位总数", "Number: cameras in the cluster"),
    "map.legend.cluster_bad": ("下方角标：其中离线、故障、失联数",
                               "Tag below: of which offline, fault or stale"),
    "map.legend.incidents": ("事件 · 菱形按等级着色", "Incidents · diamonds by level"),
    "map.legend.pulse": ("闪烁：" + levels.label(1, "zh"), "Pulsing: " + levels.label(1, "en")),
    "map.legend.pulse_overdue": ("闪烁：" + levels.label(1, "zh") + "或已超时",
                                 "Pulsing: " + levels.label(1, "en") + " or overdue"),
    "map.legend.sensors": ("物联感知", "IoT sensors"),
    "map.legend.sensor": ("传感器", "Sensor"),
    "map.legend.sensor_alarm": ("{m} 分钟内告警（告警等级色）", "Alarm in the last {m} min (level colour)"),
})

# early warning (dashboard/detect.py): an anomaly's explanation, the tiles' usual band
STRINGS.update({
    "detect.explain": ("{name} {value}{unit}，通常 {low}–{high}（{day} {time}，{kind}，{place}）；"
                       "{way} {score} 个稳健标准差",
                       "{name} {value} {unit}, usually {low}–{high} ({day} {time}, {kind}, {place}); "
                       "{score} robust deviations {way}"),
    "detect.above": ("偏高", "above"),
    "detect.below": ("偏低", "below"),
    "detect.day.working": ("工作日", "working day"),
    "detect.day.rest": ("休息日", "rest day"),
    "detect.band": ("通常 {low}–{high}", "usually {low}–{high}"),
    "detect.band.tile_in": ("常态 {low}–{high}", "usual {low}–{high}"),
    "detect.band.tile_out": ("超常态 {low}–{high}", "off usual {low}–{high}"),
    "detect.band.inside": ("在常态范围内", "within the usual band"),
    "detect.band.outside": ("超出常态范围", "outside the usual band"),
    "detect.learning": ("基线学习中，还需 {days} 天", "learning its baseline, {days} more day(s)"),
    "detect.kind": ("预警", "Early warning"),
})


def t(key: str, lang: str = "zh", **values: object) -> str:
    """The label ``key`` in ``lang`` with ``{name}`` placeholders filled."""
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


SHORT_EN = {"Sub-district": "", "Road": "Rd", "Economic Park": "Park"}


def unit_name(code: str | None, lang: str = "zh") -> str:
    """A management unit's display name (the district for None); short in English
    ("Huayang Rd", "Linkong Park") so that it fits labels read from metres away."""
    for unit_code, zh, en in UNITS:
        if unit_code == code:
            if lang != "en":
                return zh
            for long, short in SHORT_EN.items():
                en = en.replace(long, short)
            return en.strip()
    return t("district", lang)


def unit_label(unit: str | None, lang: str = "zh") -> str:
    """Who a case was dispatched to, as people read it: a unit code (the simulator's, a
    producer's) or a street centre's name as the console writes it becomes the unit's
    name in ``lang``; a department's own name (configuration, a proper name) stays as it is."""
    if not unit:
        return "—"
    if unit in UNIT_NAMES:
        return unit_name(unit, lang)
    if f"dept.{unit}" in STRINGS:  # a department's code (the simulator's, a producer's)
        return t(f"dept.{unit}", lang)
    for code, zh, _ in UNITS:
        if unit == t("dispatch.centre", "zh", name=zh):
            return t("dispatch.centre", lang, name=unit_name(code, lang))
    return unit


def signed_in_as(name: str, role: str, lang: str = "zh") -> str:
    """``officer（值班员）`` / ``officer (officer)``: who is signed in, the role by its label."""
    return t("who.role", lang, name=name, role=t(f"role.{role}", lang) if f"role.{role}" in STRINGS else role)


#: Values of a message that are codes, and the prefix of the label each one names.
CODED_VALUES = {"status": "incident.", "verb": "action.", "severity": "severity.", "level": "level.",
                "role": "role.", "perm": "perm.", "what": "limit.", "outcome": "audit.outcome.",
                "ticket_state": "hotline.status.", "ticket_verb": "hotline.verb."}


def say(strings: dict[str, str], key: str, values: Mapping[str, Any] | None = None) -> str:
    """The message ``key`` of ``strings`` (one language's :func:`client_strings`) with its
    ``values`` filled; values that are codes (:data:`CODED_VALUES`, a street, unit or
    scope) are shown by their labels.  An unknown key shows as the key itself."""
    lang = "en" if strings.get("lang") == "en" else "zh"
    shown: dict[str, Any] = {}
    for name, value in (values or {}).items():
        prefix = CODED_VALUES.get(name)
        if prefix is not None:
            shown[name] = strings.get(f"{prefix}{value}", str(value))
        elif name in ("street", "unit"):
            shown[name] = unit_label(str(value), lang)
        elif name == "scope":  # a unit code, or the district
            shown[name] = unit_name(value if value in UNIT_NAMES else None, lang)
        else:
            shown[name] = value
    text = strings.get(key, key)
    try:
        return text.format(**shown)
    except (KeyError, IndexError, ValueError):
        return text


def message(key: str, values: Mapping[str, Any] | None = None, lang: str = "zh") -> str:
    """:func:`say` in ``lang``."""
    return say(client_strings(lang), key, values)


def client_strings(lang: str) -> dict[str, str]:
    """All labels in one language, plus the unit names as ``unit.<code>`` and the
    language itself as ``lang``."""
    strings = {key: t(key, lang) for key in STRINGS}
    strings["lang"] = "en" if lang == "en" else "zh"
    strings.update({f"unit.{code}": unit_name(code, lang) for code, _, _ in UNITS})
    return strings


def dropdown_labels(lang: str) -> Any:  # dcc.Dropdown types it as its own TypedDict
    """dcc.Dropdown's ``labels`` in ``lang`` (its menu's search box, select-all, counts)."""
    return {key.removeprefix("dropdown."): t(key, lang) for key in STRINGS if key.startswith("dropdown.")}


def grid_locale(lang: str) -> dict[str, str]:
    """AG Grid's ``localeText`` in ``lang`` (its pager, filters and menus)."""
    return {key.removeprefix("grid."): t(key, lang) for key in STRINGS if key.startswith("grid.")}

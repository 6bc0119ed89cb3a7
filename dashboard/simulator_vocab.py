"""Chinese place names and phrases the demo simulator draws from: data only, no logic.

Road names are real roads of 长宁区 grouped by the unit they (mostly) run through, so a
simulated address usually names a road of the right street; the rest (communities,
incident wording, complaint summaries, people) is invented for the demo.
"""

from __future__ import annotations

ROADS: dict[str, tuple[str, ...]] = {
    "huayanglu": ("长宁路", "安化路", "华阳路", "定西路", "凯旋路", "万航渡路"),
    "jiangsulu": ("江苏路", "愚园路", "镇宁路", "武定西路", "宣化路", "延安西路"),
    "xinhualu": ("新华路", "番禺路", "法华镇路", "定西路", "幸福路", "淮海西路"),
    "zhoujiaqiao": ("长宁路", "芙蓉江路", "遵义路", "天山路", "长宁支路"),
    "tianshanlu": ("天山路", "娄山关路", "遵义路", "中山西路", "茅台路"),
    "xianxiaxincun": ("仙霞路", "威宁路", "水城路", "茅台路", "剑河路", "安顺路"),
    "hongqiao": ("虹桥路", "古北路", "伊犁路", "兴义路", "延安西路", "荣华东道"),
    "chengjiaqiao": ("虹桥路", "程家桥路", "虹井路", "哈密路", "虹许路", "迎宾二路"),
    "beixinjing": ("天山西路", "北渔路", "新渔路", "协和路", "平塘路"),
    "xinjingzhen": ("天山西路", "哈密路", "福泉路", "淞虹路", "北虹路", "新泾路"),
    "linkong": ("临虹路", "福泉北路", "金钟路", "淞虹路", "空港一路", "通协路"),
}

#: Camera kinds with their share of all cameras.
CAMERA_KINDS: tuple[tuple[str, float], ...] = (
    ("road", 0.44), ("community", 0.22), ("business", 0.1), ("metro", 0.07),
    ("school", 0.06), ("park", 0.06), ("river", 0.05),
)
PLACES: dict[str, tuple[str, ...]] = {
    "business": (
        "中山公园龙之梦", "长宁来福士", "虹桥南丰城", "尚嘉中心", "古北国际财富中心",
        "天山商厦", "百联西郊购物中心", "临空SOHO", "长宁国际发展广场", "金虹桥国际中心",
    ),
    "metro": (
        "江苏路站", "中山公园站", "娄山关路站", "威宁路站", "北新泾站", "淞虹路站",
        "虹桥路站", "伊犁路站", "水城路站", "龙溪路站", "上海动物园站", "虹桥1号航站楼站",
    ),
    "school": (
        "华东政法大学长宁校区", "东华大学延安路校区", "延安中学", "天山中学",
        "复旦初级中学", "适存小学", "建青实验学校", "长宁实验小学",
    ),
    "park": (
        "中山公园", "天山公园", "新虹桥中心花园", "上海动物园", "华山绿地",
        "凯桥绿地", "临空滑板公园", "虹桥河滨公园",
    ),
    "river": ("苏州河", "新泾港", "外环西河", "午潮港"),
}

INCIDENT_TITLES: dict[str, tuple[str, ...]] = {
    "epidemic": ("发热病例聚集性排查", "学校呼吸道症状聚集", "疑似传染病报告"),
    "crowd": ("商圈人流密度超限", "地铁站客流积压", "公园游客聚集"),
    "pipeline": ("燃气管道泄漏", "供水管道爆管", "窨井盖位移"),
    "waterway": ("河道水位超警戒", "河面漂浮物聚集", "排口异常排放"),
    "care": ("独居老人长时间无活动", "老人跌倒求助", "独居老人用水异常"),
    "antifraud": ("疑似电信诈骗预警", "高风险转账劝阻", "冒充客服诈骗线索"),
    "environment": ("餐饮油烟扰民", "建筑工地扬尘", "夜间施工噪声"),
    "safety": ("电动自行车违规充电", "消防通道占用", "道路塌陷隐患"),
}
INCIDENT_DETAILS: dict[str, str] = {
    "epidemic": "社区卫生服务中心报告，需开展流调和环境消杀。",
    "crowd": "视频智能分析发现人员密度持续升高，需现场疏导。",
    "pipeline": "物联感知设备报警，需管线单位到场排查。",
    "waterway": "河道监测点数据异常，需河长办核查。",
    "care": "智能终端触发关爱提醒，需社区工作人员上门查看。",
    "antifraud": "反诈中心推送预警，需民警和社区联合劝阻。",
    "environment": "群众反映并经监测确认，需执法队伍到场处置。",
    "safety": "网格巡查发现隐患，需相关部门整改。",
}
STEP_NOTES: dict[str, str] = {
    "acknowledged": "已接报，正在核实",
    "dispatched": "已派单至属地处置",
    "resolved": "现场处置完毕",
    "verified": "复核通过",
    "closed": "办结归档",
}

TICKET_SUMMARIES: dict[str, tuple[str, ...]] = {
    "噪声扰民": ("{road}附近夜间施工噪声扰民，影响休息", "{road}沿街商铺音响声音过大"),
    "环境卫生": ("{road}垃圾桶满溢未及时清运", "{road}人行道有积水和垃圾"),
    "市容管理": ("{road}占道经营，影响通行", "{road}共享单车乱停放"),
    "交通出行": ("{road}路口信号灯故障", "{road}公交站台破损"),
    "物业管理": ("{road}小区电梯经常故障", "{road}小区楼道堆放杂物"),
    "消费维权": ("{road}某健身房预付卡无法退费", "{road}某餐饮店价格不明码标价"),
    "公共设施": ("{road}路灯不亮", "{road}窨井盖松动有异响"),
    "养老服务": ("{road}社区助餐点排队时间长", "咨询{road}附近长者照护之家床位"),
    "疫情防控": ("{road}小区周边蚊蝇鼠害严重，担心传染病", "咨询{road}附近疫苗接种点开放时间"),
    "建设施工": ("{road}工地渣土车未覆盖，道路扬尘", "{road}建筑工地围挡破损存在安全隐患"),
}
TICKET_REPLIES = ("已联系责任单位处理", "已安排人员现场核查", "已告知市民处理进展")
#: Departments a 12345 ticket is sometimes sent to instead of the street (dashboard/data/console.toml).
TICKET_DEPARTMENTS = ("区城管执法局", "区市场监管局", "区绿化市容局", "区建管委", "区卫健委", "区民政局")
TICKET_RETURN_REASONS = ("非本单位职责，请改派", "地址不在本辖区", "诉求涉及多部门，需协调")
#: What the simulator writes with each 12345 step (dashboard/hotline.py).
TICKET_NOTES: dict[str, str] = {
    "dispatched": "请按时办理并答复市民",
    "signed": "已签收，安排人员处理",
    "extension": "需协调产权单位，申请延期",
    "reopened": "市民对处理结果不满意，重新办理",
    "closed": "回访完毕，结案",
}

OFFICER_COUNT = 40
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡沈顾陆钱"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉兰萍"
    "红鹏建国志文辉斌宇浩凯晨欣怡佳琪雪梅丹婷慧颖"
)
MOBILE_PREFIXES = (
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "158", "159", "177", "180", "181", "186", "187", "188", "189", "199",
)
DISTRICT_POSTS = ("带班领导", "值班长", "值班员", "视频巡查员")
UNIT_POSTS = ("值班长", "值班员")

OFFLINE_REASONS = ("网络中断", "设备掉电", "光纤故障", "平台心跳超时")
FAULT_REASONS = ("画面遮挡", "画面异常（花屏）", "录像存储故障", "镜头偏移")
ONLINE_REASONS = ("恢复在线", "维修完成")

#: Sensor kinds: (kind, unit, share of sensors, normal value, normal spread, alarm value,
#: alarm message).
SENSOR_KINDS: tuple[tuple[str, str, float, float, float, float, str], ...] = (
    ("water_level", "m", 0.10, 2.9, 0.15, 3.8, "河道水位超警戒线"),
    ("manhole", "°", 0.30, 0.5, 0.3, 10.0, "井盖倾斜或位移"),
    ("gas", "%LEL", 0.20, 0.5, 0.3, 10.0, "可燃气体浓度超标"),
    ("smoke", "%/m", 0.25, 0.3, 0.1, 3.0, "烟雾浓度报警"),
    ("crowd", "人", 0.15, 300.0, 80.0, 1500.0, "区域人员密度超限"),
)

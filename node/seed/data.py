"""The material `smenet node seed` draws demo data from: agencies, experts, services, companies.

Texts use placeholders filled per window: ``{city}`` (深圳市), ``{province}`` (广东省) and
``{prov}`` (广东).
"""

from __future__ import annotations

from dataclasses import dataclass

from node.domain.catalogue import ServiceCategory as C
from node.domain.catalogue import ServiceMode as M

# fmt: off
# (the tables below are laid out by hand: an entry a line or two reads better than a field a line)


@dataclass(frozen=True)
class AgencyTemplate:
    key: str
    name: str
    kind: str  # characters 1-2 of its credit code: 91 company, 12 事业单位, 31 律所, 52 民非
    categories: tuple[C, ...]
    qualifications: tuple[str, ...]


@dataclass(frozen=True)
class ExpertTemplate:
    name: str
    pinyin: str
    title: str
    organisation: str
    specialties: tuple[str, ...]
    bio: str


@dataclass(frozen=True)
class ServiceTemplate:
    name: str
    category: C
    agency: str | None  # an AgencyTemplate key; None: the window serves it itself
    public_welfare: bool
    mode: M
    fee: str
    days: int
    function: str
    process: str
    standard: str


@dataclass(frozen=True)
class IndustryProfile:
    code: str  # GB/T 4754-2017 class
    words: tuple[str, ...]  # the trade part of a company name
    figures: str  # key of FIGURES: which row of the size-class standard applies


AGENCIES = (
    AgencyTemplate("testing", "{city}电子信息产品检验检测中心", "12",
                   (C.QUALITY_TESTING, C.STANDARDS, C.EQUIPMENT_SHARING),
                   ("检验检测机构资质认定（CMA）", "CNAS 实验室认可")),
    AgencyTemplate("law", "{prov}恒正律师事务所", "31", (C.POLICY, C.MANAGEMENT_CONSULTING),
                   ("律师事务所执业许可证",)),
    AgencyTemplate("accounting", "{city}正信会计师事务所（普通合伙）", "91",
                   (C.MANAGEMENT_CONSULTING, C.FINANCING, C.POLICY),
                   ("会计师事务所执业证书", "证券服务业务备案")),
    AgencyTemplate("guarantee", "{city}中小企业融资担保有限公司", "91", (C.FINANCING,),
                   ("融资担保业务经营许可证",)),
    AgencyTemplate("incubator", "{city}创新港科技企业孵化器有限公司", "91",
                   (C.STARTUP_COACHING, C.TECH_INNOVATION, C.EQUIPMENT_SHARING),
                   ("国家级科技企业孵化器", "国家备案众创空间")),
    AgencyTemplate("training", "{city}职业技能培训学校", "52", (C.TRAINING,),
                   ("民办学校办学许可证", "职业技能等级认定社会培训评价组织")),
    AgencyTemplate("ip", "{city}知创知识产权代理有限公司", "91",
                   (C.TECH_INNOVATION, C.RND_DESIGN, C.OTHER),
                   ("专利代理机构执业许可证", "商标代理机构备案")),
    AgencyTemplate("design", "{city}工业设计研究院有限公司", "91",
                   (C.RND_DESIGN, C.TECH_INNOVATION), ("省级工业设计中心",)),
    AgencyTemplate("trade", "{city}国际商贸会展服务有限公司", "91",
                   (C.MARKET_EXPANSION, C.INFORMATION), ("对外贸易经营者备案",)),
    AgencyTemplate("consulting", "{city}卓越企业管理咨询有限公司", "91",
                   (C.MANAGEMENT_CONSULTING, C.STANDARDS, C.TRAINING),
                   ("质量管理体系认证咨询机构备案",)),
)

EXPERTS = (
    ExpertTemplate("陈志强", "chenzhiqiang", "高级工程师", "{city}电子信息产品检验检测中心",
                   ("电磁兼容", "产品安全认证"),
                   "从事电子产品 EMC 与安规检测 15 年，主持制定团体标准 3 项。"),
    ExpertTemplate("李晓梅", "lixiaomei", "注册会计师", "{city}正信会计师事务所（普通合伙）",
                   ("财务规范", "税务筹划", "上市辅导"),
                   "为 200 余家中小企业提供财务规范化与股改辅导。"),
    ExpertTemplate("王建国", "wangjianguo", "教授", "{prov}工业大学机电工程学院",
                   ("智能制造", "工业机器人"), "博士生导师，主持国家重点研发计划课题 2 项。"),
    ExpertTemplate("张丽华", "zhanglihua", "一级律师", "{prov}恒正律师事务所",
                   ("公司法务", "劳动用工合规", "知识产权诉讼"),
                   "执业 18 年，长期担任多家专精特新企业常年法律顾问。"),
    ExpertTemplate("刘洋", "liuyang", "研究员", "{province}科学院", ("新材料", "科技成果转化"),
                   "从事功能材料研究，推动 30 余项成果在中小企业落地。"),
    ExpertTemplate("黄伟", "huangwei", "正高级工程师", "{city}工业设计研究院有限公司",
                   ("工业设计", "产品结构设计"), "红点设计奖获得者，擅长消费电子与装备外观设计。"),
    ExpertTemplate("周敏", "zhoumin", "高级经济师", "{city}中小企业融资担保有限公司",
                   ("融资担保", "供应链金融"), "从事中小企业信贷与担保业务 12 年。"),
    ExpertTemplate("吴思远", "wusiyuan", "副教授", "{prov}技术师范大学",
                   ("数字化转型", "企业信息化"), "工信部中小企业数字化转型评测专家。"),
    ExpertTemplate("郑海涛", "zhenghaitao", "专利代理师", "{city}知创知识产权代理有限公司",
                   ("专利布局", "高新技术企业认定"), "代理发明专利 600 余件，熟悉电子与机械领域。"),
    ExpertTemplate("孙丽", "sunli", "一级企业人力资源管理师", "{city}职业技能培训学校",
                   ("人力资源", "技能人才培训"), "长期从事企业技能人才评价与培训体系建设。"),
    ExpertTemplate("马俊", "majun", "高级工程师", "{city}创新港科技企业孵化器有限公司",
                   ("创业辅导", "硬件产品化"), "国家级创业导师，辅导孵化企业 80 余家。"),
    ExpertTemplate("林晓东", "linxiaodong", "注册税务师", "{city}正信会计师事务所（普通合伙）",
                   ("税收优惠", "研发费用加计扣除"), "熟悉高新技术企业与软件企业税收政策。"),
    ExpertTemplate("何振华", "hezhenhua", "正高级工程师", "{province}科学院智能制造研究所",
                   ("数控装备", "精益生产"), "主持制造企业精益改善项目 50 余个。"),
    ExpertTemplate("谢雨婷", "xieyuting", "国际商务师", "{city}国际商贸会展服务有限公司",
                   ("跨境电商", "海外展会"), "组织企业参加境外专业展会 40 余场次。"),
    ExpertTemplate("罗志刚", "luozhigang", "教授级高级工程师", "{prov}工业大学材料与能源学院",
                   ("锂电池", "储能材料"), "新能源材料领域专家，拥有授权发明专利 20 余件。"),
    ExpertTemplate("梁淑仪", "liangshuyi", "高级工程师", "{city}卓越企业管理咨询有限公司",
                   ("ISO 9001", "IATF 16949", "质量管理"), "质量管理体系国家注册审核员。"),
)

_PROCESS = "线上或窗口提交申请 → 窗口 1 个工作日内受理 → {step} → 满意度回访"
SERVICES = (
    ServiceTemplate("惠企政策与市场信息查询", C.INFORMATION, None, True, M.ONLINE,
                    "免费（公益性）", 1,
                    "查询国家、省、市惠企政策与行业市场信息，提供政策匹配清单。",
                    _PROCESS.format(step="专员检索整理 → 推送查询结果"),
                    "答复准确、注明政策出处；一般咨询当日答复。"),
    ServiceTemplate("行业动态月报订阅", C.INFORMATION, "trade", True, M.ONLINE, "免费（公益性）", 3,
                    "按企业所属行业每月推送产业动态、招投标与展会信息。",
                    _PROCESS.format(step="登记订阅行业 → 每月首个工作日推送"),
                    "信息来源可追溯，每期不少于 20 条有效信息。"),
    ServiceTemplate("高新技术企业认定辅导", C.TECH_INNOVATION, "ip", True, M.BOTH,
                    "免费（公益性）", 30,
                    "评估企业高企认定条件，辅导知识产权、研发费用归集与申报材料。",
                    _PROCESS.format(step="条件诊断 → 材料辅导 → 申报前审核"),
                    "依据《高新技术企业认定管理办法》及工作指引。"),
    ServiceTemplate("发明专利申请代理", C.TECH_INNOVATION, "ip", False, M.BOTH,
                    "4500元/件（不含官费）", 20, "技术交底、检索分析、撰写并提交发明专利申请。",
                    _PROCESS.format(step="技术交底 → 检索 → 撰写定稿 → 提交国家知识产权局"),
                    "申请文件符合《专利审查指南》要求，提交后提供受理通知书。"),
    ServiceTemplate("科技成果转化对接", C.TECH_INNOVATION, "incubator", True, M.OFFLINE,
                    "免费（公益性）", 15, "对接高校院所成果与企业技术需求，组织供需洽谈。",
                    _PROCESS.format(step="需求梳理 → 成果匹配 → 组织对接洽谈"),
                    "每项需求推荐不少于 3 项可转化成果。"),
    ServiceTemplate("电磁兼容（EMC）检测", C.QUALITY_TESTING, "testing", False, M.OFFLINE,
                    "800元/项", 7, "对电子电气产品开展辐射、传导骚扰及抗扰度检测。",
                    _PROCESS.format(step="寄送样品 → 实验室检测 → 出具 CMA 检测报告"),
                    "依据 GB/T 9254、GB/T 17626 系列标准。"),
    ServiceTemplate("RoHS 有害物质检测", C.QUALITY_TESTING, "testing", False, M.OFFLINE,
                    "300元/样品", 5, "检测铅、汞、镉、六价铬、多溴联苯等限用物质含量。",
                    _PROCESS.format(step="寄送样品 → XRF 筛查与化学确认 → 出具报告"),
                    "依据 GB/T 26125、IEC 62321 系列标准。"),
    ServiceTemplate("产品安规预测试", C.QUALITY_TESTING, "testing", True, M.OFFLINE,
                    "免费（公益性，每家每年 2 次）", 5,
                    "CCC 认证送检前的安全性能预测试与整改建议。",
                    _PROCESS.format(step="预约测试 → 工程师现场测试 → 整改建议书"),
                    "依据 GB 4943.1 等强制性国家标准。"),
    ServiceTemplate("企业标准编制与自我声明公开指导", C.STANDARDS, "consulting", True, M.BOTH,
                    "免费（公益性）", 10, "指导企业编制产品标准并在企业标准信息公共服务平台公开。",
                    _PROCESS.format(step="标准草案审阅 → 修改意见 → 指导公开"),
                    "依据 GB/T 1.1-2020 起草规则。"),
    ServiceTemplate("技术性贸易措施（TBT）预警咨询", C.STANDARDS, "testing", True, M.ONLINE,
                    "免费（公益性）", 3, "解读出口目标市场技术法规与标准变化，提供应对建议。",
                    _PROCESS.format(step="专家研判 → 出具预警解读"),
                    "依据 WTO/TBT 通报及目标市场官方公告。"),
    ServiceTemplate("企业管理诊断", C.MANAGEMENT_CONSULTING, "consulting", True, M.OFFLINE,
                    "免费（公益性，首次诊断）", 15, "围绕战略、生产、质量与财务开展现场诊断。",
                    _PROCESS.format(step="资料收集 → 现场调研 → 诊断报告与改进建议"),
                    "诊断报告不少于 20 页，含量化改进目标。"),
    ServiceTemplate("财务规范化辅导", C.MANAGEMENT_CONSULTING, "accounting", False, M.BOTH,
                    "2000元/次", 10, "梳理账务与内控流程，规范核算以满足融资与审计要求。",
                    _PROCESS.format(step="账务检查 → 问题清单 → 辅导整改"),
                    "依据《企业会计准则》与《小企业会计准则》。"),
    ServiceTemplate("劳动用工合规体检", C.MANAGEMENT_CONSULTING, "law", True, M.BOTH,
                    "免费（公益性）", 10, "审查劳动合同、规章制度与社保缴纳，提示用工风险。",
                    _PROCESS.format(step="材料审查 → 风险访谈 → 出具合规体检报告"),
                    "依据《劳动合同法》及地方劳动用工规定。"),
    ServiceTemplate("创业导师一对一辅导", C.STARTUP_COACHING, "incubator", True, M.BOTH,
                    "免费（公益性）", 7, "由创业导师就商业模式、股权架构与融资路演一对一辅导。",
                    _PROCESS.format(step="匹配导师 → 预约辅导 → 辅导纪要"),
                    "每次辅导不少于 2 小时，形成书面辅导纪要。"),
    ServiceTemplate("孵化场地入驻", C.STARTUP_COACHING, "incubator", False, M.OFFLINE,
                    "60元/㎡·月（首年减半）", 15, "为初创企业提供办公与实验场地及配套服务。",
                    _PROCESS.format(step="入驻评审 → 签订协议 → 办理入驻"),
                    "依据孵化器入驻管理办法，评审结果书面告知。"),
    ServiceTemplate("境外展会组团参展", C.MARKET_EXPANSION, "trade", False, M.OFFLINE,
                    "展位费按主办方标准，组团服务费 3000元/家", 60,
                    "组织企业参加境外专业展会，提供展位申请、布展与行程服务。",
                    _PROCESS.format(step="报名 → 展位确认 → 行前培训 → 随团服务"),
                    "展位位置与费用明细书面确认。"),
    ServiceTemplate("跨境电商开店辅导", C.MARKET_EXPANSION, "trade", True, M.ONLINE,
                    "免费（公益性）", 14, "辅导企业入驻主流跨境电商平台，完成店铺搭建与首批上架。",
                    _PROCESS.format(step="平台选择 → 开店辅导 → 上架运营指导"),
                    "辅导期内完成店铺开通与不少于 10 个商品上架。"),
    ServiceTemplate("专精特新企业经营管理研修班", C.TRAINING, "training", True, M.OFFLINE,
                    "免费（公益性）", 30, "面向企业高管的战略、创新与资本运营系列课程。",
                    _PROCESS.format(step="报名审核 → 集中授课 → 结业考核"),
                    "不少于 48 学时，颁发结业证书。"),
    ServiceTemplate("数字化转型专题培训", C.TRAINING, "training", True, M.ONLINE,
                    "免费（公益性）", 7, "讲解工业互联网、上云用数与数字化改造路径。",
                    _PROCESS.format(step="线上报名 → 直播授课 → 课后测评"),
                    "每期不少于 6 学时，提供课程回放。"),
    ServiceTemplate("安全生产管理人员培训", C.TRAINING, "training", False, M.OFFLINE,
                    "600元/人", 10, "安全生产管理人员取证与复审培训。",
                    _PROCESS.format(step="报名 → 授课 → 考试 → 证书办理"),
                    "依据《生产经营单位安全培训规定》。"),
    ServiceTemplate("大型仪器设备共享", C.EQUIPMENT_SHARING, "testing", False, M.OFFLINE,
                    "300–1500元/机时（按设备收费标准）", 5,
                    "开放扫描电镜、三坐标测量仪、环境试验箱等大型仪器。",
                    _PROCESS.format(step="在线预约 → 机时确认 → 上机或委托测试"),
                    "收费标准在平台公示，预约 3 个工作日内安排机时。"),
    ServiceTemplate("快速成型与 3D 打印", C.EQUIPMENT_SHARING, "incubator", False, M.OFFLINE,
                    "按材料与机时计价，起价 200元/件", 3, "为产品样机提供 SLA/SLS/金属 3D 打印。",
                    _PROCESS.format(step="上传模型 → 报价确认 → 打印交付"),
                    "尺寸精度 ±0.1 mm，交付前质检。"),
    ServiceTemplate("中小企业融资担保", C.FINANCING, "guarantee", False, M.OFFLINE,
                    "担保费率年化 1.0%（政策性业务）", 15, "为中小企业银行贷款提供融资担保。",
                    _PROCESS.format(step="尽职调查 → 评审会 → 出具担保函"),
                    "依据《融资担保公司监督管理条例》，材料齐全后 15 日内出具结论。"),
    ServiceTemplate("银企融资对接", C.FINANCING, None, True, M.BOTH, "免费（公益性）", 10,
                    "汇总企业融资需求，推送合作银行并组织银企对接会。",
                    _PROCESS.format(step="需求登记 → 推送合作银行 → 组织对接"),
                    "每项需求 10 日内反馈银行意向。"),
    ServiceTemplate("知识产权质押融资辅导", C.FINANCING, "ip", True, M.BOTH,
                    "免费（公益性）", 20, "辅导专利、商标价值评估与质押登记，对接贷款银行。",
                    _PROCESS.format(step="价值评估 → 银行对接 → 质押登记"),
                    "依据《专利权质押登记办法》。"),
    ServiceTemplate("工业设计服务", C.RND_DESIGN, "design", False, M.BOTH,
                    "按项目报价，起价 20000元/项", 45, "产品外观、CMF 与人机交互设计。",
                    _PROCESS.format(step="需求调研 → 概念方案 → 深化设计 → 交付"),
                    "交付设计图纸与三维数据，含两轮修改。"),
    ServiceTemplate("产品结构设计与仿真", C.RND_DESIGN, "design", False, M.BOTH,
                    "8000元/项起", 20, "结构设计、强度与热仿真分析，降低试模成本。",
                    _PROCESS.format(step="需求确认 → 建模仿真 → 优化建议"),
                    "仿真报告含边界条件与结论，模型可追溯。"),
    ServiceTemplate("惠企政策申报辅导", C.POLICY, None, True, M.BOTH, "免费（公益性）", 10,
                    "辅导专精特新、技术改造、研发补助等项目申报。",
                    _PROCESS.format(step="资格预审 → 材料辅导 → 申报提醒"),
                    "依据当年度申报指南，材料退改一次性告知。"),
    ServiceTemplate("公益法律咨询", C.POLICY, "law", True, M.BOTH, "免费（公益性，首次 1 小时）", 3,
                    "合同、股权、知识产权与劳动争议等法律咨询。",
                    _PROCESS.format(step="预约律师 → 面谈或视频咨询"),
                    "执业律师解答，咨询记录存档。"),
    ServiceTemplate("税收优惠政策解读", C.POLICY, "accounting", True, M.ONLINE,
                    "免费（公益性）", 5, "解读研发费用加计扣除、小微企业所得税优惠等政策。",
                    _PROCESS.format(step="在线提问 → 税务师答复"),
                    "答复注明政策文号。"),
    ServiceTemplate("企业登记注册代办", C.OTHER, None, True, M.BOTH, "免费（公益性）", 3,
                    "代办企业设立、变更登记及银行开户预约。",
                    _PROCESS.format(step="材料预审 → 网上提交 → 领取执照"),
                    "材料齐全 3 个工作日内办结。"),
    ServiceTemplate("商标注册代理", C.OTHER, "ip", False, M.ONLINE,
                    "800元/件（含官费）", 5, "商标查询、申请文件制作与提交。",
                    _PROCESS.format(step="近似查询 → 确定类别 → 提交申请"),
                    "提交后 5 个工作日内提供受理回执。"),
)

# Size class → (employees range, revenue range in 万元), per row of 工信部联企业〔2011〕300号.
Figures = dict[str, tuple[tuple[int, int], tuple[int, int]]]
FIGURES: dict[str, Figures] = {
    "industry": {"MICRO": ((5, 19), (50, 280)), "SMALL": ((20, 280), (300, 1900)),
                 "MEDIUM": ((300, 900), (2000, 30000))},
    "software": {"MICRO": ((3, 9), (20, 300)), "SMALL": ((10, 95), (60, 950)),
                 "MEDIUM": ((100, 280), (1000, 9000))},
    "retail": {"MICRO": ((2, 9), (20, 95)), "SMALL": ((10, 48), (100, 480)),
               "MEDIUM": ((50, 280), (500, 15000))},
    "other": {"MICRO": ((2, 9), (10, 200)), "SMALL": ((10, 95), (100, 1500)),
              "MEDIUM": ((100, 280), (1500, 9000))},
}
SIZE_WEIGHTS = {"MICRO": 5, "SMALL": 4, "MEDIUM": 1}

INDUSTRIES = (
    IndustryProfile("3982", ("电子", "电路科技"), "industry"),
    IndustryProfile("3976", ("光电", "光电科技"), "industry"),
    IndustryProfile("3983", ("传感技术", "智能传感"), "industry"),
    IndustryProfile("3922", ("通讯设备", "通信技术"), "industry"),
    IndustryProfile("3961", ("智能科技", "穿戴科技"), "industry"),
    IndustryProfile("3912", ("电脑配件", "数码科技"), "industry"),
    IndustryProfile("3981", ("电子元件", "电子材料"), "industry"),
    IndustryProfile("3484", ("精密机械", "五金机械"), "industry"),
    IndustryProfile("3491", ("机器人", "自动化科技"), "industry"),
    IndustryProfile("3421", ("数控机床", "机床"), "industry"),
    IndustryProfile("3453", ("传动科技", "齿轮"), "industry"),
    IndustryProfile("3525", ("模具", "精密模具"), "industry"),
    IndustryProfile("3563", ("自动化设备", "智能装备"), "industry"),
    IndustryProfile("3581", ("医疗器械", "医疗科技"), "industry"),
    IndustryProfile("3841", ("新能源", "电池科技"), "industry"),
    IndustryProfile("3854", ("电器", "厨电科技"), "industry"),
    IndustryProfile("6513", ("软件", "网络科技"), "software"),
    IndustryProfile("6520", ("微电子", "芯片设计"), "software"),
    IndustryProfile("6531", ("信息技术", "系统集成"), "software"),
    IndustryProfile("6532", ("物联科技", "物联网技术"), "software"),
    IndustryProfile("6450", ("数据科技", "大数据"), "software"),
    IndustryProfile("5292", ("电子商务", "电商"), "retail"),
    IndustryProfile("5273", ("数码", "电脑"), "retail"),
    IndustryProfile("7491", ("工业设计", "设计"), "other"),
    IndustryProfile("7452", ("检测技术", "检测"), "other"),
    IndustryProfile("7517", ("三维科技", "增材制造"), "other"),
    IndustryProfile("7520", ("知识产权服务", "知识产权"), "other"),
)

# Brand syllables (字号) with their pinyin, for company names and e-mail domains.
BRAND = (("华", "hua"), ("创", "chuang"), ("鑫", "xin"), ("达", "da"), ("联", "lian"),
         ("讯", "xun"), ("德", "de"), ("宏", "hong"), ("瑞", "rui"), ("锐", "rui"),
         ("海", "hai"), ("恒", "heng"), ("信", "xin"), ("泰", "tai"), ("科", "ke"),
         ("源", "yuan"), ("芯", "xin"), ("腾", "teng"), ("飞", "fei"), ("新", "xin"),
         ("捷", "jie"), ("博", "bo"), ("亿", "yi"), ("汇", "hui"), ("智", "zhi"),
         ("星", "xing"), ("晟", "sheng"), ("璟", "jing"), ("安", "an"),
         ("通", "tong"))
SURNAMES = (("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
            ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
            ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
            ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"), ("梁", "liang"),
            ("郑", "zheng"), ("谢", "xie"), ("邓", "deng"), ("冯", "feng"), ("曾", "zeng"))
GIVEN_NAMES = (("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
               ("强", "qiang"), ("磊", "lei"), ("洋", "yang"), ("艳", "yan"), ("勇", "yong"),
               ("军", "jun"), ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
               ("秀英", "xiuying"), ("志伟", "zhiwei"), ("晓燕", "xiaoyan"), ("建华", "jianhua"),
               ("文博", "wenbo"), ("嘉欣", "jiaxin"), ("俊杰", "junjie"), ("雅婷", "yating"),
               ("子豪", "zihao"), ("海燕", "haiyan"), ("国强", "guoqiang"), ("丽娟", "lijuan"))
MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "158", "159", "182", "187", "188",
                   "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "189",
                   "177", "199")
AREA_CODES = {"1101": "010", "3101": "021", "4401": "020", "4403": "0755", "4404": "0756",
              "4406": "0757", "4419": "0769", "4420": "0760"}

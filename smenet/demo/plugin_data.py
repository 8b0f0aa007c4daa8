"""Demo data of the windows' plugins, written through each node's GraphQL API as its admin
(``Mutation.ext.<namespace>``) over the catalogue ``smenet node seed`` wrote. A plugin whose
catalogue already holds something is left alone, so a second run writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from federation.console import CommandError
from smenet.demo.client import GraphQL

# The node's default time zone (DESIGN §4): bookings and samples fall on its working days.
LOCAL = ZoneInfo("Asia/Shanghai")

CATALOGUE = """{
  services(first: 100) { edges { node { id category status agency { id } } } }
  agencies(first: 100) { edges { node { id categories } } }
  enterprises(first: 100) { edges { node { id sizeClass } } }
}"""


@dataclass(frozen=True)
class Catalogue:
    """What the seed put in the window, read once."""

    services: list[dict[str, Any]]
    agencies: list[dict[str, Any]]
    enterprises: list[dict[str, Any]]

    @classmethod
    def read(cls, node: GraphQL) -> Catalogue:
        data = node(CATALOGUE)
        nodes = {key: [edge["node"] for edge in data[key]["edges"]] for key in data}
        return cls(nodes["services"], nodes["agencies"], nodes["enterprises"])

    def published(self, category: str) -> list[dict[str, Any]]:
        return [
            s for s in self.services if s["category"] == category and s["status"] == "PUBLISHED"
        ]

    def agency_ids(self, category: str) -> list[str]:
        """Agencies serving the category; every agency when none does."""
        serving = [a["id"] for a in self.agencies if category in a["categories"]]
        return serving or [a["id"] for a in self.agencies]

    def enterprise_ids(self, size_class: str) -> list[str]:
        return [e["id"] for e in self.enterprises if e["sizeClass"] == size_class]


# 设备共享: instruments (name, model, yuan per hour, location, description) and bookings
# (instrument, days from today, start hour, hours, purpose, then USED with its outcome,
# BOOKED, or CANCELLED).
INSTRUMENTS = (
    ("场发射扫描电子显微镜", "Hitachi SU5000", "600", "平台 A 栋 2 楼", "表面形貌与微区成分分析"),
    ("X 射线荧光光谱仪", "Thermo ARL PERFORM'X", "320", "平台 A 栋 3 楼", "RoHS 有害物质筛查"),
    ("三坐标测量机", "Zeiss CONTURA G2", "260", "精密测量室", "结构件尺寸与形位公差检测"),
    ("高低温湿热试验箱", "ESPEC SH-662", "80", "环境试验室", "-70 ℃～150 ℃ 温湿度循环试验"),
    ("矢量网络分析仪", "Keysight E5071C", "180", "射频实验室", "9 kHz～8.5 GHz 射频器件测试"),
)
BOOKINGS = (
    (0, -20, 9, 3, "导热界面材料断面形貌观察", "USED", "完成 12 个样品断面观察，出具形貌图谱"),
    (1, -12, 14, 2, "出口产品 RoHS 有害物质筛查", "USED", "10 个样品铅、镉、汞等六项均低于限值"),
    (2, -6, 9, 4, "精密压铸件首件尺寸检测", "USED", "32 项尺寸全部合格，出具测量报告"),
    (3, -3, 8, 8, "车载控制器高低温循环试验", "USED", "完成 -40 ℃～85 ℃ 循环 3 次，功能正常"),
    (0, 2, 9, 2, "失效焊点微观分析", "BOOKED", ""),
    (4, 4, 14, 3, "5G 滤波器插损与驻波比测试", "BOOKED", ""),
    (2, 6, 9, 2, "模具型腔尺寸复检", "CANCELLED", ""),
)
CREATE_INSTRUMENT = """mutation($i: EquipmentInstrumentInput!) {
  ext { equipment { createInstrument(input: $i) { instrument { id } } } } }"""
BOOK = """mutation($i: EquipmentBookingInput!) {
  ext { equipment { bookInstrument(input: $i) { booking { id } } } } }"""
USED = """mutation($id: ID!, $o: String!) { ext { equipment {
  recordEquipmentUsage(bookingId: $id, outcome: $o) { booking { status } } } } }"""
CANCEL_BOOKING = """mutation($id: ID!) {
  ext { equipment { cancelBooking(id: $id) { booking { status } } } } }"""


def _equipment(node: GraphQL, catalogue: Catalogue, today: date) -> None:
    services = catalogue.published("EQUIPMENT_SHARING")
    if not services:  # the seed publishes every category; a window changed by hand may not
        raise CommandError("no published EQUIPMENT_SHARING service to deliver instruments under")
    instruments = []
    for n, (name, model, fee, location, description) in enumerate(INSTRUMENTS):
        service = services[n % len(services)]
        instrument = {
            "name": name,
            "model": model,
            "hourlyFee": fee,
            "serviceId": service["id"],
            "agencyId": service["agency"]["id"] if service["agency"] else None,
            "location": location,
            "description": description,
        }
        answer = node(CREATE_INSTRUMENT, i=instrument)
        instruments.append(answer["ext"]["equipment"]["createInstrument"]["instrument"]["id"])
    enterprises = [e["id"] for e in catalogue.enterprises]
    for n, (which, days, hour, hours, purpose, status, outcome) in enumerate(BOOKINGS):
        starts = datetime.combine(today + timedelta(days=days), time(hour), LOCAL)
        booking = {
            "instrumentId": instruments[which],
            "enterpriseId": enterprises[n % len(enterprises)],
            "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(hours=hours)).isoformat(),
            "purpose": purpose,
        }
        answer = node(BOOK, i=booking)
        booking_id = answer["ext"]["equipment"]["bookInstrument"]["booking"]["id"]
        if status == "USED":
            node(USED, id=booking_id, o=outcome)
        elif status == "CANCELLED":
            node(CANCEL_BOOKING, id=booking_id)


# 检验检测: test orders (sample, quantity, standard, days since receipt, then the outcome:
# a report's conclusion with its summary, TESTING, RECEIVED, or CANCELLED with the reason).
ORDERS = (
    ("锂离子电池保护板", 20, "GB/T 36972-2018", 25, "PASS", "过充、过放、短路保护功能均符合要求"),
    ("USB-C 快充电源适配器", 12, "GB 4943.1-2022", 18, "FAIL", "输出端子温升 52 K，超出限值"),
    ("LED 驱动电源", 10, "GB/T 17743-2021", 12, "PASS", "电磁骚扰各频段均低于限值"),
    ("电动遥控玩具", 15, "GB 6675.2-2014", 10, "INCONCLUSIVE", "小零件项目样品不足，建议补样复测"),
    ("蓝牙音箱", 6, "GB/T 9254.1-2021", 5, "TESTING", ""),
    ("儿童电动玩具车", 3, "GB 6675.2-2014", 9, "CANCELLED", "企业撤回委托：样品型号变更"),
    ("智能手表注塑外壳", 30, "GB/T 2423.17-2008", 1, "RECEIVED", ""),
)
CREATE_ORDER = """mutation($i: InspectionOrderInput!) {
  ext { inspection { createOrder(input: $i) { order { id } } } } }"""
START_TESTING = (
    "mutation($id: ID!) { ext { inspection { startTesting(id: $id) { order { id } } } } }"
)
REPORT = """mutation($id: ID!, $r: InspectionReportInput!) {
  ext { inspection { reportOrder(id: $id, input: $r) { order { status } } } } }"""
CANCEL_ORDER = """mutation($id: ID!, $why: String!) {
  ext { inspection { cancelOrder(id: $id, reason: $why) { order { status } } } } }"""


def _inspection(node: GraphQL, catalogue: Catalogue, today: date) -> None:
    labs = catalogue.agency_ids("QUALITY_TESTING")
    services = catalogue.published("QUALITY_TESTING")
    enterprises = [e["id"] for e in catalogue.enterprises]
    for n, (sample, quantity, standard, days, outcome, text) in enumerate(ORDERS):
        received = today - timedelta(days=days)
        order = {
            "enterpriseId": enterprises[-1 - n % len(enterprises)],
            "labId": labs[n % len(labs)],
            "serviceId": services[0]["id"] if services else None,
            "sampleDescription": f"{sample}，{quantity} 件",
            "sampleQuantity": quantity,
            "standard": standard,
            "receivedOn": received.isoformat(),
        }
        answer = node(CREATE_ORDER, i=order)
        order_id = answer["ext"]["inspection"]["createOrder"]["order"]["id"]
        if outcome == "CANCELLED":
            node(CANCEL_ORDER, id=order_id, why=text)
        elif outcome != "RECEIVED":
            node(START_TESTING, id=order_id)
        if outcome in ("PASS", "FAIL", "INCONCLUSIVE"):
            number = f"JC{received:%Y%m%d}-{n + 1:03d}"
            report = {"number": number, "conclusion": outcome, "summary": text}
            node(REPORT, id=order_id, r=report)


# 融资对接: products (name, provider, kind, 万元 from–to, months from–to, size classes, rate)
# and demands (size class of the enterprise, 万元, months, purpose, then what became of it).
PRODUCTS = (
    (
        "科技型中小企业信用贷",
        "中国工商银行",
        "BANK",
        50,
        1000,
        12,
        36,
        ("MEDIUM", "SMALL"),
        "LPR+30BP 起，纯信用",
    ),
    (
        "小微企业普惠贷",
        "中国农业银行",
        "BANK",
        10,
        300,
        6,
        36,
        ("SMALL", "MICRO"),
        "年化 3.45% 起，随借随还",
    ),
    (
        "政策性融资担保",
        "市融资担保有限公司",
        "GUARANTEE",
        100,
        2000,
        12,
        36,
        ("MEDIUM", "SMALL"),
        "担保费率 1%/年",
    ),
    (
        "应急转贷资金",
        "县中小企业应急转贷基金",
        "OTHER",
        50,
        500,
        1,
        3,
        ("MEDIUM", "SMALL", "MICRO"),
        "日费率 0.01%",
    ),
)
DEMANDS = (
    ("SMALL", 200, 12, "购置 SMT 贴片生产线", "APPROVED", "180"),
    ("MICRO", 30, 12, "补充流动资金，支付原材料货款", "APPROVED", "30"),
    ("MEDIUM", 800, 24, "新建厂房及设备购置", "MATCHED", ""),
    ("SMALL", 150, 12, "海外订单备货", "DECLINED", "近两年纳税记录不足，暂不符合授信条件"),
    ("MICRO", 20, 12, "门店装修及设备更新", "OPEN", ""),
    ("SMALL", 100, 24, "新产品研发投入", "OPEN", ""),
)
CREATE_PRODUCT = """mutation($i: FinancingProductInput!) {
  ext { financing { createProduct(input: $i) { product { id } } } } }"""
CREATE_DEMAND = """mutation($i: FinancingDemandInput!) {
  ext { financing { createDemand(input: $i) { demand { id } } } } }"""
MATCHES = (
    "query($id: ID!) { ext { financing { matches(demandId: $id) { eligible product { id } } } } }"
)
MATCH = """mutation($id: ID!, $p: ID!) {
  ext { financing { matchDemand(id: $id, productId: $p) { demand { status } } } } }"""
APPROVE = """mutation($id: ID!, $a: Decimal!) {
  ext { financing { approveDemand(id: $id, approvedAmount: $a) { demand { status } } } } }"""
DECLINE = """mutation($id: ID!, $why: String!) {
  ext { financing { declineDemand(id: $id, reason: $why) { demand { status } } } } }"""


def _financing(node: GraphQL, catalogue: Catalogue, today: date) -> None:
    for name, provider, kind, low, high, shortest, longest, sizes, rate in PRODUCTS:
        product = {
            "name": name,
            "providerName": provider,
            "providerKind": kind,
            "amountMin": str(low),
            "amountMax": str(high),
            "termMinMonths": shortest,
            "termMaxMonths": longest,
            "sizeClasses": list(sizes),
            "rateDescription": rate,
        }
        node(CREATE_PRODUCT, i=product)
    taken: dict[str, int] = {}
    for size, amount, months, purpose, outcome, detail in DEMANDS:
        candidates = catalogue.enterprise_ids(size) or [e["id"] for e in catalogue.enterprises]
        enterprise = candidates[taken.get(size, 0) % len(candidates)]
        taken[size] = taken.get(size, 0) + 1
        demand = {"enterpriseId": enterprise, "amount": str(amount), "termMonths": months}
        answer = node(CREATE_DEMAND, i={**demand, "purpose": purpose})
        demand_id = answer["ext"]["financing"]["createDemand"]["demand"]["id"]
        if outcome == "OPEN":
            continue
        matches = node(MATCHES, id=demand_id)["ext"]["financing"]["matches"]
        eligible = [m["product"]["id"] for m in matches if m["eligible"]]
        if not eligible:  # the enterprise's size class fits no product: the demand stays open
            continue
        node(MATCH, id=demand_id, p=eligible[0])
        if outcome == "APPROVED":
            node(APPROVE, id=demand_id, a=detail)
        elif outcome == "DECLINED":
            node(DECLINE, id=demand_id, why=detail)


Populate = Callable[[GraphQL, Catalogue, date], None]
# Per plugin: a query whose totalCount says whether its demo data is there, and what writes it.
PLUGINS: dict[str, tuple[str, Populate]] = {
    "equipment": (
        "{ ext { equipment { instruments(includeRetired: true, first: 1) { totalCount } } } }",
        _equipment,
    ),
    "inspection": ("{ ext { inspection { orders(first: 1) { totalCount } } } }", _inspection),
    "financing": (
        "{ ext { financing { products(includeRetired: true, first: 1) { totalCount } } } }",
        _financing,
    ),
}


def populate(node: GraphQL, plugins: tuple[str, ...]) -> list[str]:
    """Write the demo data of each plugin that has none yet; the plugins written."""
    written: list[str] = []
    catalogue: Catalogue | None = None
    for plugin in plugins:
        probe, write = PLUGINS[plugin]
        (listing,) = node(probe)["ext"][plugin].values()
        if listing["totalCount"]:
            continue
        catalogue = catalogue or Catalogue.read(node)
        write(node, catalogue, datetime.now(LOCAL).date())
        written.append(plugin)
    return written

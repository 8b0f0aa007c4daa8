"""The demo network's cast: its windows, in start order, and the people who log in."""

from __future__ import annotations

from dataclasses import dataclass

# Every demo account's password; the admins' are the ones `init` was given.
ADMIN_PASSWORD = "demo-admin-1"
HUB_PASSWORD = "demo-hub-1"
HUB_OPERATOR = ("operator", "HUB_OPERATOR", "枢纽平台运营")
# One account per expert review an application needs (`reviews_required`).
HUB_REVIEWERS = (
    ("expert-li", "EXPERT_REVIEWER", "李振华（评审专家）"),
    ("expert-chen", "EXPERT_REVIEWER", "陈晓敏（评审专家）"),
)
HUB_SUPERVISOR = ("supervisor", "SUPERVISOR", "省工业和信息化厅监督员")
HUB_USERS = (HUB_OPERATOR, *HUB_REVIEWERS, HUB_SUPERVISOR)


@dataclass(frozen=True)
class DemoWindow:
    window_id: str
    name: str
    region: str
    kind: str  # `smenet node init --kind`
    organisation: str
    service_scope: str
    contact: tuple[str, str, str]  # name, phone, email of the application's contact person
    industries: tuple[str, ...] = ()
    plugins: tuple[str, ...] = ()  # entry-point names, exactly those in its smenet.toml


WINDOWS = (
    DemoWindow(
        "gz",
        "广州市中小企业公共服务窗口",
        "440100",
        "comprehensive",
        "广州市中小企业服务中心",
        "政策咨询、创业辅导、人才培训、管理咨询、市场开拓",
        ("周立新", "020-83120000", "zhoulx@gzsme.example.cn"),
    ),
    DemoWindow(
        "dg-ssl",
        "东莞市松山湖电子信息产业集群服务窗口",
        "441900",
        "industry",
        "东莞松山湖电子信息产业服务中心",
        "大型仪器设备共享、检验检测、研发设计、标准咨询",
        ("黄佩珊", "0769-22890000", "huangps@ssl-elec.example.cn"),
        industries=("C39",),
        plugins=("equipment", "inspection"),
    ),
    DemoWindow(
        "hz-bl",
        "惠州市博罗县中小企业服务窗口",
        "441322",
        "comprehensive",
        "博罗县中小企业服务中心",
        "融资对接、政策咨询、人才培训、管理咨询",
        ("罗嘉伟", "0752-6120000", "luojw@blsme.example.cn"),
        plugins=("financing",),
    ),
    DemoWindow(
        "sz-ns",
        "深圳市南山区中小企业服务窗口",
        "440305",
        "comprehensive",
        "深圳市南山区中小企业服务中心",
        "政策咨询、融资对接、检验检测、知识产权、人才培训",
        ("王敏", "0755-86000000", "wangmin@nssme.example.cn"),
        plugins=("financing", "inspection"),
    ),
    DemoWindow(
        "fs-sd",
        "佛山市顺德区装备制造产业服务窗口",
        "440606",
        "industry",
        "顺德区装备制造产业服务中心",
        "设备共享、研发设计、质量检测、智能制造咨询",
        ("梁志坚", "0757-22830000", "liangzj@sd-equip.example.cn"),
        industries=("C34", "C35"),
        plugins=("equipment",),
    ),
    DemoWindow(
        "st-ch",
        "汕头市澄海区玩具创意产业服务窗口",
        "440515",
        "industry",
        "澄海区玩具行业公共服务中心",
        "玩具安全检测、外观设计、市场开拓、标准咨询",
        ("陈泽鹏", "0754-85730000", "chenzp@chtoys.example.cn"),
        industries=("C24",),
        plugins=("inspection",),
    ),
    DemoWindow(
        "zh-xz",
        "珠海市香洲区中小企业服务窗口",
        "440402",
        "comprehensive",
        "香洲区中小企业服务中心",
        "政策咨询、融资对接、设备共享、创业辅导",
        ("邓婉仪", "0756-2210000", "dengwy@xzsme.example.cn"),
        plugins=("equipment", "financing"),
    ),
)
DEFAULT_WINDOWS = 3

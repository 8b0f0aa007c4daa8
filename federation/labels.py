"""Chinese labels of the protocol's codes as people read them on pages (DESIGN §8): service
categories, report kinds, and why a window's node gave no answer. One place for each, shared by
the node's pages and the hub's dashboard; a code without a label is shown as it is."""

from __future__ import annotations

__all__ = ["CATEGORY_LABELS", "REPORT_KIND_LABELS", "WINDOW_FAILURE_LABELS", "label"]

CATEGORY_LABELS = {
    "INFORMATION": "信息查询",
    "TECH_INNOVATION": "技术创新",
    "QUALITY_TESTING": "质量检测",
    "STANDARDS": "法规标准",
    "MANAGEMENT_CONSULTING": "管理咨询",
    "STARTUP_COACHING": "创业辅导",
    "MARKET_EXPANSION": "市场开拓",
    "TRAINING": "人员培训",
    "EQUIPMENT_SHARING": "设备共享",
    "FINANCING": "融资担保",
    "RND_DESIGN": "研发设计",
    "POLICY": "政策服务",
    "OTHER": "其他",
}
REPORT_KIND_LABELS = {
    "SERVICE_PLAN": "服务计划",
    "SERVICE_DATA": "服务数据",
    "SUMMARY": "工作总结",
}
WINDOW_FAILURE_LABELS = {
    "WINDOW_UNAVAILABLE": "节点无法连接",
    "WINDOW_TIMEOUT": "节点未按时应答",
    "WINDOW_ERROR": "节点应答出错",
    "RESPONSE_TOO_LARGE": "应答超出大小上限",
}


def label(labels: dict[str, str], code: str) -> str:
    return labels.get(code, code)

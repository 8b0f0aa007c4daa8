"""The hub's supervision in the demo (DESIGN §7): the operator broadcasts a policy to every
window once. The rest comes by itself: each node writes its reports and pushes them, and the
demands its seed escalated, through its outbox to the hub."""

from __future__ import annotations

from smenet.demo.client import GraphQL

BROADCASTS = "{ broadcasts(first: 1) { totalCount } }"
PUBLISH = """mutation($i: BroadcastInput!) { publishBroadcast(input: $i) { id } }"""
POLICY = {
    "kind": "POLICY",
    "title": "关于开展年度中小企业服务券申领工作的通知",
    "body": (
        "各窗口平台：本年度中小企业服务券即日起开放申领，可在网络内任一窗口平台兑付检验检测、"
        "管理咨询、人员培训等增值性服务。请各窗口做好政策宣传和服务对接，并按月报送服务数据。"
    ),
}


def broadcast_policy(operator: GraphQL) -> bool:
    """Publish the demo's policy to every window, unless the hub has broadcast before (a
    resumed demo). True when it was published now."""
    if operator(BROADCASTS)["broadcasts"]["totalCount"]:
        return False
    operator(PUBLISH, i=POLICY)
    return True

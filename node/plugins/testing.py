"""A real window node for tests — the node's own and plugin authors': initialised by the
``smenet`` command, served by uvicorn on loopback, queried with the gql client.

    node = NodeServer(data_dir=tmp_path)
    node.init()
    node.start()
    data = await node.ok("{ ext { myplugin { greeting } } }")
    node.stop()

Plugins load in strict mode here, so a plugin that fails to load fails the test with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from federation.testing import ADMIN_PASSWORD, Result, Server, free_port, smenet

__all__ = ["ADMIN_PASSWORD", "NodeServer", "Result", "free_port", "smenet"]


@dataclass
class NodeServer(Server):
    KIND: ClassVar[str] = "node"
    BASE_ENV: ClassVar[dict[str, str]] = {"SMENET_PLUGINS_STRICT": "true"}

    window_id: str = "test-window"

    def init(self, *extra: str) -> None:
        args = ["--db", self.db_url] if self.db_url else []
        done = smenet(
            "node",
            "init",
            "--data",
            str(self.data_dir),
            "--window-id",
            self.window_id,
            "--name",
            "深圳市南山区中小企业服务窗口",
            "--region",
            "440305",
            "--admin-password",
            ADMIN_PASSWORD,
            *args,
            *extra,
        )
        assert done.returncode == 0, done.stderr

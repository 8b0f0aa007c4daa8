"""One server contender in its own process:
``python -m bench.serve node|unguarded|naive DB_PATH PORT``.

``node`` is served as ``smenet node serve`` serves it (``federation.serve``: body limit, read
timeouts, headers; its anonymous rate limit set too high to refuse the load, but still taken per
request); ``unguarded`` is the same node with its guards off (``bench/unguarded.py``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.data import WINDOW_ID
from bench.unguarded import guards_off, plain_serve


def main(argv: list[str]) -> None:
    kind, db_path, port = argv[0], Path(argv[1]), int(argv[2])
    if kind == "naive":
        from bench.naive import create_app as create_naive

        plain_serve(create_naive(f"sqlite://{db_path}"), "127.0.0.1", port)
        return
    if kind not in ("node", "unguarded"):
        raise SystemExit(f"unknown contender {kind!r}")
    if kind == "unguarded":
        guards_off()
    import node.cli
    from node.app import create_app
    from node.config import NodeSettings

    settings = NodeSettings(
        window_id=WINDOW_ID, name="基准测试窗口", region_code="440305",
        db=f"sqlite://{db_path}", secret="bench-secret", data_dir=db_path.parent,
        anonymous_rate_per_minute=float(os.environ.get("SMENET_ANONYMOUS_RATE_PER_MINUTE", "1e9")),
    )  # fmt: skip
    node.cli.serve(create_app(settings), "127.0.0.1", port, settings)


if __name__ == "__main__":
    main(sys.argv[1:])

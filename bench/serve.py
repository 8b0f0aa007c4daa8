"""One server contender in its own process: ``python -m bench.serve node|naive DB_PATH PORT``."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from bench.data import WINDOW_ID


def app_for(kind: str, db_path: Path) -> Starlette:
    if kind == "node":
        from node.app import create_app
        from node.config import NodeSettings

        settings = NodeSettings(
            window_id=WINDOW_ID, name="基准测试窗口", region_code="440305",
            db=f"sqlite://{db_path}", secret="bench-secret", data_dir=db_path.parent,
        )
        return create_app(settings)
    if kind == "naive":
        from bench.naive import create_app as create_naive

        return create_naive(f"sqlite://{db_path}")
    raise SystemExit(f"unknown contender {kind!r}")


def main(argv: list[str]) -> None:
    kind, db_path, port = argv
    app = app_for(kind, Path(db_path))
    uvicorn.run(
        app, host="127.0.0.1", port=int(port), workers=1, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main(sys.argv[1:])

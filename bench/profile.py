"""``python -m bench.profile [node|naive]``: where a server contender's CPU goes under load.

Starts the contender as ``python -m bench`` does, loads it at concurrency 8, samples the server
process with py-spy (``pip install py-spy``; not a project dependency) and sorts every sample,
by the frames on its stack, into one of a few buckets, shown as a share and as CPU ms/request.
"""

from __future__ import annotations

import asyncio
import collections
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.data import prepare
from bench.harness import cpu_seconds, load, start

# First match wins, tested against the whole stack (frames joined); order matters.
BUCKETS: list[tuple[str, tuple[str, ...]]] = [
    ("SQLite driver thread (aiosqlite, sqlite3)", ("_connection_worker_thread (",)),
    ("parse", ("graphql/language/parser.py",)),
    ("validation (incl. depth limit)", ("graphql/validation/", "query_depth_limiter.py")),
    ("Tortoise: rows -> model objects (incl. iso8601)",
     ("_init_from_db", "tortoise/fields/", "iso8601/")),
    ("Tortoise: query building, executor", ("tortoise/", "pypika")),
    ("node: Service/Agency.from_row", ("from_row",)),
    ("DataLoader", ("strawberry/dataloader.py",)),
    ("JSON encoding", ("encode_json", "json/encoder.py", "json/__init__.py")),
    ("GraphQL execution (graphql-core + strawberry wrappers)",
     ("graphql/execution/", "strawberry/schema/", "strawberry/types/", "strawberry/extensions/")),
    ("context + authentication", ("get_context", "authenticate")),
    ("strawberry HTTP view", ("strawberry/http/", "strawberry/asgi/")),
    ("HTTP server (uvicorn h11, starlette, socket writes)",
     ("uvicorn/", "h11/", "starlette/", "selector_events.py")),
    ("event loop (asyncio scheduling)", ("asyncio/",)),
]
IDLE = "select (selectors.py"  # py-spy counts the event loop's epoll waits as active


TASK = "Handle._run (asyncio/events.py"  # frames below it belong to one task's step


def bucket(stack: str) -> str:
    frames = stack.split(";")
    if IDLE in frames[-1]:
        return "idle"
    if "_connection_worker_thread (" in frames[-1] or any(
        "_connection_worker_thread (" in frame for frame in frames[:4]
    ):
        return BUCKETS[0][0]
    starts = [i for i, frame in enumerate(frames) if frame.startswith(TASK)]
    if not starts:
        return "event loop (asyncio scheduling)"
    task = ";".join(frames[starts[-1] + 1 :])
    for name, needles in BUCKETS:
        if any(needle in task for needle in needles):
            return name
    return "other"


async def profile(kind: str, seconds: float) -> None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("py-spy not found: pip install py-spy")
    with tempfile.TemporaryDirectory(prefix="smenet-profile-") as tmp:
        rows = await prepare(Path(tmp) / "bench.sqlite3")
        server = await start(kind, Path(tmp) / "bench.sqlite3", rows)
        try:
            await load(server, 8, 1.5)  # warm-up
            raw = Path(tmp) / "samples.txt"
            spy = subprocess.Popen(
                [py_spy, "record", "--pid", str(server.process.pid), "--rate", "250",
                 "--format", "raw", "--output", str(raw), "--duration", str(int(seconds))],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            time.sleep(1)  # let py-spy attach
            cpu0 = cpu_seconds(server.process.pid)
            requests = len(await load(server, 8, seconds - 1.5))
            cpu_ms = (cpu_seconds(server.process.pid) - cpu0) * 1000 / requests
            spy.wait(timeout=60)
            if spy.returncode != 0:
                raise SystemExit("py-spy failed (ptrace not permitted?)")
            counts: collections.Counter[str] = collections.Counter()
            for line in raw.read_text().splitlines():
                stack, _, samples = line.rpartition(" ")
                counts[bucket(stack)] += int(samples)
            counts.pop("idle", None)
        finally:
            server.process.terminate()
            server.process.wait(timeout=10)
    total = sum(counts.values())
    print(f"{kind}: {requests} requests under py-spy, server CPU {cpu_ms:.2f} ms/request "
          f"(sampling slows it); {total} busy samples")
    for name, count in counts.most_common():
        print(f"{count / total * 100:6.1f}%  {count / total * cpu_ms:6.2f} ms/req  {name}")


if __name__ == "__main__":
    asyncio.run(profile(sys.argv[1] if len(sys.argv) > 1 else "node", 10.0))

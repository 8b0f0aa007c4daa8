"""Upstreams that replay a real node's recorded answers, one port per window, so every gateway
gets the same bytes from the same fast upstream and the federation layer itself is measured.

    python -m bench.replay SOURCE_URL RECORDED_WINDOW WINDOW...

One process, raw asyncio HTTP/1.1 (keep-alive, Content-Length bodies). The first time a request
(method, path, body) is seen it is sent once to the real node at ``SOURCE_URL`` (its origin for
``/.well-known/jwks.json``), without the caller's token, and the answer is stored; afterwards it is
served from memory. Every window answers with the recorded window's id rewritten to its own in
the answer (``bench-00:`` → ``rp-07:`` in IDs, and ``windowId``), so each window has its own IDs,
and the request is looked up with the window's id rewritten back. That covers what the hub needs
to connect a window (``nodeInfo``, ``_service { sdl }``, the JWKS) and what the gateways compose
from (``_service { sdl }``, introspection).

Lines on stdout: ``ready WINDOW PORT`` per window once listening. Lines on stdin change a window:
``down W`` (stop listening, drop its connections: connection refused), ``hang W`` (read requests,
never answer), ``up W`` (answer again, same port); each is acknowledged with ``ok W``.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field

import httpx

from federation.gather import SCHEMA_HASH_HEADER

HANG_SECONDS = 3600.0  # far longer than any gateway's upstream timeout
KEPT_HEADERS = ("content-type", SCHEMA_HASH_HEADER)


@dataclass
class Recorded:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Window:
    window_id: str
    port: int = 0
    mode: str = "up"  # up | down | hang
    server: asyncio.Server | None = None
    writers: set[asyncio.StreamWriter] = field(default_factory=set)
    answers: dict[bytes, bytes] = field(default_factory=dict)  # request key → HTTP response


class Replay:
    def __init__(self, source: str, recorded: str, windows: list[str]) -> None:
        self.source = httpx.URL(source)
        self.recorded = recorded
        self.windows = {w: Window(w) for w in windows}
        self.store: dict[bytes, Recorded] = {}
        self.client = httpx.AsyncClient(timeout=60)
        self.pending: dict[bytes, asyncio.Task[Recorded]] = {}

    async def listen(self, window: Window) -> None:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self.connection(window, reader, writer)

        window.server = await asyncio.start_server(serve, "127.0.0.1", window.port)
        window.port = window.server.sockets[0].getsockname()[1]

    async def connection(
        self, window: Window, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        window.writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, target, _ = request_line.split(" ", 2)
                headers = dict(
                    (k.strip().lower(), v.strip())
                    for k, _, v in (line.partition(":") for line in lines if line)
                )
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
                if window.mode == "hang":
                    await asyncio.sleep(HANG_SECONDS)
                    return
                writer.write(await self.answer(window, method, target, body))
                if headers.get("connection", "").lower() == "close":
                    await writer.drain()
                    return
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            window.writers.discard(writer)
            writer.close()

    async def answer(self, window: Window, method: str, target: str, body: bytes) -> bytes:
        own = body.replace(window.window_id.encode(), self.recorded.encode())
        key = b"%s %s %s" % (method.encode(), target.encode(), own)
        cached = window.answers.get(key)
        if cached is not None:
            return cached
        recorded = self.store.get(key)
        if recorded is None:
            # Concurrent first requests of the same body share one recording.
            task = self.pending.get(key) or asyncio.ensure_future(self.record(method, target, own))
            self.pending[key] = task
            recorded = self.store[key] = await task
            self.pending.pop(key, None)
        payload = recorded.body.replace(self.recorded.encode(), window.window_id.encode())
        head = [f"HTTP/1.1 {recorded.status} OK", f"content-length: {len(payload)}"]
        head += [f"{k}: {v}" for k, v in recorded.headers]
        window.answers[key] = response = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        return response

    async def record(self, method: str, target: str, body: bytes) -> Recorded:
        answer = await self.client.request(
            method,
            self.source.join(target),
            content=body or None,
            headers={"content-type": "application/json", "accept": "application/json"},
        )
        headers = [(k, answer.headers[k]) for k in KEPT_HEADERS if k in answer.headers]
        return Recorded(answer.status_code, headers, answer.content)

    async def command(self, line: str) -> None:
        verb, window_id = line.split()
        window = self.windows[window_id]
        if verb == "down" and window.server is not None:
            window.server.close()
            for writer in list(window.writers):
                writer.transport.abort()
            await window.server.wait_closed()
            window.server = None
        elif verb == "up" and window.server is None:
            await self.listen(window)
        window.mode = verb
        print(f"ok {window_id}", flush=True)


async def main(source: str, recorded: str, windows: list[str]) -> None:
    replay = Replay(source, recorded, windows)
    for window in replay.windows.values():
        await replay.listen(window)
        print(f"ready {window.window_id} {window.port}", flush=True)
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    while line := (await stdin.readline()).decode().strip():
        await replay.command(line)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))

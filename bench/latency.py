"""A modelled network on loopback, without netem: a TCP proxy on 127.0.0.1 that forwards to
a target port and delays every chunk by a fixed one-way time (25 ms: a 50 ms round trip),
keeping each direction's order, with an optional bandwidth cap.

    with LatencyProxy(target_port, delay=0.025) as proxy:
        ...connect to 127.0.0.1:proxy.port...

It runs its own asyncio loop on a thread. Benchmarks only: nothing here is a test.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from types import TracebackType

CHUNK = 65536


class LatencyProxy:
    """127.0.0.1:``port`` → 127.0.0.1:``target``, ``delay`` seconds each way."""

    def __init__(self, target: int, delay: float = 0.025,
                 bandwidth: float | None = None) -> None:
        self.target = target
        self.delay = delay
        self.bandwidth = bandwidth  # bytes a second each way, or None
        self.port = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> LatencyProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the latency proxy did not start")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(
            self._accept, "127.0.0.1", 0, backlog=1024))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        # connections still open (kept ssh masters): end their tasks before the loop closes
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._server.close()
        self._loop.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy ``reader`` to ``writer``, each chunk ``delay`` after it arrived, in order."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            free_at = 0.0  # when the capped link is free again
            while True:
                due, data = await queue.get()
                if not data:
                    break
                if self.bandwidth:
                    free_at = max(free_at, due) + len(data) / self.bandwidth
                    due = free_at
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            writer.close()

        sender = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(CHUNK):
                queue.put_nowait((time.monotonic() + self.delay, data))
        except OSError:
            pass
        queue.put_nowait((time.monotonic() + self.delay, b""))
        with contextlib.suppress(OSError):
            await sender

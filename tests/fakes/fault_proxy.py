"""A TCP proxy in front of a fake provider that breaks connections the way networks do.

Modes, set per test with ``proxy.mode = ...``:

- ``"pass"``: bytes flow both ways untouched;
- ``"close_before_accept"``: the client's connection is closed before anything reaches
  the provider (the request never left);
- ``"close_after_accept"``: the request reaches the provider, which takes it and answers;
  the answer is thrown away and the client's connection closed cleanly;
- ``"reset_after_accept"``: as above, but the client's connection is reset (RST);
- ``"hang"``: the request reaches the provider; the answer never comes back.

``faults_left`` bounds how many connections are broken before the proxy passes again
(``None``: every one). Runs its own event loop on a background thread, on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading


class FaultProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode = "pass"
        self.faults_left: int | None = None
        self.broken = 0  # connections broken so far
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fault proxy did not start")
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._open):
            writer.transport.abort()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def _fault_now(self) -> str:
        if self.mode == "pass" or self.faults_left == 0:
            return "pass"
        if self.faults_left is not None:
            self.faults_left -= 1
        self.broken += 1
        return self.mode

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open.add(writer)
        try:
            request = await reader.read(65536)
            if not request:
                return
            mode = self._fault_now()
            if mode == "close_before_accept":
                return
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            self._open.add(up_writer)
            try:
                up_writer.write(request)
                await up_writer.drain()
                if mode == "pass":
                    await self._pipe(reader, writer, up_reader, up_writer)
                    return
                await up_reader.read(65536)  # the provider took it and answered
                if mode == "hang":
                    await asyncio.sleep(3600)
                if mode == "reset_after_accept":
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            finally:
                self._open.discard(up_writer)
                up_writer.close()
                with contextlib.suppress(Exception):
                    await up_writer.wait_closed()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._open.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        """Relay both ways until either side closes (keep-alive requests included)."""

        async def relay(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()

        tasks = [
            asyncio.ensure_future(relay(up_reader, writer)),
            asyncio.ensure_future(relay(reader, up_writer)),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()

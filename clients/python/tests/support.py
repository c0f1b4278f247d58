"""Test helpers: a real `agentic serve` process, and a fault-injecting TCP proxy (127.0.0.1 only)."""

from __future__ import annotations

import asyncio
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, List, Optional, Set

import httpx

REPO = Path(__file__).resolve().parents[3]


def agentic_bin() -> str:
    return os.environ.get("AGENTIC_BIN") or str(REPO / ".build" / "debug" / "agentic")


try:
    _LIBC: Optional[ctypes.CDLL] = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover
    _LIBC = None


def die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test process dies, so no server outlives it."""
    if _LIBC is not None and sys.platform.startswith("linux"):
        _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(
    condition: Callable[[], object], timeout: float, interval: float = 0.05, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class AgenticServer:
    """One `agentic serve` process on 127.0.0.1, stopped (and killed if need be) by :meth:`stop`."""

    def __init__(self, database_url: str, admin_key: str, log_path: Path, port: Optional[int] = None) -> None:
        self.database_url = database_url
        self.admin_key = admin_key
        self.log_path = log_path
        self.port = port or 0
        self.process: Optional[subprocess.Popen[bytes]] = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Starts the server: on ``--port 0`` the first time (the port is read from its log; scripts/test
        also knows such servers by that), on the same port when started again."""
        binary = agentic_bin()
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"no agentic binary at {binary} (set AGENTIC_BIN or build it)")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTIC_")}
        env["AGENTIC_ADMIN_KEY"] = self.admin_key
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")
        in_main_thread = threading.current_thread() is threading.main_thread()
        self.process = subprocess.Popen(
            [
                binary,
                "serve",
                "--port",
                str(self.port or 0),
                "--host",
                "127.0.0.1",
                "--database-url",
                self.database_url,
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent if in_main_thread else None,
        )
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"agentic serve exited with {self.process.returncode}:\n{self.log_tail()}")
            if not self.port:
                with open(self.log_path, "rb") as f:
                    f.seek(offset)
                    found = re.search(rb"listening on 127\.0\.0\.1:(\d+)", f.read())
                if found:
                    self.port = int(found.group(1))
            try:
                if self.port and httpx.get(self.base_url + "/health/ready", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop(signal.SIGKILL)
                raise RuntimeError(f"agentic serve not ready after {timeout} s:\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class FaultProxy:
    """A TCP proxy to 127.0.0.1:``upstream_port`` that can lose answers on purpose.

    It relays bytes both ways and reads the request heads going up (HTTP/1.1, no pipelining), so it
    knows which request an answer belongs to:

    - :meth:`drop_responses` — the next ``n`` requests (matching ``method``/``path_prefix``) are
      forwarded whole, and once the server starts answering the connection is cut before a single
      byte of the answer reaches the client: the server did the work, the client never hears of it.
    - :meth:`cut_all` — cuts every open connection now (an event stream, say).
    - ``cut_streams_after`` — once set, event-stream connections are cut after relaying that many
      more bytes (once; likely in the middle of an event).
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.requests = 0
        self.dropped = 0
        self.cuts = 0
        self.cut_streams_after: Optional[int] = None
        self._drop_left = 0
        self._drop_method: Optional[str] = None
        self._drop_prefix = ""
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: Optional[asyncio.base_events.Server] = None
        self._writers: Set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)

    def start(self) -> "FaultProxy":
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(10)
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def drop_responses(self, n: int, method: Optional[str] = None, path_prefix: str = "") -> None:
        with self._lock:
            self._drop_left = n
            self._drop_method = method
            self._drop_prefix = path_prefix

    def _should_drop(self, method: str, path: str) -> bool:
        with self._lock:
            if self._drop_left <= 0:
                return False
            if self._drop_method is not None and method != self._drop_method:
                return False
            if not path.startswith(self._drop_prefix):
                return False
            self._drop_left -= 1
            return True

    def cut_all(self) -> None:
        def cut() -> None:
            for writer in list(self._writers):
                self.cuts += 1
                writer.transport.abort()

        self._loop.call_soon_threadsafe(cut)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, up_writer))
        state = {"drop": False, "stream": False}

        def abort() -> None:
            client_writer.transport.abort()
            up_writer.transport.abort()

        async def upstream() -> None:
            buffer = b""
            try:
                while True:
                    while b"\r\n\r\n" not in buffer:
                        chunk = await client_reader.read(65536)
                        if not chunk:
                            up_writer.close()
                            return
                        buffer += chunk
                    head, _, rest = buffer.partition(b"\r\n\r\n")
                    lines = head.decode("latin-1").split("\r\n")
                    method, path = (lines[0].split(" ") + ["", ""])[:2]
                    length = 0
                    for line in lines[1:]:
                        name, _, value = line.partition(":")
                        if name.strip().lower() == "content-length":
                            length = int(value.strip())
                    while len(rest) < length:
                        chunk = await client_reader.read(65536)
                        if not chunk:
                            abort()
                            return
                        rest += chunk
                    body, buffer = rest[:length], rest[length:]
                    self.requests += 1
                    state["drop"] = self._should_drop(method, path)
                    state["stream"] = "/events/stream" in path
                    up_writer.write(head + b"\r\n\r\n" + body)
                    await up_writer.drain()
            except (ConnectionError, OSError):
                abort()

        async def downstream() -> None:
            try:
                while True:
                    chunk = await up_reader.read(65536)
                    if not chunk:
                        client_writer.close()
                        return
                    if state["drop"]:
                        self.dropped += 1
                        abort()
                        return
                    budget = self.cut_streams_after if state["stream"] else None
                    if budget is not None:
                        if len(chunk) >= budget:
                            self.cut_streams_after = None
                            client_writer.write(chunk[:budget])
                            await client_writer.drain()
                            self.cuts += 1
                            abort()
                            return
                        self.cut_streams_after = budget - len(chunk)
                    client_writer.write(chunk)
                    await client_writer.drain()
            except (ConnectionError, OSError):
                abort()

        try:
            await asyncio.gather(upstream(), downstream())
        finally:
            self._writers.discard(client_writer)
            self._writers.discard(up_writer)
            abort()


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"


__all__: List[str] = [
    "AgenticServer",
    "FaultProxy",
    "REPO",
    "agentic_bin",
    "die_with_parent",
    "free_port",
    "tail",
    "wait_until",
]

"""`faqbot run` replicas as real processes, for the multi-replica tests and the benchmark.

Each replica's stderr is read as it comes (a pipe left unread would fill up and stall a
chatty process) and kept, so a test can wait for a log line and check what was logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["ROOT", "Replica", "free_port", "replica_env"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def replica_env(**settings: str) -> dict[str, str]:
    """This environment without any faqbot setting (but the data folder), plus `settings`."""
    passed = ("FAQBOT_DATA_DIR", "FAQBOT_SEMANTIC_MODEL")
    keep = {
        k: v
        for k, v in os.environ.items()
        if k in passed or not k.startswith(("FAQBOT_", "TELEGRAM_", "DISCORD_"))
    }
    return {**keep, "FAQBOT_WATCH": "false", **settings}


@dataclass
class Replica:
    """One `faqbot run` process with its health port."""

    name: str
    env: dict[str, str]
    http_port: int = field(default_factory=free_port)
    lines: list[str] = field(default_factory=list)
    proc: asyncio.subprocess.Process | None = None
    _reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the process (it runs until `stop`)."""
        env = {**self.env, "FAQBOT_HTTP_PORT": str(self.http_port)}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "adapters",
            "run",
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))

    async def wait_ready(self, timeout: float = 60.0) -> dict[str, object]:
        """Wait until `/readyz` answers 200 (every adapter connected); returns its body."""
        url = f"http://127.0.0.1:{self.http_port}/readyz"
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while True:
                assert self.proc is not None
                if self.proc.returncode is not None:
                    raise AssertionError(f"{self.name} exited: {self.log[-2000:]}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(url) as response:
                        if response.status == 200:
                            body: dict[str, object] = await response.json()
                            return body
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.name} never became ready: {self.log[-2000:]}")
                await asyncio.sleep(0.2)

    async def wait_log(self, text: str, timeout: float = 60.0) -> None:
        """Wait until a line containing `text` was logged."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} never logged {text!r}: {self.log[-2000:]}")
            await asyncio.sleep(0.1)

    def count(self, text: str) -> int:
        """How many logged lines contain `text`."""
        return sum(text in line for line in self.lines)

    @property
    def log(self) -> str:
        """Everything logged so far."""
        return "\n".join(self.lines)

    async def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, wait for the exit, and return the exit code."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            code = await self.proc.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._reader, 5)
        return code

"""`/healthz`, `/readyz` and `/metrics` (FAQBOT_HTTP_PORT), in process and in `faqbot run`."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from adapters.http_health import HealthServer, tracked
from adapters.runner import serve
from bot import metrics
from bot.service import FaqService
from bot.watch import reload_and_describe
from tests.conftest import FAQ, ROOT, ask_logged_async
from tests.fake_telegram import FakeBotApi

TOKEN = "555:HEALTH-telegram-token"


@dataclass
class RecordingAdapter:
    """An adapter that starts when told to (or fails), and records what it was asked."""

    fail: bool = False
    may_start: asyncio.Event = field(default_factory=asyncio.Event)
    calls: list[str] = field(default_factory=list)

    async def start(self) -> None:
        self.calls.append("start")
        await self.may_start.wait()
        if self.fail:
            raise ConnectionError("gateway refused")

    async def stop(self) -> None:
        self.calls.append("stop")

    async def notify_moderators(self, text: str) -> None:
        self.calls.append(f"notify:{text}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus' text format."""
    pairs = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # the exporter sorts them
    wanted = name + ("{" + pairs + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


async def test_readiness_follows_the_adapters(http: httpx.AsyncClient) -> None:
    service = FaqService.from_path(FAQ)
    server = HealthServer(service, port=0)
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    good, bad = RecordingAdapter(), RecordingAdapter(fail=True)
    stop = asyncio.Event()
    try:
        assert (await http.get(f"{base}/healthz")).json() == {"status": "ok"}
        adapters = tracked([("telegram", good), ("discord", bad)])
        task = asyncio.create_task(serve(adapters, stop))
        await asyncio.sleep(0.05)
        starting = await http.get(f"{base}/readyz")
        assert starting.status_code == 503
        assert starting.json()["adapters"]["telegram"] == {"state": "starting"}
        good.may_start.set()
        bad.may_start.set()
        await asyncio.sleep(0.05)
        one_down = await http.get(f"{base}/readyz")
        assert one_down.status_code == 503
        assert one_down.json() == {
            "ready": False,
            "faq": {"loaded": True, "entries": len(service.kb.entries)},
            "adapters": {
                "discord": {"state": "failed", "detail": "ConnectionError"},
                "telegram": {"state": "connected"},
            },
        }
        assert (await http.get(f"{base}/healthz")).status_code == 200  # alive: no restart
        text = (await http.get(f"{base}/metrics")).text
        assert sample(text, "faqbot_adapter_connected", adapter="telegram") == 1.0
        assert sample(text, "faqbot_adapter_connected", adapter="discord") == 0.0
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await server.stop()
    assert good.calls == ["start", "stop"]


async def test_ready_when_every_adapter_is_connected(http: httpx.AsyncClient) -> None:
    server = HealthServer(FaqService.from_path(FAQ), port=0)
    await server.start()
    adapter = RecordingAdapter()
    adapter.may_start.set()
    ((_, wrapped),) = tracked([("console", adapter)])
    try:
        await wrapped.start()
        response = await http.get(f"http://127.0.0.1:{server.port}/readyz")
        assert response.status_code == 200 and response.json()["ready"] is True
        await wrapped.notify_moderators("hello")
        assert adapter.calls == ["start", "notify:hello"]
    finally:
        await server.stop()
        await server.stop()  # idempotent


async def test_metrics_count_questions_latency_and_reloads(http: httpx.AsyncClient) -> None:
    service = FaqService.from_path(FAQ)
    server = HealthServer(service, port=0)
    await server.start()
    try:
        before = (await http.get(f"http://127.0.0.1:{server.port}/metrics")).text
        await ask_logged_async(service, "is it illegal to leave nk")
        await ask_logged_async(service, "what is the weather in paris")
        await ask_logged_async(service, "hello")  # the help text: not a question
        reload_and_describe(service)
        response = await http.get(f"http://127.0.0.1:{server.port}/metrics")
    finally:
        await server.stop()
    assert response.headers["content-type"].startswith("text/plain; version=")
    after = response.text

    def delta(name: str, **labels: str) -> float:
        return (sample(after, name, **labels) or 0.0) - (sample(before, name, **labels) or 0.0)

    assert delta("faqbot_questions_total", platform="console", outcome="answer") == 1
    assert delta("faqbot_questions_total", platform="console", outcome="none") == 1
    assert delta("faqbot_answer_seconds_count", platform="console") == 2
    assert delta("faqbot_reloads_total", result="ok") == 1
    assert sample(after, "faqbot_faq_entries") == len(service.kb.entries)
    assert sample(after, "faqbot_log_rows_written_total") is not None
    assert "process_resident_memory_bytes" in after


def base_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DISCORD_", "FAQBOT_HTTP"))
    }
    return {**env, "FAQBOT_WATCH": "false", **extra}


async def wait_ready(http: httpx.AsyncClient, url: str, timeout: float = 30) -> httpx.Response:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            response = await http.get(url)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{url} never became ready")
        await asyncio.sleep(0.2)


async def test_faqbot_run_serves_health_and_metrics(http: httpx.AsyncClient) -> None:
    api = FakeBotApi(TOKEN)
    await api.start()
    port = free_port()
    env = base_env(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url, FAQBOT_HTTP_PORT=str(port)
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        ready = await wait_ready(http, f"http://127.0.0.1:{port}/readyz")
        assert ready.json()["adapters"] == {"telegram": {"state": "connected"}}
        api.push(message=api.message("is it illegal to leave nk"))
        await api.wait_for("sendMessage", timeout=30)
        text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        assert sample(text, "faqbot_questions_total", platform="telegram", outcome="answer") == 1.0
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
        await api.stop()
    assert proc.returncode == 0, err.decode()
    with pytest.raises(httpx.TransportError):  # stopped with the bot
        await http.get(f"http://127.0.0.1:{port}/healthz")


async def test_console_mode_serves_health_too(http: httpx.AsyncClient) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters",
        "chat",
        cwd=ROOT,
        env=base_env(FAQBOT_HTTP_PORT=str(port)),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        ready = await wait_ready(http, f"http://127.0.0.1:{port}/readyz")
        assert ready.json()["adapters"] == {"console": {"state": "connected"}}
    finally:
        out, err = await asyncio.wait_for(proc.communicate(b"is it illegal to leave nk\n"), 30)
    assert proc.returncode == 0, err.decode()
    assert "Sources:" in out.decode()


async def test_busy_port_is_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "adapters",
            "chat",
            cwd=ROOT,
            env=base_env(FAQBOT_HTTP_PORT=str(port)),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 1
    assert err.decode().strip().splitlines()[-1] == (
        f"faqbot: error: FAQBOT_HTTP_PORT={port} on FAQBOT_HTTP_HOST=127.0.0.1: address already in use"
    )


def test_metric_names_are_stable() -> None:
    names = {m.name for m in metrics.REGISTRY.collect()}
    assert {
        "faqbot_questions",
        "faqbot_answer_seconds",
        "faqbot_reloads",
        "faqbot_adapter_connected",
        "faqbot_log_rows_dropped",
        "faqbot_log_rows_written",
    } <= names

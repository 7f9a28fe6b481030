"""`/healthz`, `/readyz` and `/metrics` over HTTP, for load balancers and Prometheus.

Served on `FAQBOT_HTTP_HOST:FAQBOT_HTTP_PORT` (off unless the port is set) by aiohttp on
the bot's own event loop, or on a thread of its own beside the console chat.

- `/healthz` (liveness): 200 while the process and the loop serving it are alive.
- `/readyz` (readiness): 200 once the FAQ is loaded and every adapter is connected,
  503 otherwise; the JSON body says which adapter is not, so a load balancer can take
  the replica out without anyone restarting it for one platform's outage.
- `/metrics`: `bot.metrics.REGISTRY` in Prometheus' text format.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import threading
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import metrics
from bot.errors import FaqBotError
from bot.service import FaqService

if TYPE_CHECKING:
    from aiohttp import web

__all__ = [
    "HealthServer",
    "HttpSettings",
    "TrackedAdapter",
    "health_in_thread",
    "start_health_server",
    "tracked",
]

log = logging.getLogger(__name__)


class HttpSettings(BaseSettings):
    """`FAQBOT_HTTP_PORT` (unset: no server) and `FAQBOT_HTTP_HOST` (default loopback)."""

    model_config = SettingsConfigDict(
        env_prefix="FAQBOT_HTTP_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
    )

    port: int | None = Field(default=None, ge=0, le=65535)
    # Loopback by default: metrics are for the operator, not the internet.
    host: str = "127.0.0.1"


class HealthServer:
    """The health and metrics endpoints of one process."""

    def __init__(
        self,
        service: FaqService | None,
        host: str = "127.0.0.1",
        port: int = 0,
        states: metrics.AdapterStates = metrics.ADAPTERS,
    ) -> None:
        """Describe the server; `start` binds it (port 0 picks a free one)."""
        self.service = service
        self.host = host
        self.port = port
        self.states = states
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Bind and serve.

        Raises:
            FaqBotError: The address is taken or not available (names FAQBOT_HTTP_PORT).
        """
        # Imported here: aiohttp takes a fifth of a second to import, which every command
        # run without FAQBOT_HTTP_PORT (most of them) need not pay.
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None)  # probes every few seconds: no noise
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            reason = "address already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise FaqBotError(
                f"FAQBOT_HTTP_PORT={self.port} on FAQBOT_HTTP_HOST={self.host}: {reason}"
            ) from exc
        server: Any = site._server  # aiohttp keeps the bound sockets here
        self.port = server.sockets[0].getsockname()[1]
        self._runner = runner
        if self.service is not None:
            metrics.FAQ_ENTRIES.set(len(self.service.kb.entries))
        log.warning("health and metrics on http://%s:%d/", self.host, self.port)

    async def stop(self) -> None:
        """Stop serving (safe to call more than once)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Whether this process is ready, and the JSON body that says why (not)."""
        faq: dict[str, Any] = {"loaded": self.service is not None}
        if self.service is not None:
            faq["entries"] = len(self.service.kb.entries)
        states = self.states.snapshot()
        adapters: dict[str, dict[str, str]] = {}
        for name, state in sorted(states.items()):
            adapters[name] = {"state": state.state}
            if state.detail:
                adapters[name]["detail"] = state.detail
        ready = self.service is not None and bool(states)
        ready = ready and all(s.connected for s in states.values())
        return ready, {"ready": ready, "faq": faq, "adapters": adapters}

    async def _healthz(self, request: web.Request) -> web.Response:
        from aiohttp import web

        return web.json_response({"status": "ok"})

    async def _readyz(self, request: web.Request) -> web.Response:
        from aiohttp import web

        ready, body = self.readiness()
        return web.json_response(body, status=200 if ready else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        from aiohttp import web

        body = await asyncio.to_thread(generate_latest, metrics.REGISTRY)  # reads /proc
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def start_health_server(service: FaqService | None) -> HealthServer | None:
    """Start the server when `FAQBOT_HTTP_PORT` is set; None otherwise.

    Raises:
        FaqBotError: The port cannot be bound.
    """
    settings = HttpSettings()
    if settings.port is None:
        return None
    server = HealthServer(service, settings.host, settings.port)
    await server.start()
    return server


def health_in_thread(service: FaqService, adapter: str) -> threading.Event | None:
    """Serve health and metrics from a thread of its own (beside the console chat).

    Marks `adapter` connected while it runs. Returns an event that stops the server
    when set, or None when `FAQBOT_HTTP_PORT` is not set.

    Raises:
        FaqBotError: The port cannot be bound.
    """
    if HttpSettings().port is None:
        return None
    stop = threading.Event()
    started: list[BaseException | None] = []
    ready = threading.Event()

    async def run() -> None:
        try:
            server = await start_health_server(service)
        except BaseException as exc:
            started.append(exc)
            ready.set()
            return
        started.append(None)
        ready.set()
        metrics.ADAPTERS.set(adapter, "connected")
        try:
            await asyncio.to_thread(stop.wait)
        finally:
            metrics.ADAPTERS.set(adapter, "stopped")
            if server is not None:
                await server.stop()

    thread = threading.Thread(target=asyncio.run, args=(run(),), name="http-health", daemon=True)
    thread.start()
    ready.wait(10)
    if started and started[0] is not None:
        raise started[0]
    return stop


class TrackedAdapter:
    """An adapter whose start and stop are mirrored in `bot.metrics.ADAPTERS` (readiness)."""

    def __init__(self, name: str, inner: Any) -> None:
        """Wrap `inner`, marking it as starting."""
        self.name = name
        self.inner = inner
        metrics.ADAPTERS.set(name, "starting")

    async def start(self) -> None:
        """Start the wrapped adapter and record whether it connected.

        An adapter that reports its own connection state while starting (Discord says
        "connecting" until its gateway is READY) keeps it: started is not connected.
        """
        try:
            await self.inner.start()
        except Exception as exc:
            metrics.ADAPTERS.set(self.name, "failed", type(exc).__name__)
            raise
        current = metrics.ADAPTERS.snapshot().get(self.name)
        if current is None or current.state == "starting":
            metrics.ADAPTERS.set(self.name, "connected")

    async def stop(self) -> None:
        """Stop the wrapped adapter."""
        metrics.ADAPTERS.set(self.name, "stopping")
        try:
            await self.inner.stop()
        finally:
            metrics.ADAPTERS.set(self.name, "stopped")

    async def notify_moderators(self, text: str) -> None:
        """Pass the notice on."""
        await self.inner.notify_moderators(text)

    def __getattr__(self, name: str) -> Any:
        # Anything else the runner may ask of an adapter goes to the real one.
        return getattr(self.inner, name)


def tracked(adapters: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Wrap every adapter so readiness and `faqbot_adapter_connected` follow it."""
    metrics.ADAPTERS.clear()
    return [(name, TrackedAdapter(name, adapter)) for name, adapter in adapters]

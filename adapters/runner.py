"""Run every configured platform adapter in one asyncio process (the composition root)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import Protocol

from adapters import http_health
from adapters.platform_settings import DiscordSettings, TelegramSettings
from bot.conversation import Conversation, Moderators
from bot.settings_errors import load_settings
from bot.watch import watch_knowledge

__all__ = ["Adapter", "configured_adapters", "configured_moderators", "serve"]

log = logging.getLogger(__name__)


class Adapter(Protocol):
    """What the runner needs from a platform adapter: its whole life."""

    async def start(self) -> None:
        """Connect and begin answering; on failure, leave nothing open and raise."""

    async def stop(self) -> None:
        """Finish replies in flight (within a grace period) and disconnect."""

    async def notify_moderators(self, text: str) -> None:
        """Tell the configured moderator chats or channels (if any)."""


def configured_moderators(
    telegram: TelegramSettings | None = None, discord: DiscordSettings | None = None
) -> Moderators:
    """Return the moderators the platform settings name (see `.env.example`)."""
    telegram = telegram or load_settings(TelegramSettings)
    discord = discord or load_settings(DiscordSettings)
    return Moderators.of(
        "telegram", users=telegram.moderator_ids, chats=telegram.moderator_chat_ids
    ) | Moderators.of(
        "discord",
        users=discord.moderator_ids,
        roles=discord.moderator_role_ids,
        chats=discord.moderator_channel_ids,
    )


def configured_adapters(conversation: Conversation) -> list[tuple[str, Adapter]]:
    """Build the adapter of every platform whose token is set (imports only those SDKs)."""
    adapters: list[tuple[str, Adapter]] = []
    telegram = load_settings(TelegramSettings)
    if telegram.bot_token is not None:
        from adapters.telegram_bot import TelegramBot

        adapters.append(("telegram", TelegramBot(conversation, telegram)))
    discord_settings = load_settings(DiscordSettings)
    if discord_settings.bot_token is not None:
        from adapters.discord_bot import DiscordBot

        adapters.append(("discord", DiscordBot(conversation, discord_settings)))
    return adapters


async def serve(
    adapters: list[tuple[str, Adapter]],
    stop: asyncio.Event | None = None,
    *,
    conversation: Conversation | None = None,
    watch: Path | None = None,
) -> int:
    """Serve health and metrics (when `FAQBOT_HTTP_PORT` is set) around `_serve_adapters`.

    Kept apart from the adapters' own handling: the server starts first, so `/readyz`
    says "starting" while adapters connect, and stops last.

    Raises:
        FaqBotError: The health port cannot be bound.
    """
    health = await http_health.start_health_server(conversation.service if conversation else None)
    try:
        return await _serve_adapters(
            http_health.tracked(adapters), stop, conversation=conversation, watch=watch
        )
    finally:
        if health is not None:
            await health.stop()


async def _serve_adapters(
    adapters: list[tuple[str, Adapter]],
    stop: asyncio.Event | None = None,
    *,
    conversation: Conversation | None = None,
    watch: Path | None = None,
) -> int:
    """Start the adapters, run until SIGINT/SIGTERM (or `stop`), then stop them cleanly.

    An adapter that fails to start is reported in one line; the others keep running.
    With `watch`, the FAQ is reloaded on every change; moderators hear about refused edits
    and about what each reload changed.

    Returns:
        0 when at least one adapter ran, 1 when none could start.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows, or a thread
            loop.add_signal_handler(sig, stop.set)
    running: list[tuple[str, Adapter]] = []
    for name, adapter in adapters:
        try:
            await adapter.start()
        except Exception as exc:  # a bad token must not take the other platforms down
            log.error("%s: could not start: %s: %s", name, type(exc).__name__, exc)
            log.debug("%s: start failure", name, exc_info=True)
            continue
        log.warning("%s: connected", name)
        running.append((name, adapter))
    if not running:
        return 1
    watcher = semantic = None
    if conversation is not None:
        # Seconds of torch loading in a daemon thread: questions are answered lexically
        # meanwhile, and from then on with the embeddings too.
        semantic = asyncio.create_task(conversation.service.load_semantic_async())

        async def tell(message: str) -> None:
            for _, adapter in running:
                await adapter.notify_moderators(message)

        # Refused edits and every change a reload brings (learned or by hand) reach the
        # moderators' chats, once across replicas (see Conversation.reloaded).
        conversation.notify = tell
        if watch is not None:
            watcher = asyncio.create_task(
                watch_knowledge(conversation.service, watch, stop, conversation.reloaded)
            )
    await stop.wait()
    if semantic is not None:
        semantic.cancel()  # a daemon thread: the exit does not wait for the load
    if watcher is not None:
        await asyncio.wait({watcher}, timeout=5)
    # Stop together, so the grace periods overlap instead of adding up.
    results = await asyncio.gather(*(a.stop() for _, a in running), return_exceptions=True)
    for (name, _), outcome in zip(running, results, strict=True):
        if isinstance(outcome, BaseException):
            log.error("%s: error while stopping: %s", name, type(outcome).__name__)
    return 0

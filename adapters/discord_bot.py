"""The Discord adapter: discord.py slash commands, mentions and DMs, rendering core replies."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

import discord
import yarl
from discord import app_commands

from adapters.discord_render import (
    EntryButton,
    FeedbackButton,
    TopicButton,
    reply_embed,
    reply_view,
    sources_embed,
    topic_embed,
    topics_view,
)
from adapters.platform_settings import DiscordSettings
from bot import messages
from bot.cooldown import Cooldown
from bot.reply import Reply
from bot.report import build_report, render_report
from bot.service import FaqService
from bot.text import shorten
from bot.votes import VoteBox
from bot.watch import reload_once

__all__ = ["DiscordBot"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_NO_PINGS = discord.AllowedMentions.none()
_DEFER_AFTER = 2.0  # seconds: Discord wants a response within 3
# User, role and channel mentions and @everyone/@here are markup, not part of the question.
# This bot never joins voice: skip discord.py's warnings about missing voice libraries.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False
_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b")


class DiscordBot:
    """Wires a FaqService into a discord.py client with an app-command tree."""

    def __init__(self, service: FaqService, settings: DiscordSettings) -> None:
        """Build the client; nothing touches the network until `start`."""
        if settings.bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self.service = service
        self.settings = settings
        self.cooldown = Cooldown(settings.user_cooldown_seconds)
        self.votes = VoteBox()
        if settings.api_base_url:  # a proxy or a test server instead of discord.com
            discord.http.Route.BASE = settings.api_base_url.rstrip("/")
        if settings.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
        # No privileged intent: mentions and DMs carry their text without message_content.
        intents = discord.Intents.default()
        intents.message_content = False
        cls = _ShardedClient if settings.shard_count else _Client
        extra: dict[str, Any] = (
            {"shard_count": settings.shard_count} if settings.shard_count else {}
        )
        self.client: discord.Client = cls(
            self, intents=intents, allowed_mentions=_NO_PINGS, **extra
        )
        self.tree = app_commands.CommandTree(self.client)
        self.tree.on_error = self.on_command_error  # type: ignore[method-assign]
        self._register_commands()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in (raises on a bad token), then run the gateway connection in the background."""
        await self.client.login(self.settings.bot_token.get_secret_value())  # type: ignore[union-attr]
        self._task = asyncio.create_task(self.client.connect(reconnect=True))
        self._task.add_done_callback(_log_end)

    async def stop(self) -> None:
        """Close the connection; discord.py finishes and cancels its own work."""
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def setup_hook(self) -> None:
        """Register persistent buttons and sync the commands (never in on_ready)."""
        self.client.add_dynamic_items(EntryButton, TopicButton, FeedbackButton)
        if self.settings.guild_id:
            guild = discord.Object(id=self.settings.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("discord: synced %d commands", len(synced))

    # --- slash commands: the docstring is the description users see -------------------

    def _register_commands(self) -> None:
        tree, service = self.tree, self.service

        @tree.command(name="ask")
        @app_commands.describe(question="Your question, in your own words")
        async def ask(
            interaction: discord.Interaction, question: app_commands.Range[str, 1, 500]
        ) -> None:
            """Ask why North Koreans cannot simply leave; answers cite their sources."""
            verdict = self.cooldown.check(f"u{interaction.user.id}")
            if not verdict.allowed:
                await interaction.response.send_message(verdict.notice or "", ephemeral=True)
                return
            reply = await self._in_time(
                interaction,
                lambda: service.ask(
                    question,
                    platform="discord",
                    user_id=interaction.user.id,
                    chat_id=interaction.channel_id,
                ),
            )
            await self._send_reply(interaction, reply)

        @tree.command(name="topic")
        @app_commands.describe(name="A topic or a question; start typing to see choices")
        async def topic(
            interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]
        ) -> None:
            """Show the questions of one topic."""
            if name.startswith("entry:"):
                reply = service.show(name.removeprefix("entry:"))
                if reply is not None:
                    await self._send_reply(interaction, reply)
                    return
            embed, view = topic_embed(service.topic(name))
            await _respond(interaction, embed=embed, view=view)

        @topic.autocomplete("name")
        async def topic_choices(
            interaction: discord.Interaction,
            current: str,
        ) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=shorten(label, 100), value=value[:100])
                for label, value in service.complete(current[:100], limit=25)
            ]

        @tree.command(name="topics")
        async def topics(interaction: discord.Interaction) -> None:
            """List the topics."""
            await _respond(
                interaction, content="Choose a topic:", view=topics_view(service.topics())
            )

        @tree.command(name="reload")
        @app_commands.guild_only()
        async def reload(interaction: discord.Interaction) -> None:
            """Reload the FAQ file now and show the validation result (moderators)."""
            if not _moderator(interaction):
                await interaction.response.send_message(messages.MODERATORS_ONLY, ephemeral=True)
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            text, _ok = await reload_once(service)
            await interaction.followup.send(shorten(text, 2000), ephemeral=True)

        @tree.command(name="unanswered")
        @app_commands.guild_only()
        async def unanswered(interaction: discord.Interaction) -> None:
            """Show what people asked that the FAQ could not answer (moderators)."""
            if not _moderator(interaction):
                await interaction.response.send_message(messages.MODERATORS_ONLY, ephemeral=True)
                return
            qlog = service.qlog
            if qlog is None:
                await interaction.response.send_message(messages.LOG_OFF, ephemeral=True)
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            report = await asyncio.to_thread(lambda: build_report(service, qlog, 7.0))
            text = discord.utils.escape_markdown(render_report(report, limit=10))
            await interaction.followup.send(shorten(text, 2000), ephemeral=True)

        @tree.command(name="sources")
        async def sources(interaction: discord.Interaction) -> None:
            """List the documents the answers cite."""
            await _respond(interaction, embed=sources_embed(service.sources()))

    # --- events -----------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Answer DMs and messages that mention the bot, replying to them."""
        me = self.client.user
        if me is None or message.author.bot:
            return
        is_dm = isinstance(message.channel, discord.DMChannel)
        if not is_dm and me not in message.mentions:
            return
        question = _MENTION.sub(" ", message.content).strip()
        verdict = self.cooldown.check(f"u{message.author.id}")
        if not verdict.allowed:
            if verdict.notice and not verdict.repeated:
                await message.reply(verdict.notice, allowed_mentions=_NO_PINGS)
            return
        reply = self.service.ask(
            question, platform="discord", user_id=message.author.id, chat_id=message.channel.id
        )
        view = reply_view(reply)
        kwargs: dict[str, Any] = {"embed": reply_embed(reply), "allowed_mentions": _NO_PINGS}
        if view is not None:
            kwargs["view"] = view
        await message.reply(**kwargs)

    async def on_button(
        self, interaction: discord.Interaction, item: EntryButton | TopicButton | FeedbackButton
    ) -> None:
        """Show what an entry or topic button points at, or count feedback."""
        if isinstance(item, FeedbackButton):
            if self.service.kb.entry(item.entry_id) is None:
                await interaction.response.send_message(messages.STALE, ephemeral=True)
                return
            message_id = interaction.message.id if interaction.message else 0
            if not self.votes.first(f"dc{interaction.user.id}", str(message_id)):
                await interaction.response.send_message(messages.ALREADY_VOTED, ephemeral=True)
                return
            if self.service.qlog is not None:
                self.service.qlog.feedback(item.entry_id, item.helpful)
            await interaction.response.send_message(messages.THANKS, ephemeral=True)
            return
        if isinstance(item, TopicButton):
            found = next((t for t in self.service.topics() if t.id == item.topic_id), None)
            if found is None:
                await interaction.response.send_message(messages.STALE, ephemeral=True)
                return
            embed, view = topic_embed(self.service.topic(found.id))
            await _respond(interaction, embed=embed, view=view)
            return
        reply = self.service.show(item.entry_id)
        if reply is None:
            await interaction.response.send_message(messages.STALE, ephemeral=True)
            return
        await self._send_reply(interaction, reply)

    async def notify_moderators(self, text: str) -> None:
        """Post a notice in every configured moderator channel."""
        for channel_id in self.settings.moderator_channel_ids:
            try:
                channel = self.client.get_partial_messageable(channel_id)
                await channel.send(shorten(text, 2000), allowed_mentions=_NO_PINGS)
            except Exception:
                log.warning("discord: could not notify moderator channel", exc_info=True)

    async def on_command_error(
        self,
        interaction: discord.Interaction,
        error: app_commands.AppCommandError,
    ) -> None:
        """Log the failure with its traceback; tell the user privately, without internals."""
        log.error("discord: command failed", exc_info=error)
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(messages.ERROR, ephemeral=True)
            else:
                await interaction.response.send_message(messages.ERROR, ephemeral=True)

    # --- helpers ----------------------------------------------------------------------

    async def _in_time(self, interaction: discord.Interaction, work: Callable[[], _T]) -> _T:
        """Run work off the loop; defer the interaction if it is not done within 2 s."""
        task = asyncio.ensure_future(asyncio.to_thread(work))
        done, _ = await asyncio.wait({task}, timeout=_DEFER_AFTER)
        if not done:
            await interaction.response.defer(thinking=True)
        return await task

    async def _send_reply(self, interaction: discord.Interaction, reply: Reply) -> None:
        view = reply_view(reply)
        await _respond(interaction, embed=reply_embed(reply), view=view)


class _Client(discord.Client):
    def __init__(self, bot: DiscordBot, **options: Any) -> None:
        super().__init__(**options)
        self.bot = bot

    async def setup_hook(self) -> None:
        await self.bot.setup_hook()

    async def on_message(self, message: discord.Message) -> None:
        await self.bot.on_message(message)

    async def on_faq_button(self, interaction: discord.Interaction, item: Any) -> None:
        await self.bot.on_button(interaction, item)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.error("discord: error in %s", event_method, exc_info=True)


class _ShardedClient(_Client, discord.AutoShardedClient):
    pass


async def _respond(interaction: discord.Interaction, **kwargs: Any) -> None:
    """Send the first response, or a follow-up once the interaction was deferred."""
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    kwargs["allowed_mentions"] = _NO_PINGS
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


def _moderator(interaction: discord.Interaction) -> bool:
    """Manage Server permission in this guild (checked in code, not only by Discord)."""
    perms = interaction.permissions
    return interaction.guild_id is not None and (perms.manage_guild or perms.administrator)


def _log_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("discord: connection ended: %s", task.exception())

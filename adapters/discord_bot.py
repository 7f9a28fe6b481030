"""The Discord adapter: discord.py events in, conversation results rendered out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp
import discord
import yarl
from discord import app_commands

from adapters.discord_render import (
    ActionButton,
    buttons_view,
    md,
    reply_embed,
    reply_view,
    sources_embed,
    topic_embed,
    topics_view,
)
from adapters.discord_retry import install_retries
from adapters.gateway_state import ShardStates
from adapters.lifecycle import Lifecycle
from adapters.platform_settings import DiscordSettings
from bot import messages
from bot.conversation import (
    Asker,
    AskWording,
    Conversation,
    Notice,
    Privately,
    Report,
    Result,
    Show,
    ShowSources,
    ShowTopic,
    ShowTopics,
    Silence,
)
from bot.text import shorten

__all__ = ["DiscordBot"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_NO_PINGS = discord.AllowedMentions.none()
_DEFER_AFTER = 2.0  # seconds: Discord wants a response within 3
_MESSAGE = 2000
_PLATFORM = "discord"
# This bot never joins voice: skip discord.py's warnings about missing voice libraries.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False
# User, role and channel mentions and @everyone/@here are markup, not part of the question.
_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b")
# What a failed request raises once its retries are spent (aiohttp's errors are not
# DiscordExceptions: a dropped connection would otherwise escape every handler).
_FAILURES = (discord.DiscordException, aiohttp.ClientError, asyncio.TimeoutError)
_EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)


class DiscordBot(Lifecycle):
    """Wires the conversation layer into a discord.py client with an app-command tree."""

    def __init__(self, conversation: Conversation, settings: DiscordSettings) -> None:
        """Build the client; nothing touches the network until `start`."""
        if settings.bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self.conversation = conversation
        self.settings = settings
        if settings.api_base_url:  # a proxy or a test server instead of discord.com
            discord.http.Route.BASE = settings.api_base_url.rstrip("/")
        if settings.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
        # No privileged intent: mentions and DMs carry their text without message_content.
        intents = discord.Intents.default()
        intents.message_content = False
        cls = _ShardedClient if settings.shard_count else _Client
        extra: dict[str, Any] = {}
        if settings.shard_count:
            # With shard ids, several processes split the gateway: each connects its own.
            extra["shard_count"] = settings.shard_count
            if settings.shard_ids is not None:
                extra["shard_ids"] = list(settings.shard_ids)
        self.gateway = ShardStates(_PLATFORM, settings.shards)
        self.client: discord.Client = cls(
            self, intents=intents, allowed_mentions=_NO_PINGS, **extra
        )
        install_retries(self.client)
        self.tree = app_commands.CommandTree(self.client, allowed_contexts=_EVERYWHERE)
        self.tree.on_error = self.on_command_error  # type: ignore[method-assign]
        self._register_commands()
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Log in (raises on a bad token), then run the gateway connection in the background.

        A failed login closes the client again, so no session or socket is left open.
        """
        token = self.settings.bot_token.get_secret_value()  # type: ignore[union-attr]
        try:
            await self.client.login(token)
        except BaseException:
            await self.client.close()
            raise
        # Readiness follows the gateway from here on (READY, RESUMED, disconnects).
        self.gateway.connecting()
        self._task = asyncio.create_task(self.client.connect(reconnect=True))
        self._task.add_done_callback(_log_end)

    async def stop(self) -> None:
        """Close the connection; discord.py finishes and cancels its own work."""
        self.gateway.close()
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def setup_hook(self) -> None:
        """Register persistent buttons and sync the commands (never in on_ready).

        When several processes split the gateway, only the one holding shard 0 syncs:
        the commands are the same for all of them, and one bulk overwrite is enough.
        """
        self.client.add_dynamic_items(ActionButton)
        if not self.settings.syncs_commands:
            log.info("discord: commands are synced by the process holding shard 0")
            return
        if self.settings.guild_id:
            guild = discord.Object(id=self.settings.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("discord: synced %d commands", len(synced))

    async def notify_moderators(self, text: str) -> None:
        """Post a notice in every configured moderator channel."""
        for channel_id in self.settings.moderator_channel_ids:
            try:
                channel = self.client.get_partial_messageable(channel_id)
                await channel.send(shorten(text, _MESSAGE), allowed_mentions=_NO_PINGS)
            except discord.DiscordException as exc:
                log.warning("discord: could not notify a moderator channel: %s", exc)

    # --- who may use the bot -------------------------------------------------------------

    def allowed(self, guild_id: int | None) -> bool:
        """Whether the bot serves this server (DMs are always served)."""
        allowed = self.settings.allowed_guild_ids
        return guild_id is None or allowed is None or guild_id in allowed

    async def leave_unless_allowed(self, guild: discord.Guild) -> None:
        """Leave a server outside DISCORD_ALLOWED_GUILD_IDS."""
        if self.allowed(guild.id):
            return
        log.warning("discord: leaving a server that is not in DISCORD_ALLOWED_GUILD_IDS")
        try:
            await guild.leave()
        except discord.DiscordException as exc:
            log.warning("discord: could not leave a server: %s", exc)

    # --- slash commands: the docstring is the description users see -------------------

    def _register_commands(self) -> None:
        tree, conv = self.tree, self.conversation

        @tree.command(name="ask")
        @app_commands.describe(question="Your question, in your own words")
        async def ask(
            interaction: discord.Interaction, question: app_commands.Range[str, 1, 500]
        ) -> None:
            """Ask why North Koreans cannot simply leave; answers cite their sources."""
            result = await self._in_time(interaction, conv.ask(_asker(interaction), question))
            await self._respond(interaction, result)

        @tree.command(name="topic")
        @app_commands.describe(name="A topic or a question; start typing to see choices")
        async def topic(
            interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]
        ) -> None:
            """Show the questions of one topic."""
            await self._respond(interaction, await conv.topic(_asker(interaction), name))

        @topic.autocomplete("name")
        async def topic_choices(
            interaction: discord.Interaction,
            current: str,
        ) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=shorten(label, 100), value=value[:100])
                for label, value in await conv.complete(current[:100], limit=25)
            ]

        @tree.command(name="topics")
        async def topics(interaction: discord.Interaction) -> None:
            """List the topics."""
            await self._respond(interaction, await conv.topics(_asker(interaction)))

        @tree.command(name="sources")
        async def sources(interaction: discord.Interaction) -> None:
            """List the documents the answers cite."""
            await self._respond(interaction, await conv.sources(_asker(interaction)))

        @tree.command(name="privacy")
        async def privacy(interaction: discord.Interaction) -> None:
            """Show what this bot keeps about you, for how long, and who can read it."""
            await self._respond(interaction, await conv.privacy(_asker(interaction)))

        @tree.command(name="help")
        async def help_(interaction: discord.Interaction) -> None:
            """Show how to use this bot."""
            await self._respond(interaction, await conv.help(_asker(interaction)))

        @tree.command(name="reload")
        async def reload(interaction: discord.Interaction) -> None:
            """Reload the FAQ file now and show the validation result (moderators)."""
            await self._respond(interaction, await conv.reload(_asker(interaction)))

        @tree.command(name="unanswered")
        async def unanswered(interaction: discord.Interaction) -> None:
            """Show what people asked that the FAQ could not answer (moderators)."""
            await self._respond(interaction, await conv.unanswered(_asker(interaction)))

    # --- events -----------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """Answer DMs and messages that mention the bot, replying to them."""
        me = self.client.user
        if me is None or message.author.bot:
            return
        is_dm = isinstance(message.channel, discord.DMChannel)
        if not is_dm and me not in message.mentions:
            return
        if not self.allowed(message.guild.id if message.guild else None):
            return
        who = Asker(
            _PLATFORM,
            user_id=str(message.author.id),
            chat_id=str(message.channel.id),
            private=is_dm,
            guild_id=str(message.guild.id) if message.guild else None,
            role_ids=_roles(message.author),
        )
        question = _MENTION.sub(" ", message.content).strip()
        result = await self.conversation.ask(who, question)
        try:
            await self._reply(message, result)
        except _FAILURES as exc:  # retries are spent: one line, then apologise
            log.error("discord: could not answer a message: %s", type(exc).__name__)
            log.debug("discord: reply failure", exc_info=True)
            with contextlib.suppress(*_FAILURES):
                await message.reply(messages.ERROR, allowed_mentions=_NO_PINGS)

    async def on_button(self, interaction: discord.Interaction, item: ActionButton) -> None:
        """Handle a click on one of our buttons."""
        message_key = str(interaction.message.id) if interaction.message else ""
        result = await self.conversation.click(
            _asker(interaction), item.data, message_key=message_key
        )
        await self._respond(interaction, result, component=True)

    async def on_command_error(
        self,
        interaction: discord.Interaction,
        error: app_commands.AppCommandError,
    ) -> None:
        """Log the failure in one line (traceback at debug level); tell the user privately."""
        cause = getattr(error, "original", error)
        log.error("discord: /%s failed: %s", _command_name(interaction), type(cause).__name__)
        log.debug("discord: command failure", exc_info=error)
        with contextlib.suppress(discord.DiscordException):
            if interaction.response.is_done():
                await interaction.followup.send(messages.ERROR, ephemeral=True)
            else:
                await interaction.response.send_message(messages.ERROR, ephemeral=True)

    # --- rendering ----------------------------------------------------------------------

    async def _respond(
        self, interaction: discord.Interaction, result: Result, *, component: bool = False
    ) -> None:
        """Render a result as the answer to an interaction (ephemeral where private)."""
        if isinstance(result, Silence):
            if component:
                await interaction.response.defer()
            else:
                await _send(interaction, content=messages.SLOW_DOWN, ephemeral=True)
        elif isinstance(result, Notice):
            await _send(
                interaction, content=shorten(result.text, _MESSAGE), ephemeral=result.private
            )
        elif isinstance(result, Privately):
            await self._respond_show(interaction, result.inner, ephemeral=True)
        elif isinstance(result, Show):
            await self._respond_show(interaction, result, ephemeral=False)
        elif isinstance(result, ShowTopic):
            embed, view = topic_embed(result.topic)
            await _send(interaction, embed=embed, view=view)
        elif isinstance(result, ShowTopics):
            await _send(interaction, content=md(result.message), view=topics_view(result.topics))
        elif isinstance(result, ShowSources):
            await _send(interaction, embed=sources_embed(result.sources))
        elif isinstance(result, Report):
            chunks = _chunks(md(result.text))
            for i, chunk in enumerate(chunks):
                view = buttons_view(result.buttons) if i == len(chunks) - 1 else None
                await _send(interaction, content=chunk, ephemeral=True, view=view)
        elif isinstance(result, AskWording):
            await self._ask_wording(interaction, result)

    async def _ask_wording(self, interaction: discord.Interaction, ask: AskWording) -> None:
        """Show a modal with the wording to confirm or change (buttons if it is too late)."""
        if not interaction.response.is_done():
            await interaction.response.send_modal(_WordingModal(self, ask))
            return
        text = f"**{md(ask.title)}**\n{md(ask.prompt)}\n\n{md(ask.wording)}"
        view = buttons_view((ask.confirm, ask.cancel))
        await _send(interaction, content=shorten(text, _MESSAGE), ephemeral=True, view=view)

    async def _respond_show(
        self, interaction: discord.Interaction, result: Show, *, ephemeral: bool
    ) -> None:
        if result.replace and interaction.message is not None and not ephemeral:
            with contextlib.suppress(discord.DiscordException):
                await interaction.response.edit_message(
                    embed=reply_embed(result.reply), view=reply_view(result.reply)
                )
                return
        view = reply_view(result.reply, result.evidence)
        await _send(interaction, embed=reply_embed(result.reply), view=view, ephemeral=ephemeral)

    async def _reply(self, message: discord.Message, result: Result) -> None:
        """Render a result as a reply to a message (a DM or a mention)."""
        if isinstance(result, Silence):
            return
        if isinstance(result, Privately):
            try:
                await message.author.send(**_show_kwargs(result.inner))
            except discord.DiscordException:  # DMs closed: say so, still without details
                await message.reply(messages.DM_FAILED, allowed_mentions=_NO_PINGS)
                return
            await message.channel.send(result.public, allowed_mentions=_NO_PINGS)
        elif isinstance(result, Show):
            await message.reply(**_show_kwargs(result))
        elif isinstance(result, Notice):
            await message.reply(shorten(result.text, _MESSAGE), allowed_mentions=_NO_PINGS)
        elif isinstance(result, Report):
            chunks = _chunks(md(result.text))
            for i, chunk in enumerate(chunks):
                view = buttons_view(result.buttons) if i == len(chunks) - 1 else None
                kwargs: dict[str, Any] = {"view": view} if view is not None else {}
                await message.channel.send(chunk, allowed_mentions=_NO_PINGS, **kwargs)
        else:  # topic and source look-ups are slash commands, not mentions
            log.debug("discord: nothing to render for %s", type(result).__name__)

    async def _in_time(self, interaction: discord.Interaction, work: Awaitable[_T]) -> _T:
        """Await work; defer the interaction if it is not done within 2 s."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=_DEFER_AFTER)
        if not done:
            await interaction.response.defer(thinking=True)
        return await task


class _WordingModal(discord.ui.Modal):
    """Asks a moderator to confirm or change the wording `learn` will write."""

    def __init__(self, bot: DiscordBot, ask: AskWording) -> None:
        # The custom id carries the draft's confirm action; the core checks it on submit.
        super().__init__(title=shorten(ask.title, 45), custom_id=f"faq-teach:{ask.confirm.action}")
        self.bot = bot
        self.confirm = ask.confirm.action
        self.add_item(discord.ui.TextDisplay(md(ask.prompt)))
        self.wording: discord.ui.TextInput[_WordingModal] = discord.ui.TextInput(
            custom_id="wording", default=ask.wording, max_length=200, required=True
        )
        self.add_item(
            discord.ui.Label(text=shorten(messages.TEACH_WORDING_LABEL, 45), component=self.wording)
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Write the draft with the wording as the moderator left it."""
        result = await self.bot.conversation.confirm(
            _asker(interaction), self.confirm, self.wording.value
        )
        await self.bot._respond(interaction, result)


class _Client(discord.Client):
    def __init__(self, bot: DiscordBot, **options: Any) -> None:
        super().__init__(**options)
        self.bot = bot

    async def setup_hook(self) -> None:
        await self.bot.setup_hook()

    async def on_ready(self) -> None:
        for guild in list(self.guilds):
            await self.bot.leave_unless_allowed(guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.bot.leave_unless_allowed(guild)

    async def on_message(self, message: discord.Message) -> None:
        await self.bot.on_message(message)

    async def on_faq_button(self, interaction: discord.Interaction, item: Any) -> None:
        if self.bot.allowed(interaction.guild_id):
            await self.bot.on_button(interaction, item)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.error("discord: error in %s", event_method)
        log.debug("discord: event failure", exc_info=True)

    # Gateway connection state, for readiness (one connection: shard 0).
    async def on_connect(self) -> None:
        self.bot.gateway.up(0)

    async def on_resumed(self) -> None:
        self.bot.gateway.up(0)

    async def on_disconnect(self) -> None:
        self.bot.gateway.down(0)


class _ShardedClient(_Client, discord.AutoShardedClient):
    # The shard events say which shard; the unsharded ones fire too and are ignored.
    async def on_connect(self) -> None:
        return None

    async def on_resumed(self) -> None:
        return None

    async def on_disconnect(self) -> None:
        return None

    async def on_shard_connect(self, shard_id: int) -> None:
        self.bot.gateway.up(shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.bot.gateway.up(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.bot.gateway.down(shard_id)


def _asker(interaction: discord.Interaction) -> Asker:
    """Who clicked or typed a command, and where; ephemeral answers make it private-capable."""
    return Asker(
        _PLATFORM,
        user_id=str(interaction.user.id),
        chat_id=str(interaction.channel_id) if interaction.channel_id else None,
        private=interaction.guild_id is None,
        whisper=True,
        guild_id=str(interaction.guild_id) if interaction.guild_id else None,
        role_ids=_roles(interaction.user),
        name=interaction.user.display_name,  # only moderators' audit trails use it
    )


def _roles(user: discord.abc.User) -> frozenset[str]:
    # The role ids Discord sent with the member, even when that server's roles are not
    # cached (Member.roles resolves ids through the cache and drops unknown ones).
    ids = getattr(user, "_roles", None) or ()
    return frozenset(str(r) for r in ids)


def _show_kwargs(result: Show) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"embed": reply_embed(result.reply), "allowed_mentions": _NO_PINGS}
    view = reply_view(result.reply)
    if view is not None:
        kwargs["view"] = view
    return kwargs


async def _send(interaction: discord.Interaction, **kwargs: Any) -> None:
    """Send the first response, or a follow-up once the interaction was answered or deferred."""
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    kwargs["allowed_mentions"] = _NO_PINGS
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


def _chunks(text: str) -> list[str]:
    out, current = [], ""
    for line in text.splitlines():
        line = shorten(line, _MESSAGE)
        if current and len(current) + 1 + len(line) > _MESSAGE:
            out.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    return [*out, current] if current else out


def _command_name(interaction: discord.Interaction) -> str:
    command = interaction.command
    return command.name if command is not None else "?"


def _log_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("discord: connection ended: %s", type(task.exception()).__name__)

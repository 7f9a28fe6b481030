"""The Telegram adapter: python-telegram-bot handlers that render what the core returns."""

from __future__ import annotations

import asyncio
import logging
from html import escape
from uuid import uuid4

from telegram import (
    BotCommand,
    CallbackQuery,
    ChatMember,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from adapters.platform_settings import TelegramSettings
from adapters.telegram_render import (
    entry_keyboard,
    parse_callback,
    reply_html,
    sources_html,
    split_html,
    topic_html,
    topics_keyboard,
)
from bot import messages
from bot.cooldown import Cooldown
from bot.report import build_report, render_report
from bot.service import FaqService
from bot.votes import VoteBox
from bot.watch import reload_once

__all__ = ["COMMANDS", "TelegramBot"]

log = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("ask", "Ask a question about leaving North Korea"),
    BotCommand("topic", "Show the questions of one topic"),
    BotCommand("topics", "List the topics"),
    BotCommand("sources", "List the documents answers cite"),
    BotCommand("help", "How to use this bot"),
]
_INLINE_CACHE_SECONDS = 30


class TelegramBot:
    """Wires a FaqService into a python-telegram-bot Application."""

    def __init__(self, service: FaqService, settings: TelegramSettings) -> None:
        """Build the application; nothing touches the network until `start`."""
        if settings.bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.service = service
        self.settings = settings
        self.user_cooldown = Cooldown(settings.user_cooldown_seconds)
        self.chat_cooldown = Cooldown(settings.chat_cooldown_seconds)
        self.votes = VoteBox()
        self.app: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(settings.bot_token.get_secret_value())
            .base_url(settings.api_base_url)
            .rate_limiter(AIORateLimiter(max_retries=settings.max_retries))
            .build()
        )
        add = self.app.add_handler
        only_new = filters.UpdateType.MESSAGE
        add(CommandHandler(["start", "help"], self.on_help, filters=only_new))
        add(CommandHandler("ask", self.on_ask, filters=only_new))
        add(CommandHandler("topic", self.on_topic, filters=only_new))
        add(CommandHandler("topics", self.on_topics, filters=only_new))
        add(CommandHandler("sources", self.on_sources, filters=only_new))
        add(CommandHandler("reload", self.on_reload, filters=only_new))
        add(CommandHandler("unanswered", self.on_unanswered, filters=only_new))
        add(MessageHandler(only_new & filters.TEXT & ~filters.COMMAND, self.on_text))
        add(MessageHandler(only_new & filters.ChatType.PRIVATE & ~filters.TEXT, self.on_not_text))
        add(CallbackQueryHandler(self.on_button))
        add(InlineQueryHandler(self.on_inline))
        self.app.add_error_handler(self.on_error)

    async def start(self) -> None:
        """Connect and start receiving updates (polling, or webhook when configured)."""
        await self.app.initialize()
        await self.app.bot.set_my_commands(COMMANDS)
        await self.app.start()
        updater = self.app.updater
        assert updater is not None
        s = self.settings
        if s.webhook_url:
            await updater.start_webhook(
                listen=s.webhook_listen,
                port=s.webhook_port,
                url_path=s.webhook_path,
                webhook_url=s.webhook_url.rstrip("/") + "/" + s.webhook_path,
                secret_token=s.webhook_secret.get_secret_value() if s.webhook_secret else None,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await updater.start_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0)

    async def stop(self) -> None:
        """Stop receiving, let handlers in flight finish, and close connections."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    # --- handlers: one per verb -------------------------------------------------------

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start and /help: what the bot does, with the topics as buttons."""
        message = update.effective_message
        assert message is not None
        await message.reply_text(
            messages.HELP, reply_markup=topics_keyboard(self.service.topics()), do_quote=True
        )

    async def on_ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/ask QUESTION, in any chat."""
        message = update.effective_message
        assert message is not None
        await self._answer(message, " ".join(context.args or []))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Free text: always in private chats; in groups only mentions and replies to us."""
        message = update.effective_message
        assert message is not None and message.text is not None
        if message.chat.type == ChatType.PRIVATE:
            await self._answer(message, message.text)
            return
        question = self._addressed_text(message)
        if question is not None:
            await self._answer(message, question)

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos and the like in a private chat: a short, polite note."""
        message = update.effective_message
        assert message is not None
        await message.reply_text(messages.NOT_TEXT, do_quote=True)

    async def on_topic(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/topic NAME: the topic's questions as buttons (typos tolerated)."""
        message = update.effective_message
        assert message is not None
        blocks, keyboard = topic_html(self.service.topic(" ".join(context.args or [])))
        await self._send(message, blocks, keyboard)

    async def on_topics(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/topics: every topic as a button."""
        message = update.effective_message
        assert message is not None
        await message.reply_text(
            "Choose a topic:", reply_markup=topics_keyboard(self.service.topics()), do_quote=True
        )

    async def on_sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """List the documents answers cite (/sources)."""
        message = update.effective_message
        assert message is not None
        await self._send(message, sources_html(self.service.sources()), None)

    async def on_reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Reload the FAQ now and report the validation result (moderators only)."""
        message = update.effective_message
        assert message is not None
        if not await self._is_moderator(message):
            await message.reply_text(messages.MODERATORS_ONLY, do_quote=True)
            return
        text, _ok = await reload_once(self.service)
        await message.reply_text(text[:4000], do_quote=True)

    async def on_unanswered(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show the most frequent questions the FAQ could not answer (moderators only)."""
        message = update.effective_message
        assert message is not None
        if not await self._is_moderator(message):
            await message.reply_text(messages.MODERATORS_ONLY, do_quote=True)
            return
        if self.service.qlog is None:
            await message.reply_text(messages.LOG_OFF, do_quote=True)
            return
        qlog = self.service.qlog
        report = await asyncio.to_thread(lambda: build_report(self.service, qlog, 7.0))
        text = render_report(report, limit=10)
        for chunk in split_html([escape(text)]):
            await message.reply_text(chunk, parse_mode=ParseMode.HTML, do_quote=True)

    async def notify_moderators(self, text: str) -> None:
        """Send a notice to every configured moderator chat."""
        for chat_id in self.settings.moderator_chat_ids:
            try:
                await self.app.bot.send_message(chat_id, text[:4000])
            except Exception:
                log.warning("telegram: could not notify moderator chat", exc_info=True)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show what a suggestion, related-question or topic button points at."""
        query = update.callback_query
        assert query is not None
        parsed = parse_callback(query.data)
        message = query.message if isinstance(query.message, Message) else None
        if parsed is None or message is None:
            await query.answer()
            return
        kind, value = parsed
        if kind == "f":
            await self._feedback(query, message, value)
            return
        if kind == "t":
            found = next((t for t in self.service.topics() if t.id == value), None)
            if found is None:
                await query.answer(messages.STALE, show_alert=True)
                return
            await query.answer()
            blocks, keyboard = topic_html(self.service.topic(found.id))
            await self._send(message, blocks, keyboard)
            return
        reply = self.service.show(value)
        if reply is None:  # the FAQ was edited since the button was sent
            await query.answer(messages.STALE, show_alert=True)
            return
        await query.answer()
        chunks = split_html(reply_html(reply))
        if kind == "s" and len(chunks) == 1:
            try:
                await message.edit_text(
                    chunks[0],
                    parse_mode=ParseMode.HTML,
                    reply_markup=entry_keyboard(reply),
                    disable_web_page_preview=True,
                )
                return
            except BadRequest:  # too old to edit, or unchanged: send it instead
                log.debug("could not edit message; sending a new one", exc_info=True)
        await self._send(message, reply_html(reply), entry_keyboard(reply))

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`@bot question` in any chat: up to 10 matching answers, with citations."""
        query = update.inline_query
        assert query is not None
        results = []
        for reply in self.service.search(query.query, limit=10):
            assert reply.entry is not None
            text = split_html(reply_html(reply))[0]
            results.append(
                InlineQueryResultArticle(
                    id=uuid4().hex,
                    title=reply.entry.question,
                    description=reply.entry.answer[:120],
                    input_message_content=InputTextMessageContent(
                        text, parse_mode=ParseMode.HTML, disable_web_page_preview=True
                    ),
                )
            )
        # Not personal and cached briefly, so FAQ edits show up within the cache time.
        await query.answer(results, cache_time=_INLINE_CACHE_SECONDS, is_personal=False)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure with its traceback and tell the user, without internals."""
        log.error("telegram: error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_message is not None:
            try:
                await update.effective_message.reply_text(messages.ERROR, do_quote=True)
            except Exception:  # the platform may be what failed; the log already has it
                log.warning("telegram: could not send the error notice", exc_info=True)

    # --- helpers ----------------------------------------------------------------------

    async def _feedback(self, query: CallbackQuery, message: Message, value: str) -> None:
        entry_id, _, vote = value.rpartition(":")
        if self.service.kb.entry(entry_id) is None or vote not in ("0", "1"):
            await query.answer(messages.STALE, show_alert=True)
            return
        if not self.votes.first(
            f"tg{query.from_user.id}", f"{message.chat.id}/{message.message_id}"
        ):
            await query.answer(messages.ALREADY_VOTED)
            return
        if self.service.qlog is not None:
            self.service.qlog.feedback(entry_id, vote == "1")
        await query.answer(messages.THANKS)

    async def _is_moderator(self, message: Message) -> bool:
        chat = message.chat
        if chat.id in self.settings.moderator_chat_ids and chat.type == ChatType.PRIVATE:
            return True
        if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return False
        if message.sender_chat is not None and message.sender_chat.id == chat.id:
            return True  # an anonymous administrator posts as the group itself
        if message.from_user is None:
            return False
        member = await chat.get_member(message.from_user.id)
        return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)

    async def _answer(self, message: Message, question: str) -> None:
        user = message.from_user.id if message.from_user else None
        if message.chat.type != ChatType.PRIVATE:
            verdict = self.user_cooldown.check(f"u{user}")
            if verdict.allowed:
                verdict = self.chat_cooldown.check(f"c{message.chat.id}")
            if not verdict.allowed:
                if verdict.notice and not verdict.repeated:
                    await message.reply_text(verdict.notice, do_quote=True)
                return
        reply = self.service.ask(
            question, platform="telegram", user_id=user, chat_id=message.chat.id
        )
        keyboard = entry_keyboard(reply)
        if reply.topics and keyboard is None and not reply.is_help:
            keyboard = topics_keyboard(reply.topics)
        await self._send(message, reply_html(reply), keyboard)

    async def _send(
        self, message: Message, blocks: list[str], keyboard: InlineKeyboardMarkup | None
    ) -> None:
        chunks = split_html(blocks)
        for i, chunk in enumerate(chunks):
            await message.reply_text(
                chunk,
                parse_mode=ParseMode.HTML,
                disable_web_page_preview=True,
                reply_markup=keyboard if i == len(chunks) - 1 else None,
                do_quote=True,
            )

    def _addressed_text(self, message: Message) -> str | None:
        """Return the question of a group message addressed to us (mention or reply), or None."""
        me = message.get_bot()
        text = message.text or ""
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
            return text
        username = (me.username or "").casefold()
        for value in message.parse_entities([MessageEntity.MENTION]).values():
            if username and value.casefold() == f"@{username}":
                return text.replace(value, " ", 1).strip()
        return None

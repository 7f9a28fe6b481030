"""The Telegram adapter: python-telegram-bot events in, conversation results rendered out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from html import escape
from uuid import uuid4

from telegram import (
    BotCommand,
    CallbackQuery,
    Chat,
    ChatMemberUpdated,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from adapters.lifecycle import Lifecycle
from adapters.platform_settings import TelegramSettings
from adapters.telegram_ledger import DONE_SECONDS, UpdateLedger
from adapters.telegram_render import (
    buttons_keyboard,
    private_link_keyboard,
    reply_html,
    reply_keyboard,
    sources_html,
    split_html,
    topic_html,
    topics_keyboard,
    wording_html,
)
from adapters.telegram_retry import RetryingRateLimiter
from adapters.telegram_updates import ChatScheduler, Poller, WebhookServer
from bot import messages, metrics
from bot.conversation import (
    SAFETY_PAYLOAD,
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
    TeachAction,
    TeachVerb,
)

__all__ = ["COMMANDS", "TelegramBot"]

log = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("ask", "Ask a question about leaving North Korea"),
    BotCommand("topic", "Show the questions of one topic"),
    BotCommand("topics", "List the topics"),
    BotCommand("sources", "List the documents answers cite"),
    BotCommand("privacy", "What this bot keeps about you"),
    BotCommand("help", "How to use this bot"),
]
_INLINE_CACHE_SECONDS = 30
_ALERT_LIMIT = 200  # Telegram's limit for callback-query alerts
_WEBHOOK_TIMEOUT = 50.0  # seconds a webhook delivery waits for its update to be handled
_UPDATE_TYPES = list(Update.ALL_TYPES)
_PLATFORM = "telegram"


class TelegramBot(Lifecycle):
    """Wires the conversation layer into a python-telegram-bot Application."""

    def __init__(self, conversation: Conversation, settings: TelegramSettings) -> None:
        """Build the application; nothing touches the network until `start`."""
        if settings.bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.conversation = conversation
        self.settings = settings
        self.app: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(settings.bot_token.get_secret_value())
            .base_url(settings.api_base_url)
            .rate_limiter(RetryingRateLimiter(max_retries=settings.max_retries))
            .updater(None)  # updates are received below: confirmed only once handled
            .build()
        )
        self.scheduler = ChatScheduler(
            self.app.process_update,
            self._shed,
            concurrency=settings.max_concurrent_updates,
            backlog=settings.max_backlog,
        )
        self._poller: Poller | None = None
        self._webhook: WebhookServer | None = None
        self._stop = asyncio.Event()
        self._poll_task: asyncio.Task[None] | None = None
        self._left: set[int] = set()
        self._register_handlers()

    def _register_handlers(self) -> None:
        add = self.app.add_handler
        only_new = filters.UpdateType.MESSAGE
        add(TypeHandler(Update, self.gatekeeper), group=-1)
        add(ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        add(CommandHandler("start", self.on_start, filters=only_new))
        add(CommandHandler("help", self.on_help, filters=only_new))
        add(CommandHandler("privacy", self.on_privacy, filters=only_new))
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

    # --- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and start receiving updates (polling, or webhook when configured).

        Raises:
            telegram.error.TelegramError: A bad token or an unreachable server; whatever
                was opened is closed again.
        """
        try:
            await self.app.initialize()
            await self.app.bot.set_my_commands(COMMANDS)
            await self.app.start()
            if self.settings.webhook_url:
                await self._start_webhook()
            else:
                await self.app.bot.delete_webhook()
                self._poller = Poller(
                    self.app.bot,
                    self.scheduler,
                    allowed_updates=_UPDATE_TYPES,
                    on_state=_report_polling,
                )
                self._poll_task = asyncio.create_task(self._poller.run(self._stop))
        except BaseException:
            await self._close()
            raise

    async def stop(self) -> None:
        """Stop receiving, finish work in flight within the grace period, and disconnect."""
        self._stop.set()
        if self._webhook is not None:
            self._webhook.close_intake()  # deliveries in flight get their answer first
        left = await self.scheduler.drain(self.settings.stop_grace_seconds)
        if self._webhook is not None:
            await self._webhook.stop()
        if self._poller is not None:
            if self._poll_task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._poll_task
            if left:
                log.warning(
                    "telegram: %d updates left unanswered; Telegram sends them again at the "
                    "next start",
                    left,
                )
            else:
                await self._poller.confirm()
        elif left:
            log.warning("telegram: %d webhook updates left unanswered at stop", left)
        await self._close()

    async def _close(self) -> None:
        if self.app.running:
            await self.app.stop()
        try:
            await self.app.shutdown()
        except RuntimeError:  # never initialized
            log.debug("telegram: shutdown before initialize", exc_info=True)

    async def _start_webhook(self) -> None:
        s = self.settings
        if s.webhook_secret is None:
            # Without it anyone who finds the URL can post forged updates to every replica.
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET must be set with TELEGRAM_WEBHOOK_URL "
                "(1-256 of A-Z a-z 0-9 _ -, the same on every replica)"
            )
        secret = s.webhook_secret.get_secret_value()
        url = s.webhook_endpoint or ""
        ledger = UpdateLedger(
            self.conversation.state,
            self.conversation.hash,
            claim_seconds=_WEBHOOK_TIMEOUT + 10.0,
            clock=self.conversation.clock,
        )
        self._webhook = WebhookServer(
            self.app.bot,
            self.scheduler,
            path=s.webhook_path,
            secret=secret,
            ledger=ledger,
            handle_timeout=_WEBHOOK_TIMEOUT,
        )
        await self._webhook.start(s.webhook_listen, s.webhook_port)
        await self._register_webhook(url, secret)

    async def _register_webhook(self, url: str, secret: str) -> None:
        """Point Telegram at `url` unless it already is, with this very secret.

        setWebhook with the same arguments is idempotent, so replicas starting together
        may both call it without harm, and no lock is needed; what must not happen is
        keeping a registration whose secret differs (a rotated secret would make every
        delivery a 403). Telegram never shows the secret back, so a keyed hash of what
        was registered is kept in the shared state: a replica skips the call only when
        Telegram shows this URL and another replica recorded these very settings.
        """
        state, now = self.conversation.state, self.conversation.clock
        registered = self.conversation.hash.lasting(
            _PLATFORM, "webhook", url, secret, *_UPDATE_TYPES
        )
        info = await self.app.bot.get_webhook_info()
        if info.url == url and await state.seen(registered, now()):
            log.info("telegram: webhook already registered by another replica")
            return
        await self.app.bot.set_webhook(url, secret_token=secret, allowed_updates=_UPDATE_TYPES)
        await state.first(registered, DONE_SECONDS, now())
        log.info("telegram: webhook registered")

    async def notify_moderators(self, text: str) -> None:
        """Send a notice to every configured moderator chat."""
        for chat_id in self.settings.moderator_chat_ids:
            try:
                await self.app.bot.send_message(chat_id, text[:4000])
            except TelegramError as exc:
                log.warning("telegram: could not notify a moderator chat: %s", exc)

    # --- who may use the bot -------------------------------------------------------------

    async def gatekeeper(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Leave groups outside TELEGRAM_ALLOWED_CHAT_IDS, before any other handler runs."""
        chat = update.effective_chat
        if chat is not None and not self._allowed(chat):
            await self._leave(chat)
            raise ApplicationHandlerStop

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Being added to a group: stay only where allowed (the gatekeeper leaves otherwise)."""
        change: ChatMemberUpdated | None = update.my_chat_member
        if change is not None and change.new_chat_member.status == ChatMemberStatus.MEMBER:
            log.info("telegram: added to a group")

    def _allowed(self, chat: Chat) -> bool:
        allowed = self.settings.allowed_chat_ids
        return chat.type == ChatType.PRIVATE or allowed is None or chat.id in allowed

    async def _leave(self, chat: Chat) -> None:
        if chat.id in self._left:
            return
        self._left.add(chat.id)
        log.warning("telegram: leaving a chat that is not in TELEGRAM_ALLOWED_CHAT_IDS")
        try:
            await chat.leave()
        except TelegramError as exc:
            log.warning("telegram: could not leave a chat: %s", exc)

    # --- handlers: one per verb -------------------------------------------------------

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start [payload]: the help text, or what a deep link points at."""
        message, who = self._event(update)
        payload = context.args[0] if context.args else ""
        await self._deliver(message, await self.conversation.start(who, payload))

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help: what the bot does, with the topics as buttons."""
        message, who = self._event(update)
        await self._deliver(message, await self.conversation.help(who))

    async def on_privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/privacy: what is stored, for how long, and who can read it."""
        message, who = self._event(update)
        await self._deliver(message, await self.conversation.privacy(who))

    async def on_ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/ask QUESTION, in any chat."""
        message, who = self._event(update)
        question = " ".join(context.args or [])
        await self._deliver(message, await self.conversation.ask(who, question))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Free text: always in private chats; in groups only mentions and replies to us."""
        message, who = self._event(update)
        draft = _draft_replied_to(message)
        if draft is not None:  # a moderator's new wording for a teaching draft
            result = await self.conversation.reword(who, message.text or "", draft)
            if result is not None:
                await self._deliver(message, result)
                return
        question = message.text if who.private else self._addressed_text(message)
        if question is not None:
            await self._deliver(message, await self.conversation.ask(who, question))

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos and the like in a private chat: a short, polite note."""
        message, who = self._event(update)
        await self._deliver(message, await self.conversation.not_text(who))

    async def on_topic(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/topic NAME: the topic's questions as buttons (typos tolerated)."""
        message, who = self._event(update)
        name = " ".join(context.args or [])
        await self._deliver(message, await self.conversation.topic(who, name))

    async def on_topics(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/topics: every topic as a button."""
        message, who = self._event(update)
        await self._deliver(message, await self.conversation.topics(who))

    async def on_sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """List the documents answers cite (/sources)."""
        message, who = self._event(update)
        await self._deliver(message, await self.conversation.sources(who))

    async def on_reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/reload: reload the FAQ now (configured moderators only)."""
        message, who = self._event(update)
        await self._deliver(message, await self.conversation.reload(who))

    async def on_unanswered(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/unanswered: what the FAQ missed (configured moderators, in private only)."""
        message, who = self._event(update)
        await self._deliver(message, await self.conversation.unanswered(who))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a button under one of our messages."""
        query = update.callback_query
        assert query is not None
        message = query.message if isinstance(query.message, Message) else None
        if message is None:  # a button under an inline result: nothing to reply to
            await query.answer()
            return
        who = _asker(message.chat, query.from_user.id, query.from_user.full_name)
        result = await self.conversation.click(
            who, query.data, message_key=f"{message.chat.id}/{message.message_id}"
        )
        await self._deliver(message, result, query=query)

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`@bot question` in any chat: up to 10 matching answers, with citations."""
        query = update.inline_query
        assert query is not None
        found = await self.conversation.search(query.query, limit=10)
        if any(reply.is_safety for reply in found):
            # Never post the safety reply into a chat: offer it in a private chat instead.
            button = InlineQueryResultsButton(
                text=messages.SAFETY_OPEN_PRIVATE, start_parameter=SAFETY_PAYLOAD
            )
            await query.answer([], button=button, cache_time=0, is_personal=True)
            return
        results = []
        for reply in found:
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
        """Log the failure in one line (traceback at debug level); apologise if we can."""
        error = context.error
        log.error("telegram: could not handle an update: %s: %s", type(error).__name__, error)
        log.debug("telegram: handler failure", exc_info=error)
        if isinstance(update, Update) and update.effective_message is not None:
            try:
                await update.effective_message.reply_text(messages.ERROR, do_quote=True)
            except TelegramError as exc:  # the platform may be what failed
                log.warning("telegram: could not send the error notice: %s", type(exc).__name__)

    async def _shed(self, update: Update) -> None:
        """Over the backlog: a short "busy" answer instead of queueing without bound."""
        if update.callback_query is not None:
            await update.callback_query.answer(messages.BUSY)
        elif (
            update.effective_message is not None
            and update.effective_chat is not None
            and update.effective_chat.type == ChatType.PRIVATE
        ):
            await update.effective_message.reply_text(messages.BUSY, do_quote=True)

    # --- rendering ----------------------------------------------------------------------

    async def _deliver(
        self, message: Message, result: Result, *, query: CallbackQuery | None = None
    ) -> None:
        """Render a conversation result as Telegram messages (or a click alert)."""
        if isinstance(result, Notice) and query is not None and len(result.text) <= _ALERT_LIMIT:
            await query.answer(result.text, show_alert=result.private)
            return
        if query is not None:
            await query.answer()
        if isinstance(result, Silence):
            return
        if isinstance(result, Notice):
            await message.reply_text(result.text, do_quote=True)
        elif isinstance(result, Privately):
            if message.chat.type == ChatType.PRIVATE:
                await self._deliver(message, result.inner)
                return
            username = message.get_bot().username
            await message.reply_text(
                result.public,
                reply_markup=private_link_keyboard(username, result.payload),
                do_quote=False,  # a neutral line: it does not point at the message
            )
        elif isinstance(result, Show):
            if result.replace and query is not None and await self._edit(message, result):
                return
            keyboard = reply_keyboard(result.reply, result.evidence)
            await self._send(message, reply_html(result.reply), keyboard)
        elif isinstance(result, ShowTopic):
            await self._send(message, *topic_html(result.topic))
        elif isinstance(result, ShowTopics):
            await message.reply_text(
                result.message, reply_markup=topics_keyboard(result.topics), do_quote=True
            )
        elif isinstance(result, ShowSources):
            await self._send(message, sources_html(result.sources), None)
        elif isinstance(result, Report):
            await self._send(message, [escape(result.text)], buttons_keyboard(result.buttons))
        elif isinstance(result, AskWording):
            text, keyboard = wording_html(result)
            await self._send(message, [text], keyboard)

    async def _edit(self, message: Message, result: Show) -> bool:
        chunks = split_html(reply_html(result.reply))
        if len(chunks) != 1:
            return False
        try:
            await message.edit_text(
                chunks[0],
                parse_mode=ParseMode.HTML,
                reply_markup=reply_keyboard(result.reply),
                disable_web_page_preview=True,
            )
        except BadRequest:  # too old to edit, or unchanged: send it instead
            log.debug("telegram: could not edit a message; sending a new one")
            return False
        return True

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

    # --- translation --------------------------------------------------------------------

    def _event(self, update: Update) -> tuple[Message, Asker]:
        message = update.effective_message
        assert message is not None
        user = message.from_user
        return message, _asker(
            message.chat, user.id if user else None, user.full_name if user else None
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


def _report_polling(connected: bool, detail: str) -> None:
    """Readiness follows polling: failing getUpdates calls make this replica unready."""
    metrics.ADAPTERS.set(_PLATFORM, "connected" if connected else "disconnected", detail)


def _draft_replied_to(message: Message) -> str | None:
    """Return the confirm action of the teaching draft this message replies to, if any."""
    replied = message.reply_to_message
    me = message.get_bot()
    if replied is None or replied.from_user is None or replied.from_user.id != me.id:
        return None
    markup = replied.reply_markup
    for row in markup.inline_keyboard if markup is not None else ():
        for button in row:
            data = button.callback_data if isinstance(button.callback_data, str) else None
            action = TeachAction.parse(data)
            if action is not None and action.verb is TeachVerb.CONFIRM:
                return data
    return None


def _asker(chat: Chat, user_id: int | None, name: str | None) -> Asker:
    return Asker(
        _PLATFORM,
        user_id=str(user_id) if user_id is not None else None,
        chat_id=str(chat.id),
        private=chat.type == ChatType.PRIVATE,
        name=name,
    )

"""The one API every adapter calls: questions, look-ups, buttons, moderator actions."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable

from bot import messages, metrics
from bot.conversation.actions import Action, TeachAction, TeachVerb, Verb
from bot.conversation.asker import Asker
from bot.conversation.evidence import Evidence
from bot.conversation.limits import Kind, Limiter, RatePolicy
from bot.conversation.moderators import Moderators
from bot.conversation.results import (
    Notice,
    Privately,
    Result,
    Show,
    ShowSources,
    ShowTopic,
    ShowTopics,
)
from bot.conversation.teach import Teacher
from bot.learn.writer import Learner
from bot.reply import Reply
from bot.report import build_report, render_report
from bot.service import FaqService
from bot.state import Hasher, MemoryState, SharedState
from bot.watch import Reloaded, reload_once

__all__ = ["SAFETY_PAYLOAD", "Conversation"]

log = logging.getLogger(__name__)

SAFETY_PAYLOAD = "safety"
_VOTE_MEMORY = 86_400.0  # one vote per person per answer, remembered for a day
_REPORT_DAYS = 7.0
_TOLD_MEMORY = 600.0  # replicas reloading the same change tell the moderators once


class Conversation:
    """Decides everything a user could notice, the same way on every platform.

    Adapters translate a platform event into one call here, passing who asked and
    where (`Asker`), and render the `Result`. Questions are matched off the event loop.
    """

    def __init__(
        self,
        service: FaqService,
        *,
        moderators: Moderators | None = None,
        policy: RatePolicy | None = None,
        state: SharedState | None = None,
        hasher: Hasher | None = None,
        clock: Callable[[], float] = time.time,
        learner: Learner | None = None,
        undo_seconds: float = 600.0,
    ) -> None:
        """Create the conversation layer around a service.

        Args:
            service: Matching and the knowledge base (its `qlog` is the question log).
            moderators: Who may reload, read reports and teach (default: nobody).
            policy: Rate-limit budgets.
            state: Where buckets and vote marks live (default: this process's memory).
            hasher: Turns identifiers into keyed hashes before they are kept.
            clock: Wall-clock seconds (buckets may be shared by several processes).
            learner: Writes what moderators teach from chat; None turns that off.
            undo_seconds: How long a change taught from chat can be undone there.
        """
        self.service = service
        self.moderators = moderators or Moderators()
        self.state = state if state is not None else MemoryState()  # an empty one is falsy
        self.hash = hasher or Hasher()
        self.limiter = Limiter(policy or RatePolicy(), self.state, self.hash)
        self.clock = clock
        self.evidence = Evidence(self.hash)
        self.teacher = Teacher(
            service,
            learner,
            clock=clock,
            reloaded=self._reload_and_tell,
            undo_seconds=undo_seconds,
        )
        # Set by the composition root: posts a message to the moderators' chats.
        self.notify: Callable[[str], Awaitable[None]] | None = None

    # --- questions ----------------------------------------------------------------------

    async def ask(self, who: Asker, text: str) -> Result:
        """Answer a free-text question (a DM, a mention, /ask, a console line)."""
        started = time.perf_counter()
        reply = await asyncio.to_thread(self.service.ask, text)
        if not reply.is_help:
            metrics.observe_question(
                who.platform, reply.outcome.value, time.perf_counter() - started
            )
        if reply.is_safety:
            # Never rate-limited, never stored with its text, never shown to a group,
            # never evidence for learning.
            self._log(who, reply, keep_text=False)
            self.evidence.asked(who, reply, None, self.clock())
            if who.private or who.local:
                return Show(reply)
            return Privately(Show(reply), messages.SAFETY_PUBLIC, SAFETY_PAYLOAD)
        refused = await self.limiter.check(who, Kind.QUESTION, self.clock())
        if refused is not None:
            return refused
        if reply.is_help:
            return Show(reply)
        ref = self.evidence.reference(self.service.qlog, reply)
        self._log(who, reply, keep_text=True, ref=ref)
        self.evidence.asked(who, reply, ref, self.clock())
        return Show(reply, evidence=ref)

    async def search(self, text: str, limit: int = 10) -> tuple[Reply, ...]:
        """Answers matching a text, for inline search (safety questions list nothing)."""
        return await asyncio.to_thread(self.service.search, text, limit)

    async def complete(self, text: str, limit: int = 25) -> list[tuple[str, str]]:
        """Topics and questions for a partly typed name (slash-command autocomplete)."""
        return await asyncio.to_thread(self.service.complete, text, limit)

    # --- look-ups -----------------------------------------------------------------------

    async def start(self, who: Asker, payload: str = "") -> Result:
        """/start, possibly with a deep-link payload (the private half of a safety reply)."""
        if payload == SAFETY_PAYLOAD:
            shown = self.service.show(SAFETY_PAYLOAD)
            if shown is not None:
                return Show(shown)
        return await self.help(who)

    async def help(self, who: Asker) -> Result:
        """Say what the bot does, with the topics as choices."""
        return await self._click(who) or ShowTopics(
            f"{messages.HELP}\n\n{messages.PRIVACY_HINT}", self.service.topics()
        )

    async def privacy(self, who: Asker) -> Result:
        """Say what the bot stores about people, for how long, and who can read it."""
        qlog = self.service.qlog
        text = messages.privacy(
            logging=qlog is not None,
            text=qlog is not None and qlog.store_text,
            ids=qlog is not None and qlog.store_ids,
            days=qlog.retention_days if qlog is not None else 0.0,
        )
        return await self._click(who) or Notice(text)

    async def topics(self, who: Asker) -> Result:
        """List every topic, as choices."""
        return await self._click(who) or ShowTopics(messages.CHOOSE_TOPIC, self.service.topics())

    async def topic(self, who: Asker, name: str) -> Result:
        """Show a topic found by id, title or a typo; "entry:ID" (autocomplete) opens an entry."""
        refused = await self._click(who)
        if refused is not None:
            return refused
        if name.startswith("entry:"):
            shown = self.service.show(name.removeprefix("entry:"))
            if shown is not None:
                return Show(shown)
        if not name.strip():
            return ShowTopics(messages.TOPIC_NAME_MISSING, self.service.topics())
        return ShowTopic(self.service.topic(name))

    async def not_text(self, who: Asker) -> Result:
        """Answer a sticker, photo or file: only text questions are read."""
        return await self._click(who) or Notice(messages.NOT_TEXT)

    async def sources(self, who: Asker) -> Result:
        """List the documents answers cite."""
        return await self._click(who) or ShowSources(self.service.sources())

    async def click(self, who: Asker, data: str | None, *, message_key: str = "") -> Result:
        """Handle a button: open an entry, a picked suggestion or a topic, or count feedback.

        Args:
            who: Who clicked.
            data: The button's action string (see `bot.conversation.actions`).
            message_key: Identifies the message the button is on (one vote per answer).
        """
        teach = TeachAction.parse(data)
        if teach is not None:
            return await self._teach(who, teach)
        action = Action.parse(data)
        if action is None:  # forged, or from a version of the bot that is gone
            return Notice(messages.STALE, private=True)
        refused = await self._click(who)
        if refused is not None:
            return refused
        if action.verb is Verb.TOPIC:
            if self.service.kb.topic(action.target) is None:
                return Notice(messages.STALE, private=True)
            return ShowTopic(self.service.topic(action.target))
        shown = self.service.show(action.target)
        if shown is None or shown.entry is None:
            return Notice(messages.STALE, private=True)
        if action.verb is Verb.FEEDBACK:
            return await self._vote(who, shown.entry.id, bool(action.helpful), message_key)
        if action.verb is Verb.SUGGESTION:
            self.evidence.picked(self.service.qlog, who, action)
        return Show(shown, replace=action.verb is Verb.SUGGESTION)

    # --- moderators ---------------------------------------------------------------------

    async def reload(self, who: Asker) -> Result:
        """Reload the FAQ now and say how it went (moderators only, with a cooldown)."""
        refused = self._moderator_only(who)
        if refused is not None:
            return refused
        limited = await self.limiter.check(who, Kind.RELOAD, self.clock())
        if limited is not None:
            return limited
        result = await reload_once(self.service)
        await self.reloaded(result)
        return Notice(result.text, private=True)

    async def unanswered(self, who: Asker) -> Result:
        """Report what people asked that the FAQ missed (moderators only, in private only)."""
        refused = self._moderator_only(who)
        if refused is not None:
            return refused
        if not self.moderators.is_private_place(who):
            return Notice(messages.PRIVATE_ONLY, private=True)
        qlog = self.service.qlog
        if qlog is None:
            return Notice(messages.LOG_OFF, private=True)
        report = await asyncio.to_thread(build_report, self.service, qlog, _REPORT_DAYS)
        return await self.teacher.listing(render_report(report, limit=10))

    async def reword(self, who: Asker, text: str, replying_to: str | None) -> Result | None:
        """Take a message that answers a teaching draft as its new wording (moderators only).

        Args:
            who: Who sent it.
            text: The message's text.
            replying_to: The confirm action (`lc:TOKEN`) of the message it replies to, which
                the adapter found on that message's buttons.

        Returns:
            The draft asked again with the new wording; None when the message does not
            answer a draft (it is then an ordinary question).
        """
        action = TeachAction.parse(replying_to)
        if action is None or action.verb is not TeachVerb.CONFIRM:
            return None
        refused = await self._teach_gate(who)
        if refused is not None:
            return refused
        return await self.teacher.reword(who, action, text)

    async def confirm(self, who: Asker, data: str | None, wording: str) -> Result:
        """Write a teaching draft with the wording the moderator confirmed (a form, a modal).

        Args:
            who: Who confirmed.
            data: The draft's confirm action (`lc:TOKEN`).
            wording: The wording as the moderator left it.
        """
        action = TeachAction.parse(data)
        if action is None or action.verb is not TeachVerb.CONFIRM:
            return Notice(messages.STALE, private=True)
        refused = await self._teach_gate(who)
        if refused is not None:
            return refused
        return await self.teacher.confirm(who, action, wording)

    async def reloaded(self, result: Reloaded) -> None:
        """Tell the moderators' chats about a reload that failed or changed the FAQ.

        Every replica reloads the same change; the shared state lets only the first one
        tell it.
        """
        if not result.worth_telling or self.notify is None:
            return
        digest = hashlib.sha256(result.text.encode("utf-8")).hexdigest()
        if not await self.state.first(self.hash("reloaded", digest), _TOLD_MEMORY, self.clock()):
            return
        try:
            await self.notify(result.text)
        except Exception:  # telling is best effort: the reload itself has happened
            log.exception("could not tell the moderators about a reload")

    # --- helpers ------------------------------------------------------------------------

    def _moderator_only(self, who: Asker) -> Notice | None:
        if self.moderators.is_moderator(who):
            return None
        if not self.moderators.configured(who.platform):
            return Notice(messages.MODERATORS_NOT_CONFIGURED, private=True)
        return Notice(messages.MODERATORS_ONLY, private=True)

    async def _click(self, who: Asker) -> Result | None:
        return await self.limiter.check(who, Kind.CLICK, self.clock())

    async def _teach_gate(self, who: Asker) -> Result | None:
        """Check, at every teaching step, for a configured moderator in a private place."""
        refused = self._moderator_only(who)
        if refused is not None:
            return refused
        if not self.moderators.is_private_place(who):
            return Notice(messages.PRIVATE_ONLY, private=True)
        return await self._click(who)

    async def _teach(self, who: Asker, action: TeachAction) -> Result:
        refused = await self._teach_gate(who)
        if refused is not None:
            return refused
        return await self.teacher.click(who, action)

    async def _reload_and_tell(self) -> None:
        await self.reloaded(await reload_once(self.service))

    async def _vote(self, who: Asker, entry_id: str, helpful: bool, message_key: str) -> Result:
        key = self.hash(who.platform, "vote", who.person, message_key or entry_id)
        if not await self.state.first(key, _VOTE_MEMORY, self.clock()):
            return Notice(messages.ALREADY_VOTED, private=True)
        if self.service.qlog is not None:
            self.service.qlog.feedback(entry_id, helpful)
        self.evidence.voted(self.service.qlog, who, entry_id, helpful, self.clock())
        return Notice(messages.THANKS, private=True)

    def _log(self, who: Asker, reply: Reply, *, keep_text: bool, ref: str | None = None) -> None:
        entry = reply.entry.id if reply.entry else None
        # One line per question for operators: never the text, never who asked.
        log.info("%s: %s %s %.2f", who.platform, reply.outcome.value, entry or "-", reply.score)
        qlog = self.service.qlog
        if qlog is None:
            return
        try:
            qlog.record(
                who.platform,
                reply.query if keep_text else None,
                reply.outcome.value,
                entry,
                reply.score,
                user_id=who.user_id,
                chat_id=who.chat_id,
                ref=ref,
                offered=tuple(s.entry_id for s in reply.suggestions),
            )
        except Exception:  # the log must never cost a reply
            log.exception("question log: could not queue a row")

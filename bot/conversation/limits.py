"""Per-person and per-group rate limits: one policy for every platform."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from bot import messages
from bot.conversation.asker import Asker
from bot.conversation.results import Notice, Silence
from bot.state import Budget, Hasher, SharedState

__all__ = ["Kind", "Limiter", "RatePolicy"]


class Kind(StrEnum):
    """What a person is spending: each has its own budget."""

    QUESTION = "question"
    CLICK = "click"
    RELOAD = "reload"


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """The budgets (bursts allowed, then a steady rate).

    Attributes:
        questions: Per person, in every chat (private ones too): a student asking a few
            follow-ups in a row is normal use; dozens a minute is a flood.
        clicks: Per person, for buttons, /topic, /topics, /sources, /help (more generous).
        group: Per group chat, for everything the bot posts there (notices included), so
            a busy group stays within what platforms allow (Telegram: 20 a minute).
        reload: Per moderator, for /reload.
    """

    questions: Budget = field(default_factory=lambda: Budget(5, 1 / 10))
    clicks: Budget = field(default_factory=lambda: Budget(15, 1 / 2))
    group: Budget = field(default_factory=lambda: Budget(10, 1 / 3))
    reload: Budget = field(default_factory=lambda: Budget(1, 1 / 30))

    def budget(self, kind: Kind) -> Budget:
        """Return the per-person budget of one kind of action."""
        return {Kind.QUESTION: self.questions, Kind.CLICK: self.clicks, Kind.RELOAD: self.reload}[
            kind
        ]


class Limiter:
    """Decides whether an action may be answered now, and what to say when it may not.

    A flood gets one notice per window; after that it gets silence. In a group the
    notice itself spends the group's budget, so notices cannot flood a group either.
    """

    def __init__(self, policy: RatePolicy, state: SharedState, hasher: Hasher) -> None:
        """Create a limiter keeping its buckets in `state`, keyed by `hasher`."""
        self.policy = policy
        self.state = state
        self.hash = hasher

    async def check(self, who: Asker, kind: Kind, now: float) -> Notice | Silence | None:
        """Spend one action of `kind` for `who`.

        Returns:
            None when the action may go ahead; otherwise a notice to show once, or silence.
        """
        if who.local:
            return None
        budget = self.policy.budget(kind)
        wait = await self.state.take(self.hash(who.platform, kind, who.person), budget, now)
        if wait > 0:
            return await self._refuse(who, kind, wait, now)
        if not who.private and not who.whisper and who.chat_id is not None:
            wait = await self._group(who, now)
            if wait > 0:
                return await self._refuse(who, kind, wait, now)
        return None

    async def _group(self, who: Asker, now: float) -> float:
        key = self.hash(who.platform, "group", who.chat_id)
        return await self.state.take(key, self.policy.group, now)

    async def _refuse(self, who: Asker, kind: Kind, wait: float, now: float) -> Notice | Silence:
        budget = self.policy.budget(kind)
        told = self.hash(who.platform, "told", kind, who.person)
        window = 1 / budget.per_second if budget.per_second > 0 else 3600.0
        if not await self.state.first(told, window, now):
            return Silence()
        public = not who.private and not who.whisper and who.chat_id is not None
        if public and await self._group(who, now) > 0:
            return Silence()
        text = messages.COOLDOWN.format(seconds=max(1, math.ceil(wait)))
        return Notice(text, private=True)

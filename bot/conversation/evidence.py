"""Learning evidence: which entry a person meant, from their own clicks, kept without ids.

- A question that got no answer and is logged with its text gets a random reference; its
  "did you mean" buttons carry it (`s:ID:REF`). Picking one records a pick (reference →
  entry) in the question log: no text and no ids in that row, and without text logging
  there is no reference at all. `bot.learn.candidates` joins picks to their questions and
  counts only entries that were offered for that question.
- A 👍 on the answer to a person's *next* question, within a few minutes, is evidence too:
  their unanswered question meant that entry. Linking the two needs to know it was the same
  person, so this process remembers, for ten minutes and in memory only, the reference of
  each person's last unanswered question, keyed by the daily keyed hash of who they are.
  A replica that did not see the first question simply learns nothing from the vote.
- A question that got the safety reply is never part of any of this (and it clears the
  person's memory here).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.conversation.actions import Action, new_token
from bot.conversation.asker import Asker
from bot.reply import Outcome, Reply
from bot.state import Hasher

if TYPE_CHECKING:  # a type only: importing bot.storage here would close an import cycle
    from bot.storage.qlog import QuestionLog

__all__ = ["HELPFUL", "SUGGESTION", "Evidence"]

SUGGESTION = "suggestion"
HELPFUL = "helpful"


@dataclass(frozen=True, slots=True)
class _Recent:
    ref: str
    at: float
    answered: str | None = None  # the entry that answered the person's next question


class Evidence:
    """Hands out question references and records picks and helpful votes as evidence."""

    def __init__(self, hasher: Hasher, *, window: float = 600.0, capacity: int = 10_000) -> None:
        """Remember each person's last unanswered question for `window` seconds.

        At most `capacity` people are remembered at once (the oldest are forgotten first).
        """
        self.hash = hasher
        self.window = window
        self.capacity = capacity
        self._recent: OrderedDict[str, _Recent] = OrderedDict()

    def reference(self, qlog: QuestionLog | None, reply: Reply) -> str | None:
        """Return a new reference for a question worth learning from, or None.

        Only questions that got no answer, are not the safety reply or the help text, and
        whose text the log keeps.
        """
        if qlog is None or not qlog.store_text or reply.is_help or reply.is_safety:
            return None
        return None if reply.outcome is Outcome.ANSWER else new_token()

    def asked(self, who: Asker, reply: Reply, ref: str | None, now: float) -> None:
        """Note a person's question: an unanswered one, or the answer that followed it."""
        key = self._key(who)
        if reply.is_safety:
            self._recent.pop(key, None)
            return
        if ref is not None:
            self._recent[key] = _Recent(ref, now)
            self._recent.move_to_end(key)
            while len(self._recent) > self.capacity:
                self._recent.popitem(last=False)
            return
        recent = self._recent.get(key)
        if (
            recent is not None
            and recent.answered is None
            and reply.outcome is Outcome.ANSWER
            and reply.entry is not None
            and now - recent.at <= self.window
        ):
            self._recent[key] = replace(recent, answered=reply.entry.id)

    def picked(self, qlog: QuestionLog | None, who: Asker, action: Action) -> None:
        """Record a picked suggestion that carries its question's reference."""
        if qlog is None or action.ref is None:
            return
        qlog.pick(action.ref, action.target, SUGGESTION)
        recent = self._recent.get(self._key(who))
        if recent is not None and recent.ref == action.ref:
            del self._recent[self._key(who)]  # that question is accounted for

    def voted(
        self, qlog: QuestionLog | None, who: Asker, entry_id: str, helpful: bool, now: float
    ) -> None:
        """Record a 👍 on the answer that followed the person's unanswered question."""
        key = self._key(who)
        recent = self._recent.get(key)
        if recent is None or recent.answered != entry_id:
            return
        del self._recent[key]
        if qlog is not None and helpful and now - recent.at <= self.window:
            qlog.pick(recent.ref, entry_id, HELPFUL)

    def _key(self, who: Asker) -> str:
        return self.hash(who.platform, "recent", who.person)

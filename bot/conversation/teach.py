"""Moderators teach the bot from chat, writing exactly as `faqbot learn` does.

`/unanswered` lists the top learning candidates with two buttons each: "add to: <entry>"
and "out of scope". A click makes a draft and asks the moderator to confirm or reword it
(`AskWording`: a message to reply to on Telegram, a modal on Discord); confirming writes
it through `bot.learn.Learner`, reloads the FAQ and offers "undo" for a while.

The conversation layer checks at every one of these steps, at that moment, that the
person is a configured moderator and the place is private; what the list showed earlier
proves nothing. Drafts and undo tokens are random, belong to the moderator who made them,
live in this process's memory only, and expire.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot import messages
from bot.conversation.actions import TeachAction, TeachVerb, new_token
from bot.conversation.asker import Asker
from bot.conversation.results import AskWording, Button, Notice, Report, Result
from bot.errors import FaqBotError, LearnError
from bot.learn.candidates import Candidate, build_candidates, describe, find_candidate
from bot.learn.changes import Change
from bot.learn.writer import MAX_PHRASING_CHARS, Learner
from bot.service import FaqService
from bot.text import clean_input, shorten

if TYPE_CHECKING:  # a type only: importing bot.storage here would close an import cycle
    from bot.storage.qlog import QuestionLog

__all__ = ["Teacher"]

log = logging.getLogger(__name__)

_SHOWN = 5  # candidates under /unanswered
_LABEL = 40  # entry question in a button label
_MAX_DRAFTS = 200


@dataclass(frozen=True, slots=True)
class _Draft:
    change: Change
    owner: str
    expires: float
    title: str
    prompt: str


@dataclass(frozen=True, slots=True)
class _Undo:
    change: Change  # the change that was written
    owner: str
    expires: float


class Teacher:
    """Candidates as buttons, drafts, confirmation, undo (see the module docstring)."""

    def __init__(
        self,
        service: FaqService,
        learner: Learner | None,
        *,
        clock: Callable[[], float],
        reloaded: Callable[[], Awaitable[None]],
        undo_seconds: float = 600.0,
        draft_seconds: float = 900.0,
    ) -> None:
        """Create the chat side of learning.

        Args:
            service: The FAQ and its question log (`service.qlog`).
            learner: Writes changes; None turns teaching from chat off.
            clock: Wall-clock seconds.
            reloaded: Reloads the FAQ and tells the moderators what changed.
            undo_seconds: How long "undo" works after a change.
            draft_seconds: How long a draft waits for its confirmation.
        """
        self.service = service
        self.learner = learner
        self.clock = clock
        self.reloaded = reloaded
        self.undo_seconds = undo_seconds
        self.draft_seconds = draft_seconds
        self._drafts: dict[str, _Draft] = {}
        self._undos: dict[str, _Undo] = {}

    @property
    def qlog(self) -> QuestionLog | None:
        """The question log the candidates come from."""
        return self.service.qlog

    async def listing(self, report_text: str) -> Report:
        """Return the report with the top candidates and their buttons under it."""
        qlog = self.qlog
        if self.learner is None or qlog is None:
            return Report(report_text)
        try:
            candidates = await asyncio.to_thread(build_candidates, qlog, self.service)
        except FaqBotError as exc:  # the report is still worth showing
            log.error("learn: cannot build candidates: %s", exc)
            return Report(report_text)
        if not candidates:
            return Report(report_text)
        shown = candidates[:_SHOWN]
        lines = ["", messages.TEACH_HEADING.format(shown=len(shown), total=len(candidates))]
        buttons: list[Button] = []
        for n, candidate in enumerate(shown, 1):
            lines.append(f"  {n}. “{candidate.wording}” ({describe(candidate)})")
            buttons += _buttons(n, candidate)
        return Report("\n".join([report_text, *lines]), tuple(buttons))

    async def click(self, who: Asker, action: TeachAction) -> Result:
        """Handle a teaching button (the caller has checked the moderator and the place)."""
        if action.verb in (TeachVerb.ADD, TeachVerb.OUT_OF_SCOPE):
            return await self._draft(who, action)
        if action.verb is TeachVerb.CONFIRM:
            return await self.confirm(who, action, None)
        if action.verb is TeachVerb.CANCEL:
            draft = self._drafts.get(action.key)
            if draft is None or draft.expires < self.clock():
                return Notice(messages.TEACH_EXPIRED, private=True)
            if draft.owner != _owner(who):
                return Notice(messages.TEACH_NOT_OWNER, private=True)
            del self._drafts[action.key]
            return Notice(messages.TEACH_CANCELLED, private=True)
        return await self._undo(who, action.key)

    async def reword(self, who: Asker, action: TeachAction, text: str) -> Result:
        """Take a moderator's new wording for a draft and ask again with it."""
        draft, refused = self._own_draft(who, action)
        if draft is None:
            return refused or Notice(messages.TEACH_EXPIRED, private=True)
        change = replace(draft.change, phrasing=clean_input(text, MAX_PHRASING_CHARS * 2))
        checked = await self._check(change)
        if isinstance(checked, Notice):
            return checked
        self._drafts[action.key] = replace(draft, change=checked)
        return self._ask(action.key, self._drafts[action.key])

    async def confirm(self, who: Asker, action: TeachAction, wording: str | None) -> Result:
        """Write a draft (with `wording` when the moderator changed it on the way)."""
        draft, refused = self._own_draft(who, action)
        if draft is None:
            return refused or Notice(messages.TEACH_EXPIRED, private=True)
        assert self.learner is not None  # drafts exist only when learning is on
        change = draft.change
        if wording is not None:
            change = replace(change, phrasing=wording)
        del self._drafts[action.key]  # one confirmation per draft, even if it fails
        try:
            applied = await asyncio.to_thread(
                self.learner.apply, change, moderator=_name(who), platform=who.platform
            )
        except LearnError as exc:
            return Notice(str(exc), private=True)
        await self.reloaded()
        token = new_token()
        self._undos[token] = _Undo(applied.change, _owner(who), self.clock() + self.undo_seconds)
        hint = messages.TEACH_UNDO_HINT.format(minutes=math.ceil(self.undo_seconds / 60))
        undo = TeachAction(TeachVerb.UNDO, token)
        return Report(f"{applied.summary()}\n{hint}", (Button(messages.TEACH_UNDO, str(undo)),))

    # --- steps --------------------------------------------------------------------------

    async def _draft(self, who: Asker, action: TeachAction) -> Result:
        if self.learner is None or self.qlog is None:
            return Notice(messages.TEACH_OFF, private=True)
        candidates = await asyncio.to_thread(build_candidates, self.qlog, self.service)
        candidate = find_candidate(candidates, action.key)
        if candidate is None:
            return Notice(messages.TEACH_GONE, private=True)
        if action.verb is TeachVerb.ADD:
            entry = next((n for n in candidate.entries if n.entry_id == action.entry_id), None)
            if entry is None:  # not what the list offered: forged or out of date
                return Notice(messages.STALE, private=True)
            change = Change.add(entry.entry_id, candidate.wording)
            title = f"Add to: {entry.entry_id}"
            prompt = messages.TEACH_ADD.format(question=entry.question, entry=entry.entry_id)
        else:
            change = Change.out_of_scope(candidate.wording)
            title = "Out of scope"
            prompt = messages.TEACH_OUT_OF_SCOPE
        checked = await self._check(change)
        if isinstance(checked, Notice):
            return checked
        self._forget_expired()
        token = new_token()
        draft = _Draft(
            checked,
            _owner(who),
            self.clock() + self.draft_seconds,
            shorten(title, 45),
            f"{prompt}\n{messages.TEACH_PRIVACY}",
        )
        self._drafts[token] = draft
        return self._ask(token, draft)

    async def _check(self, change: Change) -> Change | Notice:
        assert self.learner is not None
        try:
            return await asyncio.to_thread(self.learner.check, change)
        except LearnError as exc:
            return Notice(str(exc), private=True)

    def _ask(self, token: str, draft: _Draft) -> AskWording:
        return AskWording(
            draft.title,
            draft.prompt,
            draft.change.phrasing,
            Button(messages.TEACH_WRITE, str(TeachAction(TeachVerb.CONFIRM, token))),
            Button(messages.TEACH_CANCEL, str(TeachAction(TeachVerb.CANCEL, token))),
        )

    async def _undo(self, who: Asker, token: str) -> Result:
        undo = self._undos.get(token)
        if undo is None or undo.expires < self.clock() or self.learner is None:
            return Notice(messages.TEACH_UNDO_EXPIRED, private=True)
        if undo.owner != _owner(who):
            return Notice(messages.TEACH_NOT_OWNER, private=True)
        del self._undos[token]
        try:
            applied = await asyncio.to_thread(
                self.learner.apply,
                undo.change.inverse(),
                moderator=_name(who),
                platform=who.platform,
                force=True,  # taking a change back is never held up by the eval gate
            )
        except LearnError as exc:
            return Notice(str(exc), private=True)
        await self.reloaded()
        return Report(applied.summary())

    def _own_draft(self, who: Asker, action: TeachAction) -> tuple[_Draft | None, Notice | None]:
        draft = self._drafts.get(action.key)
        if draft is None or draft.expires < self.clock():
            return None, None
        if draft.owner != _owner(who):
            return None, Notice(messages.TEACH_NOT_OWNER, private=True)
        return draft, None

    def _forget_expired(self) -> None:
        now = self.clock()
        for table in (self._drafts, self._undos):
            for token in [t for t, item in table.items() if item.expires < now]:
                del table[token]
        while len(self._drafts) >= _MAX_DRAFTS:
            del self._drafts[next(iter(self._drafts))]


def _buttons(n: int, candidate: Candidate) -> list[Button]:
    buttons = []
    if candidate.entries:
        entry = candidate.entries[0]
        action = TeachAction(TeachVerb.ADD, candidate.id, entry.entry_id)
        if action.fits():
            label = messages.TEACH_ADD_LABEL.format(
                n=n, question=shorten(entry.question or entry.entry_id, _LABEL)
            )
            buttons.append(Button(label, str(action)))
    out = TeachAction(TeachVerb.OUT_OF_SCOPE, candidate.id)
    buttons.append(Button(messages.TEACH_OUT_OF_SCOPE_LABEL.format(n=n), str(out)))
    return buttons


def _owner(who: Asker) -> str:
    return "local" if who.local else f"{who.platform}:{who.user_id}"


def _name(who: Asker) -> str:
    """Name the moderator as the audit trail does (their display name where known)."""
    if who.name:
        return who.name
    return "console operator" if who.local else f"{who.platform} user {who.user_id}"

"""Button actions as short, platform-neutral strings (Telegram callback data, Discord ids).

Actions carry what they show, so buttons keep working after a restart: `e:ID` opens an
entry, `s:ID` opens a picked suggestion (in place of the message), `t:ID` opens a topic,
`f:ID:1` / `f:ID:0` is helpful / not-helpful feedback. A suggestion may end with the
reference of the question it answers (`s:ID:REF`), so picking it becomes learning evidence
(see `bot.conversation.evidence`); the reference is random, never derived from who asked.

Moderators' teaching buttons (`bot.conversation.teach`) are `la:CANDIDATE:ID` (add a
candidate's wording to an entry), `lo:CANDIDATE` (out of scope), `lc:TOKEN` / `lx:TOKEN`
(confirm / cancel a draft) and `lu:TOKEN` (undo). Ids are slugs of at most 60 characters;
an action is only ever built when it fits Telegram's 64 bytes.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MAX_ACTION_BYTES", "Action", "TeachAction", "TeachVerb", "Verb", "new_token"]

MAX_ACTION_BYTES = 64  # Telegram's callback data limit (Discord allows 100)
_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_ACTION = re.compile(rf"^(?P<verb>[estf]):(?P<target>{_SLUG})(?::(?P<tail>[a-z0-9]{{1,16}}))?$")
_TEACH = re.compile(rf"^(?P<verb>l[aocxu]):(?P<key>[a-z0-9]{{6,16}})(?::(?P<entry>{_SLUG}))?$")
_TOKEN = re.compile(r"^[a-z0-9]{10}$")
_ALPHABET = string.ascii_lowercase + string.digits


def new_token() -> str:
    """Return a random 10-character reference (about 51 bits): question refs, draft tokens."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


class Verb(StrEnum):
    """What a button does."""

    ENTRY = "e"
    SUGGESTION = "s"
    TOPIC = "t"
    FEEDBACK = "f"


@dataclass(frozen=True, slots=True)
class Action:
    """One button's action.

    Attributes:
        verb: What it does.
        target: The entry or topic id.
        helpful: For feedback, the vote.
        ref: For a suggestion, the reference of the question it was offered for.
    """

    verb: Verb
    target: str
    helpful: bool | None = None
    ref: str | None = None

    @classmethod
    def parse(cls, data: str | None) -> Action | None:
        """Read an action; None for anything malformed (forged or from an old version)."""
        found = _ACTION.match(data or "")
        if found is None or len(found["target"]) > 60:
            return None
        verb = Verb(found["verb"])
        tail = found["tail"]
        if verb is Verb.FEEDBACK:
            if tail not in ("0", "1"):
                return None
            return cls(verb, found["target"], tail == "1")
        if tail is not None and (verb is not Verb.SUGGESTION or not _TOKEN.match(tail)):
            return None
        return cls(verb, found["target"], None, tail)

    def __str__(self) -> str:
        if self.helpful is not None:
            return f"{self.verb.value}:{self.target}:{int(self.helpful)}"
        tail = f":{self.ref}" if self.ref else ""
        return f"{self.verb.value}:{self.target}{tail}"

    @classmethod
    def entry(cls, entry_id: str) -> Action:
        """Open an entry in a new message."""
        return cls(Verb.ENTRY, entry_id)

    @classmethod
    def suggestion(cls, entry_id: str, ref: str | None = None) -> Action:
        """Open a picked "did you mean" suggestion (with the question's reference if it fits)."""
        if ref is not None and len(f"s:{entry_id}:{ref}".encode()) > MAX_ACTION_BYTES:
            ref = None  # a very long id: the pick still works, it just teaches nothing
        return cls(Verb.SUGGESTION, entry_id, None, ref)

    @classmethod
    def topic(cls, topic_id: str) -> Action:
        """Open a topic."""
        return cls(Verb.TOPIC, topic_id)

    @classmethod
    def feedback(cls, entry_id: str, helpful: bool) -> Action:
        """Give helpful / not-helpful feedback on an answer."""
        return cls(Verb.FEEDBACK, entry_id, helpful)


class TeachVerb(StrEnum):
    """What a moderator's teaching button does."""

    ADD = "la"
    OUT_OF_SCOPE = "lo"
    CONFIRM = "lc"
    CANCEL = "lx"
    UNDO = "lu"


@dataclass(frozen=True, slots=True)
class TeachAction:
    """One teaching button's action (moderators only; checked again at every click).

    Attributes:
        verb: What it does.
        key: A candidate id (add, out of scope) or a draft or undo token.
        entry_id: For "add", the entry the wording goes to.
    """

    verb: TeachVerb
    key: str
    entry_id: str | None = None

    @classmethod
    def parse(cls, data: str | None) -> TeachAction | None:
        """Read a teaching action; None for anything malformed."""
        found = _TEACH.match(data or "")
        if found is None or len((data or "").encode()) > MAX_ACTION_BYTES:
            return None
        verb = TeachVerb(found["verb"])
        if (verb is TeachVerb.ADD) != (found["entry"] is not None):
            return None
        return cls(verb, found["key"], found["entry"])

    def __str__(self) -> str:
        tail = f":{self.entry_id}" if self.entry_id else ""
        return f"{self.verb.value}:{self.key}{tail}"

    def fits(self) -> bool:
        """Whether the action fits in a button (a very long entry id may not)."""
        return len(str(self).encode()) <= MAX_ACTION_BYTES

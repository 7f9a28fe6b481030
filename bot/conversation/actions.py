"""Button actions as short, platform-neutral strings (Telegram callback data, Discord ids).

Actions carry what they show, so buttons keep working after a restart: `e:ID` opens an
entry, `s:ID` opens a picked suggestion (in place of the message), `t:ID` opens a topic,
`f:ID:1` / `f:ID:0` is helpful / not-helpful feedback. Ids are slugs of at most 60
characters, so every action fits Telegram's 64 bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Action", "Verb"]

_ACTION = re.compile(r"^(?P<verb>[estf]):(?P<target>[a-z0-9]+(?:-[a-z0-9]+)*)(?::(?P<vote>[01]))?$")


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
    """

    verb: Verb
    target: str
    helpful: bool | None = None

    @classmethod
    def parse(cls, data: str | None) -> Action | None:
        """Read an action; None for anything malformed (forged or from an old version)."""
        found = _ACTION.match(data or "")
        if found is None or len(found["target"]) > 60:
            return None
        verb = Verb(found["verb"])
        vote = found["vote"]
        if (verb is Verb.FEEDBACK) != (vote is not None):
            return None
        return cls(verb, found["target"], None if vote is None else vote == "1")

    def __str__(self) -> str:
        tail = "" if self.helpful is None else f":{int(self.helpful)}"
        return f"{self.verb.value}:{self.target}{tail}"

    @classmethod
    def entry(cls, entry_id: str) -> Action:
        """Open an entry in a new message."""
        return cls(Verb.ENTRY, entry_id)

    @classmethod
    def suggestion(cls, entry_id: str) -> Action:
        """Open a picked "did you mean" suggestion."""
        return cls(Verb.SUGGESTION, entry_id)

    @classmethod
    def topic(cls, topic_id: str) -> Action:
        """Open a topic."""
        return cls(Verb.TOPIC, topic_id)

    @classmethod
    def feedback(cls, entry_id: str, helpful: bool) -> Action:
        """Give helpful / not-helpful feedback on an answer."""
        return cls(Verb.FEEDBACK, entry_id, helpful)

"""Per-person and per-chat cooldowns on questions, shared by every platform."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot import messages

__all__ = ["Cooldown", "Verdict"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a question may be answered now.

    Attributes:
        allowed: Answer it.
        notice: When not allowed, the text that explains why.
        repeated: The asker was already told in this window: public chats should stay
            quiet, so a flood gets one notice rather than one per message.
    """

    allowed: bool
    notice: str | None = None
    repeated: bool = False


class Cooldown:
    """At most one question per key per `seconds`.

    Keys are hashed with a per-process salt before they are kept, and only in memory,
    so no user or chat identifier is stored.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        """Create a cooldown of `seconds` (0 disables it)."""
        self.seconds = seconds
        self._clock = clock
        self._salt = os.urandom(16)
        self._until: dict[bytes, float] = {}
        self._told: set[bytes] = set()

    def check(self, *keys: str) -> Verdict:
        """Record a question from these keys (e.g. "user:1", "chat:2") and judge it."""
        if self.seconds <= 0:
            return Verdict(True)
        now = self._clock()
        hashed = [
            hashlib.blake2b(k.encode(), key=self._salt, digest_size=16).digest() for k in keys
        ]
        blocked = [h for h in hashed if self._until.get(h, 0.0) > now]
        if blocked:
            wait = max(self._until[h] for h in blocked) - now
            notice = messages.COOLDOWN.format(seconds=max(1, round(wait)))
            repeated = all(h in self._told for h in blocked)
            self._told.update(blocked)
            return Verdict(False, notice, repeated)
        for h in hashed:
            self._until[h] = now + self.seconds
            self._told.discard(h)
        if len(self._until) > 10_000:  # forget expired windows now and then
            self._until = {h: t for h, t in self._until.items() if t > now}
            self._told &= self._until.keys()
        return Verdict(True)

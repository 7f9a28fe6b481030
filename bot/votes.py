"""One helpful / not-helpful vote per person per answer, without storing who voted."""

from __future__ import annotations

import hashlib
import os

__all__ = ["VoteBox"]


class VoteBox:
    """Remembers salted hashes of (person, answer) pairs, in memory only.

    The salt is new at every start, so nothing kept links a vote to a person; after a
    restart a person could vote on an old answer again, which is an accepted trade-off.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        """Keep at most `capacity` pairs (the oldest are forgotten first)."""
        self._salt = os.urandom(16)
        self._seen: dict[bytes, None] = {}
        self._capacity = capacity

    def first(self, person: str, answer: str) -> bool:
        """Return True (and remember it) if this is the person's first vote on this answer."""
        key = hashlib.blake2b(
            f"{person}\0{answer}".encode(), key=self._salt, digest_size=16
        ).digest()
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._capacity:
            self._seen.pop(next(iter(self._seen)))
        return True

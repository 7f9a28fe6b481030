"""Short-lived state about people (rate-limit buckets, "seen once" marks), kept as keyed hashes.

The conversation layer never hands a user id to a store: it hashes it first (see
`bot.state.Hasher`), so whatever keeps this state (memory here, a shared database in a
multi-replica deployment) cannot be turned back into a person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Budget", "Hasher", "MemoryState", "SharedState"]


@dataclass(frozen=True, slots=True)
class Budget:
    """A token bucket: `burst` actions at once, then one every `1 / per_second` seconds.

    Attributes:
        burst: How many actions may come at once (the bucket's size).
        per_second: How fast used actions come back.
    """

    burst: float
    per_second: float

    @property
    def refill_seconds(self) -> float:
        """Seconds an empty bucket takes to fill up again (after that it can be forgotten)."""
        return self.burst / self.per_second if self.per_second > 0 else float("inf")


class SharedState(Protocol):
    """Where rate limits and "first time" marks live: memory, or a database shared by replicas.

    Keys are opaque strings, already hashed by the caller.
    """

    async def take(self, key: str, budget: Budget, now: float) -> float:
        """Take one action from the bucket `key`.

        Returns:
            0.0 when it was allowed; otherwise how many seconds until the next one is.
        """
        ...

    async def first(self, key: str, ttl: float, now: float) -> bool:
        """Mark `key` as seen for `ttl` seconds; True when it was not already marked."""
        ...

    async def seen(self, key: str, now: float) -> bool:
        """Tell whether `key` is marked now, without marking it."""
        ...

    async def forget(self, key: str) -> None:
        """Remove the mark `key` before it expires (a claim given back)."""
        ...


class MemoryState:
    """`SharedState` in this process's memory, with O(1) amortised cost per call.

    Each budget (and each ttl) has its own ordered table in which the least recently touched
    key comes first, so expired keys are always at the front and are dropped as calls pass.
    """

    def __init__(self) -> None:
        """Create empty tables."""
        self._buckets: dict[Budget, OrderedDict[str, tuple[float, float]]] = {}
        self._marks: dict[float, OrderedDict[str, float]] = {}

    async def take(self, key: str, budget: Budget, now: float) -> float:
        """Take one action from the bucket `key` (see `SharedState.take`)."""
        table = self._buckets.setdefault(budget, OrderedDict())
        horizon = budget.refill_seconds
        while table:  # forget buckets that have been full again for a while
            oldest, (_, touched) = next(iter(table.items()))
            if touched + horizon > now:
                break
            del table[oldest]
        tokens, touched = table.pop(key, (budget.burst, now))
        tokens = min(budget.burst, tokens + (now - touched) * budget.per_second)
        if tokens >= 1.0:
            table[key] = (tokens - 1.0, now)
            return 0.0
        table[key] = (tokens, now)
        return (1.0 - tokens) / budget.per_second if budget.per_second > 0 else float("inf")

    async def first(self, key: str, ttl: float, now: float) -> bool:
        """Mark `key` as seen for `ttl` seconds (see `SharedState.first`).

        Callers use a handful of fixed ttls, one table each, so every table stays ordered
        by expiry.
        """
        table = self._marks.setdefault(ttl, OrderedDict())
        while table:
            oldest, until = next(iter(table.items()))
            if until > now:
                break
            del table[oldest]
        if await self.seen(key, now):
            return False
        table[key] = now + ttl
        return True

    async def seen(self, key: str, now: float) -> bool:
        """Tell whether `key` is marked now (see `SharedState.seen`)."""
        return any(table.get(key, 0.0) > now for table in self._marks.values())

    def marks(self, now: float) -> list[tuple[str, float]]:
        """Every mark still live at `now`, with its expiry (to hand over to a shared store)."""
        return [
            (k, until)
            for table in self._marks.values()
            for k, until in table.items()
            if until > now
        ]

    async def forget(self, key: str) -> None:
        """Remove the mark `key` (see `SharedState.forget`)."""
        for table in self._marks.values():
            table.pop(key, None)

    def __len__(self) -> int:
        """How many keys are kept now (for tests and metrics)."""
        return sum(map(len, self._buckets.values())) + sum(map(len, self._marks.values()))


class Hasher:
    """Keyed hashes (HMAC-SHA256) of identifiers, with a key that changes every UTC day.

    The key is derived from a secret that is never stored with the hashes; without a
    configured secret a random one is made at start (fine for one process, but replicas
    sharing a database must share the secret to agree on keys).
    """

    def __init__(
        self,
        secret: bytes | None = None,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date(),
    ) -> None:
        """Create a hasher from a secret (random when None)."""
        self._secret = secret if secret else os.urandom(32)
        self._today = today
        self._day: dt.date | None = None
        self._key = b""
        self._lasting_key = b""

    def __call__(self, *parts: object) -> str:
        """Hash the parts (e.g. platform, kind, user id) into a hex key valid for today."""
        day = self._today()
        if day != self._day:
            self._day = day
            self._key = hmac.new(self._secret, day.isoformat().encode(), hashlib.sha256).digest()
        message = "\x1f".join(str(p) for p in parts).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def lasting(self, *parts: object) -> str:
        """Hash parts that say nothing about a person (an update id) with a key that stays.

        For marks that must outlive midnight, such as an update being handled when the
        daily key changes; never for user or chat ids, whose keys must rotate.
        """
        if not self._lasting_key:
            self._lasting_key = hmac.new(self._secret, b"lasting", hashlib.sha256).digest()
        message = "\x1f".join(str(p) for p in parts).encode()
        return hmac.new(self._lasting_key, message, hashlib.sha256).hexdigest()[:32]

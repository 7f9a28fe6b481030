"""Which Telegram webhook updates are being handled, or are done, across every replica.

Telegram delivers an update again when it did not get a 200 in time, and behind a load
balancer the second delivery may reach another replica while the first is still being
answered. Two marks per update, kept in the shared state (`bot.state.SharedState`,
PostgreSQL when replicas share one), make sure it is answered once:

- a **claim**, taken atomically by the one delivery that handles the update. It expires
  after `claim_seconds`, so when the replica holding it crashes mid-handling, Telegram's
  next delivery can claim the update again: nothing is lost;
- a **done** mark, set once the update was handled and kept for a day (Telegram keeps
  undelivered updates for 24 hours), so any later delivery is acknowledged at once.

Keys are keyed hashes like every other key in the shared state; their key does not
change at midnight (`bot.state.Hasher.lasting`: an update id says nothing about a person),
so an update being handled at midnight is not answered again after it.
During a database outage the shared state falls back to each replica's memory: an update
redelivered to the *other* replica in that window may then be answered twice.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Callable

from bot.state import Hasher, SharedState

__all__ = ["DONE_SECONDS", "Turn", "UpdateLedger"]

DONE_SECONDS = 86_400.0  # Telegram keeps an undelivered update for a day, no longer
_PLATFORM = "telegram"


class Turn(enum.Enum):
    """What a delivery of an update should do."""

    HANDLE = "handle"  # this delivery holds the claim: answer the update
    DONE = "done"  # already answered (here or by another replica): acknowledge it
    BUSY = "busy"  # another delivery is still answering it: ask Telegram to retry later


class UpdateLedger:
    """Claim and done marks of webhook updates, in state every replica shares."""

    def __init__(
        self,
        state: SharedState,
        hasher: Hasher,
        *,
        claim_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
        poll_seconds: float = 0.2,
    ) -> None:
        """Create a ledger.

        Args:
            state: Where the marks live (shared by replicas when it is a database).
            hasher: Turns update ids into keyed hashes.
            claim_seconds: How long a claim holds without being finished: longer than
                handling takes, short enough that a crashed replica's update is retried.
            clock: Wall-clock seconds (replicas compare each other's marks).
            poll_seconds: How often a waiting delivery looks whether the update is done.
        """
        self._state = state
        self._hash = hasher
        self.claim_seconds = claim_seconds
        self._clock = clock
        self._poll = poll_seconds

    async def turn(self, update_id: int, wait: float, stop: asyncio.Event | None = None) -> Turn:
        """Decide what this delivery does, waiting up to `wait` s while another handles it.

        Args:
            update_id: The update delivered.
            wait: Longest wait for another delivery holding the claim.
            stop: When set, stop waiting (the server is stopping).

        Returns:
            HANDLE when this delivery now holds the claim (call `finish` once handled);
            DONE when the update was already answered; BUSY when another delivery still
            holds the claim after `wait` seconds (or `stop` was set).
        """
        deadline = time.monotonic() + wait
        claim = self._key("claim", update_id)
        while True:
            if await self._state.first(claim, self.claim_seconds, self._clock()):
                # A claim can also be free because an earlier one expired after its
                # update was answered: done is looked up before handling.
                return Turn.DONE if await self.is_done(update_id) else Turn.HANDLE
            # Held by another delivery: wait until it is done or its claim expires.
            while True:
                if await self.is_done(update_id):
                    return Turn.DONE
                if not await self._state.seen(claim, self._clock()):
                    break  # the holder crashed: its claim expired, try to take it
                if time.monotonic() >= deadline or (stop is not None and stop.is_set()):
                    return Turn.BUSY
                await asyncio.sleep(self._poll)

    async def is_done(self, update_id: int) -> bool:
        """Whether the update was answered (by any replica) within the last day."""
        return await self._state.seen(self._key("done", update_id), self._clock())

    async def finish(self, update_id: int) -> None:
        """Mark the update as answered, for every replica."""
        await self._state.first(self._key("done", update_id), DONE_SECONDS, self._clock())

    async def release(self, update_id: int) -> None:
        """Give the claim back: handling was cut off (a stop), so the next delivery handles it."""
        await self._state.forget(self._key("claim", update_id))

    def _key(self, kind: str, update_id: int) -> str:
        return self._hash.lasting(_PLATFORM, "update", kind, update_id)

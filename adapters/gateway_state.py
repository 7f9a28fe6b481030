"""Which gateway shards of this process are connected, told to readiness as it changes.

A platform adapter that keeps a long-lived connection (Discord's gateway) reports each
shard coming up, resuming or dropping here; the adapter's state in `bot.metrics.ADAPTERS`
(and so `/readyz` and `faqbot_adapter_connected`) then says "connected" only while every
shard this process is responsible for is, and which ones are not otherwise.
"""

from __future__ import annotations

import logging

from bot import metrics

__all__ = ["ShardStates"]

log = logging.getLogger(__name__)


class ShardStates:
    """The connection state of one adapter's shards (a single connection is shard 0)."""

    def __init__(
        self,
        adapter: str,
        shards: tuple[int, ...],
        states: metrics.AdapterStates = metrics.ADAPTERS,
    ) -> None:
        """Track `shards` of `adapter`; nothing is reported until `connecting`."""
        self.adapter = adapter
        self.shards = shards
        self._states = states
        self._up: set[int] = set()
        self._ever_up = False
        self._lost = False
        self._closed = False

    def connecting(self) -> None:
        """Report that the adapter logged in and is opening its connections."""
        self._closed = False
        self._publish()

    def up(self, shard: int | None) -> None:
        """Record that a shard connected (READY) or resumed its session."""
        if self._closed:
            return
        self._up.add(shard or 0)
        self._ever_up = True
        self._publish()
        if self._lost and self.connected:
            self._lost = False
            log.warning("%s: gateway connected again", self.adapter)

    def down(self, shard: int | None) -> None:
        """Record that a shard lost its connection (discord.py reconnects it by itself)."""
        if self._closed or (shard or 0) not in self._up:
            return
        self._up.discard(shard or 0)
        self._lost = True
        log.warning("%s: gateway shard %d disconnected; reconnecting", self.adapter, shard or 0)
        self._publish()

    def close(self) -> None:
        """Stop reporting: the adapter is stopping, so disconnects are expected, not news."""
        self._closed = True

    @property
    def connected(self) -> bool:
        """True while every shard of this process is connected."""
        return self._up >= set(self.shards)

    def _publish(self) -> None:
        if self.connected:
            self._states.set(self.adapter, "connected")
            return
        missing = [s for s in self.shards if s not in self._up]
        which = "shard " if len(missing) == 1 else "shards "
        detail = which + ",".join(map(str, missing)) + " not connected"
        state = "disconnected" if self._ever_up else "connecting"
        self._states.set(self.adapter, state, detail)

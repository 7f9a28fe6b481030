"""Retries for Telegram requests that failed on the way: 5xx answers, dropped connections.

python-telegram-bot's `AIORateLimiter` keeps within Telegram's limits and waits out
flood-control answers; this adds bounded retries with backoff for the failures it does
not retry. A failure that happened before Telegram accepted the request (a 5xx answer,
a refused connection) is retried freely: it cannot duplicate a message. A failure that
may have happened after (a timeout or a connection dropped while waiting for the answer)
is retried once at most, so it can cause at most one duplicate.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

__all__ = ["RetryingRateLimiter", "maybe_delivered"]

log = logging.getLogger(__name__)

# Raised before a request reached Telegram: nothing can have been sent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def maybe_delivered(exc: NetworkError) -> bool:
    """Whether Telegram may have acted on a request that failed with `exc`."""
    cause = exc.__cause__
    if cause is None:  # an HTTP error status: Telegram answered without acting on it
        return False
    return not isinstance(cause, _NOT_SENT)


class RetryingRateLimiter(AIORateLimiter):
    """`AIORateLimiter` plus retries of transient network failures (see the module doc)."""

    def __init__(self, *, max_retries: int = 3, backoff: float = 0.5, **kwargs: Any) -> None:
        """Create the limiter.

        Args:
            max_retries: Retries after flood control, and after transient failures.
            backoff: First wait before a retry, doubled each time (with jitter).
            **kwargs: Passed to `AIORateLimiter`.
        """
        super().__init__(max_retries=max_retries, **kwargs)
        self._retries = max_retries
        self._backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send one request, retrying transient failures within the bounds above."""
        if endpoint == "getUpdates":  # the poller has its own backoff
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        attempt, uncertain = 0, 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:  # TimedOut is a NetworkError too
                attempt += 1
                delivered = maybe_delivered(exc)
                uncertain += delivered
                if attempt > self._retries or uncertain > 1:
                    raise
                wait = self._backoff * 2 ** (attempt - 1) * (0.5 + random.random())
                log.warning(
                    "telegram: %s failed (%s); retry %d in %.1f s",
                    endpoint,
                    type(exc).__name__,
                    attempt,
                    wait,
                )
                await asyncio.sleep(wait)

"""Retries for Discord requests whose connection dropped (discord.py retries 5xx itself).

discord.py retries 5xx answers and rate limits, but not a connection the server closed
or a request that timed out. Those are retried here with backoff. An interaction
callback is safe to repeat (Discord refuses a second acknowledgement), so it is retried
freely; any other request may have been carried out before the connection dropped, so
it is retried once at most: at most one duplicate message.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord
from discord.webhook.async_ import AsyncWebhookAdapter

__all__ = ["install_retries", "retrying"]

log = logging.getLogger(__name__)

_Request = Callable[..., Awaitable[Any]]
_NOT_SENT = (aiohttp.ClientConnectorError,)  # the connection never opened
_TRANSIENT = (aiohttp.ClientConnectionError, asyncio.TimeoutError, discord.DiscordServerError)


def retrying(request: _Request, *, retries: int = 3, backoff: float = 0.5) -> _Request:
    """Wrap a discord.py request function (first argument: the `Route`) with retries."""

    @functools.wraps(request)
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        route = next((a for a in args if isinstance(a, discord.http.Route)), None)
        path = route.path if route is not None else ""
        idempotent = path.endswith("/callback")
        attempt, uncertain = 0, 0
        while True:
            try:
                return await request(*args, **kwargs)
            except _TRANSIENT as exc:
                attempt += 1
                if not idempotent and not isinstance(exc, (*_NOT_SENT, discord.HTTPException)):
                    uncertain += 1
                if attempt > retries or uncertain > 1:
                    raise
                wait = backoff * 2 ** (attempt - 1) * (0.5 + random.random())
                log.warning(
                    "discord: %s %s failed (%s); retry %d in %.1f s",
                    route.method if route else "request",
                    route.path if route else "",
                    type(exc).__name__,
                    attempt,
                    wait,
                )
                await asyncio.sleep(wait)
            except discord.HTTPException as exc:
                # A repeated interaction callback after a dropped answer: the first one
                # arrived, which is all that was wanted.
                if idempotent and attempt > 0 and exc.code == 40060 and route is not None:
                    return _acknowledged(route, kwargs)
                raise

    return wrapped


def _acknowledged(route: discord.http.Route, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Build the answer discord.py expects from a callback that already went through."""
    interaction_id = route.url.split("/interactions/", 1)[1].split("/", 1)[0]
    payload = kwargs.get("payload") or {}
    return {"interaction": {"id": interaction_id, "type": payload.get("type", 4)}}


def install_retries(client: discord.Client) -> None:
    """Add the retries to a client's REST calls and to interaction/webhook calls."""
    http = client.http
    http.request = retrying(http.request)  # type: ignore[method-assign, assignment]
    if not getattr(AsyncWebhookAdapter.request, "_faq_retrying", False):
        patched = retrying(AsyncWebhookAdapter.request)
        patched._faq_retrying = True  # type: ignore[attr-defined]
        AsyncWebhookAdapter.request = patched  # type: ignore[method-assign, assignment]

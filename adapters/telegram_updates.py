"""Receiving Telegram updates fairly and without losing any.

- `ChatScheduler`: one chat's updates in order, different chats in parallel, a bound on
  how many run at once and on the backlog (beyond it, updates are shed with a short
  "busy" answer instead of growing memory).
- `Poller`: long polling that confirms an update to Telegram only once it is handled:
  the offset sent is the lowest update still in flight, so a crash loses nothing that
  Telegram considers delivered.
- `WebhookServer`: answers Telegram's POST with 200 only after the update is handled; a
  delivery of an update that another replica (or an earlier delivery) handled, or is
  handling right now, is never answered twice (see `adapters.telegram_ledger`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from adapters.telegram_ledger import Turn, UpdateLedger
from bot import metrics

__all__ = ["ChatScheduler", "Poller", "WebhookServer"]

log = logging.getLogger(__name__)

Handle = Callable[[Update], Awaitable[None]]


class ChatScheduler:
    """Runs update handlers: per chat in order, across chats in parallel, within bounds."""

    def __init__(
        self, handle: Handle, shed: Handle, *, concurrency: int = 32, backlog: int = 1000
    ) -> None:
        """Create a scheduler.

        Args:
            handle: Handles one update (exceptions are logged, never raised here).
            shed: Called instead of `handle` for updates over the backlog (say "busy").
            concurrency: How many updates are handled at once.
            backlog: How many may wait; more are shed.
        """
        self._handle = handle
        self._shed = shed
        self._slots = asyncio.Semaphore(concurrency)
        self._backlog = backlog
        self._chats: dict[object, deque[tuple[Update, asyncio.Future[None]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.waiting = 0
        self.shed_count = 0

    def submit(self, update: Update) -> asyncio.Future[None]:
        """Queue an update; the future is done once it was handled (or shed)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.waiting >= self._backlog:
            self.shed_count += 1
            self._spawn(self._run_one(self._shed, update, done))
            return done
        key = _chat_key(update)
        queue = self._chats.get(key)
        self.waiting += 1
        if queue is not None:  # that chat's task is running and will get to it
            queue.append((update, done))
            return done
        self._chats[key] = deque([(update, done)])
        self._spawn(self._run_chat(key))
        return done

    async def drain(self, grace: float) -> int:
        """Wait up to `grace` seconds for queued work, then cancel the rest.

        Returns:
            How many updates were left unhandled.
        """
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)
        # A chat's update stays at the head of its queue until it is handled.
        left = sum(len(q) for q in self._chats.values())
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=1.0)
        return left

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_chat(self, key: object) -> None:
        queue = self._chats[key]
        try:
            while queue:
                update, done = queue[0]
                # A chat holds at most one slot, so one busy chat cannot starve the others.
                async with self._slots:
                    await self._run_one(self._handle, update, done)
                queue.popleft()
                self.waiting -= 1
        finally:
            if self._chats.get(key) is queue:
                del self._chats[key]

    async def _run_one(self, handle: Handle, update: Update, done: asyncio.Future[None]) -> None:
        try:
            await handle(update)
        except asyncio.CancelledError:
            done.cancel()  # not handled: whoever waits for it must not confirm it
            raise
        except Exception as exc:  # the handler's own error handler has run; do not stop
            log.error("telegram: update %s failed: %s", update.update_id, _brief(exc))
            log.debug("telegram: update failure", exc_info=True)
        finally:
            if not done.done():
                done.set_result(None)


class Poller:
    """Long polling that confirms updates only after they are handled."""

    def __init__(
        self,
        bot: Bot,
        scheduler: ChatScheduler,
        *,
        allowed_updates: Sequence[str] | None = None,
        timeout: int = 10,
        on_state: Callable[[bool, str], None] | None = None,
    ) -> None:
        """Create a poller feeding `scheduler` (start it with `run`).

        `on_state(connected, detail)` is told when polling starts failing and when it
        works again (readiness), not on every attempt.
        """
        self._on_state = on_state
        self._healthy = True
        self._bot = bot
        self._scheduler = scheduler
        self._allowed = allowed_updates
        self._timeout = timeout
        self._in_flight: set[int] = set()
        self._handled: set[int] = set()
        self._max_seen = -1
        self._progress = asyncio.Event()
        self.offset: int | None = None

    def watermark(self) -> int | None:
        """Return the offset to send: every update below it is handled."""
        if self._in_flight:
            return min(self._in_flight)
        return None if self._max_seen < 0 else self._max_seen + 1

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; network trouble is retried with backoff."""
        delay = 1.0
        while not stop.is_set():
            try:
                updates = await self._poll(stop)
            except (InvalidToken, asyncio.CancelledError):
                raise
            except RetryAfter as exc:
                await _sleep(stop, _seconds(exc.retry_after))
                continue
            except Conflict:
                # Telegram serves one getUpdates caller per token; replicas need webhooks.
                if self._healthy:
                    log.error(
                        "telegram: another process polls with this token; several replicas "
                        "need webhook mode (TELEGRAM_WEBHOOK_URL)"
                    )
                self._report(False, "another process polls with this token")
                await _sleep(stop, delay)
                delay = min(delay * 2, 30.0)
                continue
            except TelegramError as exc:
                log.warning("telegram: polling failed (%s); retrying in %.0f s", _brief(exc), delay)
                self._report(False, f"polling failed: {type(exc).__name__}")
                await _sleep(stop, delay)
                delay = min(delay * 2, 30.0)
                continue
            if updates is None:
                break
            self._report(True, "")
            delay = 1.0
            fresh = [u for u in updates if self._is_new(u.update_id)]
            for update in fresh:
                self._accept(update)
            if updates and not fresh:
                # Everything returned is still in flight or handled but not yet confirmed:
                # wait for progress instead of asking again at once.
                self._progress.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._progress.wait(), 1.0)

    def _report(self, healthy: bool, detail: str) -> None:
        if healthy == self._healthy:
            return
        self._healthy = healthy
        if healthy:
            log.warning("telegram: polling works again")
        if self._on_state is not None:
            self._on_state(healthy, detail)

    async def confirm(self) -> None:
        """Tell Telegram about everything handled so far (before stopping)."""
        offset = self.watermark()
        if offset is None or offset == self.offset:
            return
        try:
            await self._bot.get_updates(offset=offset, limit=1, timeout=0, read_timeout=5)
        except TelegramError as exc:
            log.warning("telegram: could not confirm handled updates: %s", _brief(exc))

    def _is_new(self, update_id: int) -> bool:
        # An answer to an older offset can repeat updates handled since: everything below
        # the current watermark is handled, the rest is remembered in the two sets.
        if update_id in self._in_flight or update_id in self._handled:
            return False
        mark = self.watermark()
        return mark is None or update_id >= mark

    def _accept(self, update: Update) -> None:
        uid = update.update_id
        self._in_flight.add(uid)
        self._max_seen = max(self._max_seen, uid)
        self._scheduler.submit(update).add_done_callback(
            lambda f: None if f.cancelled() else self._finish(uid)
        )

    def _finish(self, update_id: int) -> None:
        self._in_flight.discard(update_id)
        self._handled.add(update_id)
        mark = self.watermark()
        if mark is not None:
            self._handled = {u for u in self._handled if u >= mark}
        self._progress.set()

    async def _poll(self, stop: asyncio.Event) -> tuple[Update, ...] | None:
        self.offset = self.watermark()
        call = asyncio.ensure_future(
            self._bot.get_updates(
                offset=self.offset,
                timeout=self._timeout,
                allowed_updates=self._allowed,
                read_timeout=self._timeout + 5,
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({call, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not call.done():  # stopping: nothing fetched by this call is lost
            call.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await call
            return None
        return call.result()


class WebhookServer:
    """Receives Telegram's webhook calls; acknowledges each only once it is handled."""

    def __init__(
        self,
        bot: Bot,
        scheduler: ChatScheduler,
        *,
        path: str,
        secret: str | None,
        ledger: UpdateLedger,
        handle_timeout: float = 50.0,
    ) -> None:
        """Create the server (start it with `start`).

        Args:
            bot: Used to decode updates.
            scheduler: Where updates are handled.
            path: URL path Telegram posts to.
            secret: Required `X-Telegram-Bot-Api-Secret-Token` (None: not checked).
            ledger: Claim and done marks of updates, shared by every replica.
            handle_timeout: Longer handling is answered 200 anyway, so Telegram does not
                resend an update that is still being answered; a delivery waiting for
                another one to finish waits this long before asking for a retry.
        """
        self._bot = bot
        self._scheduler = scheduler
        self._path = "/" + path.strip("/")
        self._secret = secret
        self._ledger = ledger
        self._timeout = handle_timeout
        self._runner: web.AppRunner | None = None
        self._accepting = True
        self.port = 0
        self.duplicates = 0  # deliveries acknowledged without answering again
        self._late: set[asyncio.Future[None]] = set()
        self._closing = asyncio.Event()

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port."""
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self._path, self._receive)
        # By `stop`, handlers have their answer (the scheduler was drained first); the
        # short timeout only bounds a stray one, so SIGTERM stays within its grace.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port

    def close_intake(self) -> None:
        """Refuse new updates (503: Telegram resends them later); waiting ones stop waiting.

        Call before draining the scheduler, so the deliveries in flight get their answer
        (200 once handled, 503 when the drain cut their update off) before `stop`.
        """
        self._accepting = False
        self._closing.set()

    async def stop(self) -> None:
        """Refuse new updates and close the server."""
        self.close_intake()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        token = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if self._secret is not None and not hmac.compare_digest(token, self._secret):
            return web.Response(status=403)
        if not self._accepting:
            return web.Response(status=503)
        try:
            data: Any = await request.json()
            update = Update.de_json(data, self._bot)
        except (ValueError, TypeError, KeyError, json.JSONDecodeError):
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        started = time.monotonic()
        turn = await self._ledger.turn(update.update_id, self._timeout, self._closing)
        if turn is Turn.DONE:
            self.duplicates += 1
            metrics.WEBHOOK_REPEATS.labels("done").inc()
            return web.Response(status=200)
        if turn is Turn.HANDLE and not self._accepting:  # claimed just as it stopped
            await self._ledger.release(update.update_id)
            return web.Response(status=503, headers={"Retry-After": "5"})
        if turn is Turn.BUSY:
            # Not handled yet, so not acknowledged: another delivery still holds it.
            # Telegram retries; by then it is done, or the claim of a holder that
            # crashed has expired and the retry handles it.
            self.duplicates += 1
            metrics.WEBHOOK_REPEATS.labels("busy").inc()
            return web.Response(status=503, headers={"Retry-After": "5"})
        done = self._scheduler.submit(update)
        left = max(0.0, self._timeout - (time.monotonic() - started))
        await asyncio.wait({done}, timeout=left)
        if done.cancelled():  # cut off by a stop: whichever replica gets it next answers it
            await self._ledger.release(update.update_id)
            return web.Response(status=503, headers={"Retry-After": "5"})
        if done.done():
            await self._ledger.finish(update.update_id)
        else:  # still being answered, under the claim: mark it done once it is
            uid = update.update_id
            done.add_done_callback(lambda f: None if f.cancelled() else self._finish_later(uid))
        return web.Response(status=200)

    def _finish_later(self, update_id: int) -> None:
        task = asyncio.ensure_future(self._ledger.finish(update_id))
        self._late.add(task)
        task.add_done_callback(self._late.discard)


def _chat_key(update: Update) -> object:
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    if user is not None:
        return ("user", user.id)
    return ("update", update.update_id)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


def _brief(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

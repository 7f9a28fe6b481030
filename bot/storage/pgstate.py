"""`bot.state.SharedState` in PostgreSQL: rate limits and "seen once" marks for all replicas.

Every call is one atomic statement (an UPSERT), so two replicas taking from the same
bucket at the same moment can never both spend its last token. Keys arrive already
hashed (`bot.state.Hasher`, whose key changes every UTC day), and every row expires
within a day: after that its key could not be produced again anyway.

`now` must be wall-clock seconds (`time.time()`), since replicas compare each other's.

When the database is unreachable, calls fall back to this process's memory
(`MemoryState`) for a few seconds at a time: limits then hold per replica instead of
across them, and the reply is never held up. The outage is logged once. When the database
is back, the marks made in memory meanwhile (votes, webhook updates answered) are written
to it, so other replicas see them from then on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from bot.errors import StorageError
from bot.state import Budget, MemoryState
from bot.storage.postgres import connect, migrate
from bot.storage.url import DatabaseUrl

try:
    from psycopg import Error as PsycopgError
    from psycopg_pool import AsyncConnectionPool, PoolTimeout
except ImportError:  # the optional extra is missing: PostgresState says so when built
    AsyncConnectionPool = None  # type: ignore[assignment,misc]
    PsycopgError = PoolTimeout = OSError  # type: ignore[assignment,misc]

__all__ = ["MAX_TTL", "PostgresState"]

log = logging.getLogger(__name__)

MAX_TTL = 86_400.0  # hashed keys change daily, so nothing needs keeping longer
_CLEAN_EVERY = 60.0

_TAKE = """
INSERT INTO rate_buckets AS b (key, budget, tokens, touched, allowed, expires_at)
VALUES (%(key)s, %(budget)s,
        CASE WHEN %(burst)s >= 1 THEN %(burst)s - 1 ELSE %(burst)s END, %(now)s,
        %(burst)s >= 1, %(expires)s)
ON CONFLICT (key, budget) DO UPDATE SET
    tokens = CASE WHEN {refilled} >= 1 THEN {refilled} - 1 ELSE {refilled} END,
    allowed = {refilled} >= 1,
    touched = GREATEST(b.touched, %(now)s),
    expires_at = GREATEST(b.expires_at, %(expires)s)
RETURNING allowed, tokens
""".format(
    # Tokens come back at `rate` per second since the bucket was last touched, up to
    # `burst`; a replica whose clock is a little behind never refills a negative amount.
    refilled="LEAST(%(burst)s, b.tokens + GREATEST(%(now)s - b.touched, 0) * %(rate)s)"
)

_FIRST = """
INSERT INTO seen_marks AS m (key, expires_at) VALUES (%(key)s, %(until)s)
ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at
WHERE m.expires_at <= %(now)s
RETURNING 1
"""

_SEEN = "SELECT count(*) FROM seen_marks WHERE key = %(key)s AND expires_at > %(now)s"
_FORGET = "DELETE FROM seen_marks WHERE key = %(key)s RETURNING 1"
_HAND_OVER = """
INSERT INTO seen_marks AS m (key, expires_at) VALUES (%(key)s, %(until)s)
ON CONFLICT (key) DO UPDATE SET expires_at = GREATEST(m.expires_at, EXCLUDED.expires_at)
"""


class PostgresState:
    """Token buckets and marks shared by every replica using one database."""

    def __init__(
        self,
        url: DatabaseUrl,
        *,
        pool_size: int = 4,
        timeout: float = 1.0,
        retry_seconds: float = 5.0,
        clock: Any = time.monotonic,
    ) -> None:
        """Describe the state; the pool opens (and the schema is migrated) on first use.

        Args:
            url: A `postgresql://` URL.
            pool_size: Most connections the pool keeps.
            timeout: Longest wait for a connection before a call falls back to memory.
            retry_seconds: How long calls stay in memory after a failure before the
                database is tried again.
            clock: Monotonic time for the fall-back window (tests replace it).

        Raises:
            StorageError: psycopg or psycopg_pool is not installed.
        """
        if AsyncConnectionPool is None:
            raise StorageError(
                f"{url.display}: PostgreSQL needs psycopg: pip install 'faqbot[postgres]'"
            )
        # The pool logs every failed reconnection; the outage is logged here, once.
        logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
        self.url = url
        self.pool_size = pool_size
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self._clock = clock
        self._pool: Any = None
        self._ready: asyncio.Lock | None = None
        self._local = MemoryState()
        self._down_until = 0.0
        self._outage_calls = 0
        self._next_clean = 0.0
        self._closing: set[asyncio.Task[None]] = set()

    async def take(self, key: str, budget: Budget, now: float) -> float:
        """Take one action from the bucket `key` (see `bot.state.SharedState.take`)."""
        params = {
            "key": key,
            "budget": f"{budget.burst:g}/{budget.per_second:g}",
            "burst": float(budget.burst),
            "rate": float(budget.per_second),
            "now": now,
            "expires": now + min(budget.refill_seconds, MAX_TTL),
        }
        row = await self._run(_TAKE, params, now)
        if row is None:
            return await self._local.take(key, budget, now)
        allowed, tokens = row
        if allowed:
            return 0.0
        return (1.0 - tokens) / budget.per_second if budget.per_second > 0 else float("inf")

    async def first(self, key: str, ttl: float, now: float) -> bool:
        """Mark `key` as seen for `ttl` seconds, at most a day (see `SharedState.first`)."""
        params = {"key": key, "until": now + min(ttl, MAX_TTL), "now": now}
        row = await self._run(_FIRST, params, now, want_row=False)
        if row is None:
            return await self._local.first(key, ttl, now)
        return bool(row)

    async def seen(self, key: str, now: float) -> bool:
        """Tell whether `key` is marked now, without marking it (see `SharedState.seen`)."""
        row = await self._run(_SEEN, {"key": key, "now": now}, now)
        if row is None:
            return await self._local.seen(key, now)
        return bool(row[0])

    async def forget(self, key: str) -> None:
        """Remove the mark `key` (see `bot.state.SharedState.forget`), here and in memory."""
        await self._local.forget(key)  # a mark made during an outage lives there
        await self._run(_FORGET, {"key": key}, None, want_row=False)

    async def aclose(self) -> None:
        """Close the pool (safe to call more than once).

        Work in the background (a hand-over of marks, closing an old pool) gets a moment
        to finish first, so it does not open a new pool after this one is closed.
        """
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=2.0)
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def _run(
        self, sql: str, params: dict[str, Any], now: float | None, *, want_row: bool = True
    ) -> Any:
        """Run one statement; None means "the database is down, use memory"."""
        if self._clock() < self._down_until:
            self._outage_calls += 1
            return None
        try:
            pool = await self._open()
            async with pool.connection(timeout=self.timeout) as db:
                cur = await db.execute(sql, params)
                found = await cur.fetchone()
                if now is not None and now >= self._next_clean:  # housekeeping
                    self._next_clean = now + _CLEAN_EVERY
                    await db.execute("DELETE FROM rate_buckets WHERE expires_at < %s", (now,))
                    await db.execute("DELETE FROM seen_marks WHERE expires_at < %s", (now,))
        except (PsycopgError, PoolTimeout, StorageError, OSError) as exc:
            if self._down_until == 0.0:
                log.error(
                    "shared state: %s unreachable (%s); limits hold per replica until it is back",
                    self.url.display,
                    _one_line(exc, self.url),
                )
            self._down_until = self._clock() + self.retry_seconds
            self._outage_calls += 1
            # A fresh pool after the outage: simpler and surer than nursing stale ones.
            # The old one is closed in the background so this reply does not wait for it.
            pool, self._pool = self._pool, None
            if pool is not None:
                self._background(pool.close(timeout=1.0))
            return None
        if self._down_until:
            log.warning(
                "shared state: %s is back; %d calls used this replica's memory meanwhile",
                self.url.display,
                self._outage_calls,
            )
            self._down_until = 0.0
            self._outage_calls = 0
            self._background(self._hand_over(time.time()))
        if want_row:
            return found
        return found is not None

    async def _hand_over(self, now: float) -> None:
        """Write the marks made in memory during the outage, so other replicas see them.

        Without this, a vote or a webhook update marked while the database was away
        would count again on another replica after it returns.
        """
        marks = self._local.marks(now)
        if not marks:
            return
        try:
            pool = await self._open()
            async with pool.connection(timeout=self.timeout) as db, db.cursor() as cur:
                await cur.executemany(_HAND_OVER, [{"key": k, "until": u} for k, u in marks])
        except (PsycopgError, PoolTimeout, StorageError, OSError) as exc:
            log.warning(
                "shared state: %d marks made during the outage stay in this replica's memory (%s)",
                len(marks),
                _one_line(exc, self.url),
            )

    def _background(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._closing.add(task)  # awaited (briefly) by aclose, like closing pools
        task.add_done_callback(self._closing.discard)

    async def _open(self) -> Any:
        if self._pool is not None:
            return self._pool
        self._ready = self._ready or asyncio.Lock()
        async with self._ready:
            if self._pool is None:
                # Migrate first (once, under the advisory lock) so the tables exist even
                # when the question log is turned off.
                db = await asyncio.to_thread(connect, self.url, timeout=self.timeout + 2)
                try:
                    await asyncio.to_thread(migrate, db)
                finally:
                    await asyncio.to_thread(db.close)
                pool = AsyncConnectionPool(
                    self.url.conninfo or "",
                    min_size=1,
                    max_size=self.pool_size,
                    open=False,
                    timeout=self.timeout,
                    check=AsyncConnectionPool.check_connection,
                    kwargs={"autocommit": True, "application_name": "faqbot"},
                    name="faqbot-state",
                )
                await pool.open(wait=False)
                self._pool = pool
        return self._pool


def _one_line(exc: BaseException, url: DatabaseUrl) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.replace(url.password, "***") if url.password else text

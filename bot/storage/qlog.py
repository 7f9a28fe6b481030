"""The question log: what was asked and how it went, kept as little as needed.

Rows are queued by the caller (never blocking it) and written in batches by one writer
thread, so a slow, locked, read-only, missing or unreachable database costs rows, never
a reply. Problems are logged once per outage, with the number of rows dropped when
writing works again; the queue is bounded and every dropped row is counted.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot import metrics
from bot.errors import StorageError
from bot.storage.schema import (
    IgnoreRow,
    LoggedPick,
    LoggedQuestion,
    PickRow,
    QuestionRow,
    VoteRow,
)
from bot.storage.sqlite import SqliteStore
from bot.storage.store import Store

__all__ = ["QuestionLog"]

log = logging.getLogger(__name__)

_DAY = 86_400.0
_BATCH = 500
_MAX_BACKOFF = 30.0


class _Purge:
    """A request to the writer: purge now, and say how many rows went."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.gone = 0


_Row = QuestionRow | VoteRow | PickRow | IgnoreRow
_Item = _Row | threading.Event | _Purge | None  # None stops the writer


class QuestionLog:
    """Queues questions and votes and writes them from a background thread.

    Attributes:
        store: The database rows go to.
        dropped: Rows lost so far (queue full, database unavailable, unexpected error).
        written: Rows written so far.
    """

    def __init__(
        self,
        store: Store | str | Path,
        *,
        store_text: bool = True,
        store_ids: bool = False,
        retention_days: float = 30.0,
        clock: Callable[[], float] = time.time,
        queue_size: int = 10_000,
        retry_seconds: float = 1.0,
        purge_every: float = 3600.0,
    ) -> None:
        """Start the writer thread, which opens (creating and migrating) the database.

        Nothing here raises because of the database: when it cannot be opened the
        problem is logged once and the writer keeps trying, with a growing pause.

        Args:
            store: A `Store`, or the path of a SQLite file.
            store_text: Keep the question text (else only outcome, entry and score).
            store_ids: Keep user and chat ids (off by default: askers may be at risk).
            retention_days: Rows older than this are deleted.
            clock: Wall-clock time of each row (tests replace it).
            queue_size: Rows waiting to be written at most; more are dropped and counted.
            retry_seconds: First pause after a failure before the database is tried again.
            purge_every: Seconds between retention purges, counted across replicas.
        """
        self.store: Store = store if not isinstance(store, str | Path) else SqliteStore(store)
        self.store_text = store_text
        self.store_ids = store_ids
        self.retention_days = retention_days
        self.retry_seconds = retry_seconds
        self.purge_every = purge_every
        self.dropped = 0
        self.written = 0
        self._clock = clock
        self._queue: queue.Queue[_Item] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._closed = False
        self._overflowing = False
        self._down_since: float | None = None  # monotonic time of the outage's first failure
        self._outage_dropped = 0
        self._retry_at = 0.0
        self._backoff = retry_seconds
        self._next_purge = 0.0
        self._thread = threading.Thread(target=self._run, name="question-log", daemon=True)
        self._thread.start()

    # --- the public API (called by the core on every question and vote) ---------------

    def record(
        self,
        platform: str,
        question: str | None,
        outcome: str,
        entry_id: str | None,
        score: float,
        *,
        user_id: object = None,
        chat_id: object = None,
        ref: str | None = None,
        offered: tuple[str, ...] = (),
    ) -> None:
        """Queue one question (ids are dropped unless storing them was asked for; None: no text).

        Args:
            platform: Where it was asked.
            question: Its text, or None (never stored when text logging is off).
            outcome: answer, suggest or none.
            entry_id: The answered entry.
            score: The best match's score.
            user_id: Who asked (stored only with `store_ids`).
            chat_id: Where (stored only with `store_ids`).
            ref: A random reference later picks may point at (kept only with the text).
            offered: The entries offered as "did you mean".
        """
        keep = self.store_ids
        text = question if self.store_text else None
        self._put(
            QuestionRow(
                self._clock(),
                platform,
                text,
                outcome,
                entry_id,
                score,
                str(user_id) if keep and user_id is not None else None,
                str(chat_id) if keep and chat_id is not None else None,
                ref if text is not None else None,
                " ".join(offered) or None,
            )
        )

    def pick(self, ref: str, entry_id: str, how: str) -> None:
        """Queue evidence that the question `ref` meant an entry (no text, no ids).

        Kept only while question text is: without it no pick could ever become a candidate.
        """
        if self.store_text:
            self._put(PickRow(self._clock(), ref, entry_id, how))

    def ignore(self, candidate_id: str) -> None:
        """Queue hiding a learning candidate."""
        self._put(IgnoreRow(candidate_id, self._clock()))

    def feedback(self, entry_id: str, helpful: bool) -> None:
        """Queue one helpful / not helpful vote (who voted is not recorded)."""
        self._put(VoteRow(self._clock(), entry_id, helpful))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written (or given up on).

        Returns:
            True when the writer got there in time; False (and a warning) otherwise.
        """
        if self._closed or not self._thread.is_alive():
            return True
        done = threading.Event()
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            pass
        else:
            if done.wait(timeout):
                return True
        log.warning(
            "question log: flush timed out after %.1f s with about %d rows still queued",
            timeout,
            self._queue.qsize(),
        )
        return False

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop the writer (safe to call more than once)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        deadline = time.monotonic() + timeout
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            log.warning("question log: queue still full at close; the remaining rows are lost")
        self._thread.join(max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():
            log.warning(
                "question log: writer did not finish within %.1f s; about %d rows lost",
                timeout,
                self._queue.qsize(),
            )

    def __enter__(self) -> QuestionLog:
        """Use the log in a `with` block; it is closed (flushed) at the end."""
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> QuestionLog:
        """Use the log in an `async with` block; closing runs off the event loop."""
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)

    def purge(self, timeout: float = 30.0) -> int:
        """Delete rows older than the retention period now; returns how many went.

        The writer thread does it (it owns the connection); 0 when the database is
        unavailable or the writer does not get to it within `timeout` seconds.
        """
        if self._closed:
            return 0
        request = _Purge()
        try:
            self._queue.put(request, timeout=timeout)
        except queue.Full:
            return 0
        request.done.wait(timeout)
        return request.gone

    def questions(self, since: float) -> list[LoggedQuestion]:
        """Read the questions asked since a time (for the report)."""
        return self.store.questions(since)

    def votes(self, since: float) -> dict[str, tuple[int, int]]:
        """Count helpful and unhelpful votes per entry since a time."""
        return self.store.votes(since)

    def picks(self, since: float) -> list[LoggedPick]:
        """Read the picks made since a time (for the learning candidates)."""
        return self.store.picks(since)

    def ignored(self) -> set[str]:
        """Read the ids of the hidden learning candidates."""
        return self.store.ignored()

    # --- the writer thread -------------------------------------------------------------

    def _put(self, row: _Row) -> None:
        if self._closed:
            self._drop(1, "closed")
            return
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            self._drop(1, "queue_full")
            if not self._overflowing:
                log.error(
                    "question log: %d rows waiting to be written; new rows are dropped "
                    "until the database catches up",
                    self._queue.maxsize,
                )
                self._overflowing = True
        else:
            metrics.LOG_QUEUE.set(self._queue.qsize())

    def _drop(self, count: int, reason: str) -> None:
        with self._lock:
            self.dropped += count
            if self._down_since is not None:
                self._outage_dropped += count
        metrics.LOG_ROWS_DROPPED.labels(reason).inc(count)

    def _run(self) -> None:
        opened = False
        while True:
            items: list[_Item] = []
            unwritten = 0
            try:
                if not opened:
                    opened = self._connect()
                if opened:
                    self._maybe_purge()  # at start, then at most every purge_every
                items = self._take()
                rows = [i for i in items if isinstance(i, _Row)]
                unwritten = len(rows)
                if rows:
                    opened = self._write(rows, opened)
                unwritten = 0  # written, or dropped and counted by _write
                for item in items:
                    if isinstance(item, _Purge):
                        item.gone = self._purge_now() if opened else 0
            except Exception:  # a bug here must not silently end logging for good
                log.exception("question log: unexpected error in the writer; it goes on")
                self._drop(unwritten, "write_failed")
                self.store.close()
                opened = False
                self._retry_at = time.monotonic() + self.retry_seconds
            finally:
                for item in items:  # nobody waits forever, whatever happened
                    if isinstance(item, threading.Event):
                        item.set()
                    elif isinstance(item, _Purge):
                        item.done.set()
            if None in items:
                break
        self.store.close()

    def _take(self) -> list[_Item]:
        # Wake at least hourly, so an idle bot still purges old rows.
        try:
            first = self._queue.get(timeout=min(self.purge_every, 3600.0))
        except queue.Empty:
            return []
        items = [first]
        while len(items) < _BATCH and first is not None:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        metrics.LOG_QUEUE.set(self._queue.qsize())
        if self._overflowing and self._queue.qsize() < self._queue.maxsize // 2:
            self._overflowing = False
        return items

    def _connect(self) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        try:
            self.store.open()
        except StorageError as exc:
            self._failed(exc)
            return False
        self._recovered()
        return True

    def _write(self, rows: list[_Row], opened: bool) -> bool:
        if not opened and not self._connect():
            self._drop(len(rows), "unavailable")
            return False
        questions = [r for r in rows if isinstance(r, QuestionRow)]
        votes = [r for r in rows if isinstance(r, VoteRow)]
        picks = [r for r in rows if isinstance(r, PickRow)]
        ignores = [r for r in rows if isinstance(r, IgnoreRow)]
        try:
            self.store.write(questions, votes, picks, ignores)
        except StorageError as exc:
            # The batch is dropped, not retried: a commit that failed on the way back
            # may have landed, and a row counted twice misleads more than one missing.
            self._failed(exc)
            self._drop(len(rows), "write_failed")
            self.store.close()
            return False
        self.written += len(rows)
        metrics.LOG_ROWS_WRITTEN.inc(len(rows))
        self._recovered()
        return True

    def _failed(self, exc: StorageError) -> None:
        now = time.monotonic()
        if self._down_since is None:
            log.error("question log: %s; replies go on without it", exc)
            self._down_since = now
            self._backoff = self.retry_seconds
        else:
            self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
        self._retry_at = now + self._backoff

    def _recovered(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            lost, self._outage_dropped = self._outage_dropped, 0
        log.warning(
            "question log: writing works again after %.0f s; %d rows were dropped meanwhile",
            time.monotonic() - self._down_since,
            lost,
        )
        self._down_since = None
        self._retry_at = 0.0

    def _maybe_purge(self) -> None:
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + min(self.purge_every, 3600.0)
        self._purge_now(self.purge_every)

    def _purge_now(self, every: float = 0.0) -> int:
        now = self._clock()
        try:
            gone = self.store.claim_purge(self._cutoff(now), now, every)
        except StorageError as exc:
            log.error("question log: purge failed: %s", exc)
            return 0
        if gone:
            log.info("question log: %d rows older than %g days deleted", gone, self.retention_days)
        return gone or 0

    def _cutoff(self, now: float) -> float:
        return now - self.retention_days * _DAY

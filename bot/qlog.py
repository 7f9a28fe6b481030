"""The question log: what was asked and how it went, in SQLite, as little as needed."""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SCHEMA_VERSION", "LoggedQuestion", "QuestionLog"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_DAY = 86_400.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at REAL NOT NULL,
    platform TEXT NOT NULL,
    question TEXT,              -- NULL when FAQBOT_LOG_QUESTIONS=false
    outcome TEXT NOT NULL,
    entry_id TEXT,
    score REAL NOT NULL,
    user_id TEXT,               -- NULL unless FAQBOT_LOG_USER_IDS=true
    chat_id TEXT
);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    given_at REAL NOT NULL,
    entry_id TEXT NOT NULL,
    helpful INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """One row of the log, as the report reads it."""

    asked_at: float
    platform: str
    question: str | None
    outcome: str
    entry_id: str | None
    score: float


class QuestionLog:
    """Writes questions and feedback from a background thread; never blocks or fails a reply.

    A locked database or a full disk costs the row, not the answer: the failure is
    logged once (until writing works again).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        store_text: bool = True,
        store_ids: bool = False,
        retention_days: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Open (creating on first start) the database and start the writer thread."""
        self.path = Path(path)
        self.store_text = store_text
        self.store_ids = store_ids
        self.retention_days = retention_days
        self._clock = clock
        self._queue: queue.SimpleQueue[tuple[str, tuple[object, ...]] | None] = queue.SimpleQueue()
        self._failing = False
        self._last_purge = 0.0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        self.purge()
        self._thread = threading.Thread(target=self._write_loop, name="question-log", daemon=True)
        self._thread.start()

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
    ) -> None:
        """Queue one question (ids are dropped unless storing them was asked for)."""
        keep = self.store_ids
        self._queue.put(
            (
                "INSERT INTO questions (asked_at, platform, question, outcome, entry_id, score, "
                "user_id, chat_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self._clock(),
                    platform,
                    question if self.store_text else None,
                    outcome,
                    entry_id,
                    score,
                    str(user_id) if keep and user_id is not None else None,
                    str(chat_id) if keep and chat_id is not None else None,
                ),
            )
        )

    def feedback(self, entry_id: str, helpful: bool) -> None:
        """Queue one helpful / not helpful vote (who voted is not recorded)."""
        self._queue.put(
            (
                "INSERT INTO feedback (given_at, entry_id, helpful) VALUES (?, ?, ?)",
                (self._clock(), entry_id, int(helpful)),
            )
        )

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until everything queued so far is written (or given up on)."""
        done = threading.Event()
        self._queue.put(("__flush__", (done,)))
        done.wait(timeout)

    def close(self) -> None:
        """Write what is queued, then stop the writer thread."""
        self.flush()
        self._queue.put(None)
        self._thread.join(timeout=5)

    def purge(self) -> int:
        """Delete rows older than the retention period; returns how many went."""
        cutoff = self._clock() - self.retention_days * _DAY
        try:
            with self._connect() as db:
                gone = db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount
                gone += db.execute("DELETE FROM feedback WHERE given_at < ?", (cutoff,)).rowcount
        except sqlite3.Error as exc:
            log.error("question log: purge failed: %s", exc)
            return 0
        self._last_purge = self._clock()
        return gone

    def questions(self, since: float) -> list[LoggedQuestion]:
        """Read the questions asked since a time (for the report)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT asked_at, platform, question, outcome, entry_id, score FROM questions "
                "WHERE asked_at >= ? ORDER BY asked_at",
                (since,),
            ).fetchall()
        return [LoggedQuestion(*row) for row in rows]

    def votes(self, since: float) -> dict[str, tuple[int, int]]:
        """Count helpful and unhelpful votes per entry since a time."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT entry_id, SUM(helpful), SUM(1 - helpful) FROM feedback "
                "WHERE given_at >= ? GROUP BY entry_id",
                (since,),
            ).fetchall()
        return {entry: (int(up), int(down)) for entry, up, down in rows}

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=1.0)

    def _write_loop(self) -> None:
        db: sqlite3.Connection | None = None
        while True:
            try:
                item = self._queue.get(timeout=3600)  # wake hourly, so an idle bot still purges
            except queue.Empty:
                if self._clock() - self._last_purge > _DAY:
                    self.purge()
                continue
            if item is None:
                break
            sql, args = item
            if sql == "__flush__":
                args[0].set()  # type: ignore[attr-defined]
                continue
            try:
                db = db or self._connect()
                with db:
                    db.execute(sql, args)
                if self._failing:
                    log.warning("question log: writing works again")
                self._failing = False
            except sqlite3.Error as exc:  # locked, disk full, file removed...
                if not self._failing:
                    log.error("question log: could not write (%s); replies go on without it", exc)
                self._failing = True
                if db is not None:
                    db.close()
                db = None
            if self._clock() - self._last_purge > _DAY:
                self.purge()
        if db is not None:
            db.close()

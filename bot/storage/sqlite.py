"""The embedded default store: one SQLite file in WAL mode, owner-only."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

from bot.errors import StorageError
from bot.storage.files import private_file
from bot.storage.schema import (
    SCHEMA_VERSION,
    SQLITE_MIGRATIONS,
    IgnoreRow,
    LoggedPick,
    LoggedQuestion,
    PickRow,
    QuestionRow,
    SchemaStatus,
    VoteRow,
)

__all__ = ["SqliteStore"]

_TABLES = ("questions", "feedback", "picks", "learn_ignored")
_LEARNING = 3  # the migration that added refs, picks and hidden candidates
_STARTUP_SECONDS = 3.0


class SqliteStore:
    """The question log in a SQLite file (see `bot.storage.store.Store`)."""

    def __init__(self, path: str | Path, *, busy_seconds: float = 1.0, setting: str = "") -> None:
        """Describe the store; nothing is opened or created until `open`.

        Args:
            path: The database file.
            busy_seconds: How long a write waits for another process's lock.
            setting: The environment variable that chose the file, named in errors.
        """
        self.path = Path(path)
        self.busy_seconds = busy_seconds
        self.setting = setting or "FAQBOT_DATABASE_URL"
        self._db: sqlite3.Connection | None = None

    @property
    def name(self) -> str:
        """The file, as shown in logs."""
        return str(self.path)

    def open(self) -> None:
        """Create (0600, in a 0700 folder) and migrate the file, and keep a connection."""
        self.close()
        private_file(self.path, self.setting)
        # Replicas starting together contend for the file, and SQLite answers some of that
        # contention (switching to WAL, recovering it) with an immediate "locked" that no
        # busy timeout covers: try again until the startup allowance is spent.
        deadline = time.monotonic() + _STARTUP_SECONDS
        while True:
            try:
                wait = min(self.busy_seconds, max(0.05, deadline - time.monotonic()))
                db = sqlite3.connect(
                    self.path, timeout=wait, isolation_level=None, check_same_thread=False
                )
            except sqlite3.Error as exc:
                raise self._error("cannot open", exc) from exc
            try:
                _prepare(db)
                db.execute(f"PRAGMA busy_timeout = {int(self.busy_seconds * 1000)}")
            except sqlite3.Error as exc:
                db.close()
                if _busy(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise self._error("cannot prepare", exc) from exc
            self._db = db
            return

    def write(
        self,
        questions: Sequence[QuestionRow],
        votes: Sequence[VoteRow],
        picks: Sequence[PickRow] = (),
        ignores: Sequence[IgnoreRow] = (),
    ) -> None:
        """Write rows in one transaction."""
        if self._db is None:
            raise StorageError(f"{self.name}: not open")
        try:
            with _transaction(self._db):
                self._db.executemany(
                    "INSERT INTO questions (asked_at, platform, question, outcome, entry_id,"
                    " score, user_id, chat_id, ref, offered)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            q.asked_at,
                            q.platform,
                            q.question,
                            q.outcome,
                            q.entry_id,
                            q.score,
                            q.user_id,
                            q.chat_id,
                            q.ref,
                            q.offered,
                        )
                        for q in questions
                    ],
                )
                self._db.executemany(
                    "INSERT INTO feedback (given_at, entry_id, helpful) VALUES (?, ?, ?)",
                    [(v.given_at, v.entry_id, int(v.helpful)) for v in votes],
                )
                self._db.executemany(
                    "INSERT INTO picks (picked_at, ref, entry_id, how) VALUES (?, ?, ?, ?)",
                    [(p.picked_at, p.ref, p.entry_id, p.how) for p in picks],
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO learn_ignored (candidate_id, ignored_at) VALUES (?, ?)",
                    [(i.candidate_id, i.ignored_at) for i in ignores],
                )
        except sqlite3.Error as exc:
            raise self._error("cannot write", exc) from exc

    def claim_purge(self, cutoff: float, now: float, every: float) -> int | None:
        """Delete old rows unless a purge ran in the last `every` seconds."""
        if self._db is None:
            raise StorageError(f"{self.name}: not open")
        try:
            with _transaction(self._db, "BEGIN IMMEDIATE"):
                row = self._db.execute("SELECT value FROM meta WHERE key = 'last_purge'").fetchone()
                if row is not None and now - float(row[0]) < every:
                    return None
                gone = self._db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))
                count = gone.rowcount
                for sql in (
                    "DELETE FROM feedback WHERE given_at < ?",
                    "DELETE FROM picks WHERE picked_at < ?",
                    # A hidden candidate's questions are gone by now; so is the reason to hide it.
                    "DELETE FROM learn_ignored WHERE ignored_at < ?",
                ):
                    count += self._db.execute(sql, (cutoff,)).rowcount
                self._db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_purge', ?)",
                    (repr(now),),
                )
            return count
        except sqlite3.Error as exc:
            raise self._error("cannot purge", exc) from exc

    def close(self) -> None:
        """Close the writer's connection."""
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.close()

    # --- reading and erasing: own connections, nothing created -------------------------

    def questions(self, since: float) -> list[LoggedQuestion]:
        """Return the questions asked since a time, oldest first."""
        with self._reader() as db:
            learning = _version(db) >= _LEARNING
            rows = db.execute(
                "SELECT asked_at, platform, question, outcome, entry_id, score"
                + (", ref, offered" if learning else "")
                + " FROM questions WHERE asked_at >= ? ORDER BY asked_at, id",
                (since,),
            ).fetchall()
        return [LoggedQuestion(*row) for row in rows]

    def picks(self, since: float) -> list[LoggedPick]:
        """Return the picks made since a time, oldest first (none before migration 3)."""
        with self._reader() as db:
            if _version(db) < _LEARNING:
                return []
            rows = db.execute(
                "SELECT picked_at, ref, entry_id, how FROM picks WHERE picked_at >= ?"
                " ORDER BY picked_at, id",
                (since,),
            ).fetchall()
        return [LoggedPick(*row) for row in rows]

    def ignored(self) -> set[str]:
        """Return the ids of the hidden learning candidates."""
        with self._reader() as db:
            if _version(db) < _LEARNING:
                return set()
            return {row[0] for row in db.execute("SELECT candidate_id FROM learn_ignored")}

    def votes(self, since: float) -> dict[str, tuple[int, int]]:
        """Count (helpful, not helpful) votes per entry since a time."""
        with self._reader() as db:
            rows = db.execute(
                "SELECT entry_id, SUM(helpful), SUM(1 - helpful) FROM feedback"
                " WHERE given_at >= ? GROUP BY entry_id",
                (since,),
            ).fetchall()
        return {entry: (int(up), int(down)) for entry, up, down in rows}

    def status(self) -> SchemaStatus:
        """Read the schema version (0 when the file does not exist yet)."""
        latest = SCHEMA_VERSION["sqlite"]
        if not self.path.exists():
            return SchemaStatus(0, latest)
        with self._reader() as db:
            return SchemaStatus(_version(db), latest)

    def erase(self) -> dict[str, int]:
        """Delete every row, then rewrite the file so no deleted text stays on disk."""
        if not self.path.exists():
            return {}
        try:
            db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error("cannot open", exc) from exc
        try:
            counts = {}
            with _transaction(db, "BEGIN IMMEDIATE"):
                present = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
                for table in _TABLES:
                    if table in present:
                        counts[table] = db.execute(f"DELETE FROM {table}").rowcount
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return counts
        except sqlite3.Error as exc:
            raise self._error("cannot erase", exc) from exc
        finally:
            db.close()

    @contextlib.contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            raise StorageError(
                f"{self.path}: no question log yet (faqbot run creates it; {self.setting} "
                "chooses where)"
            )
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        try:
            db = sqlite3.connect(uri, uri=True, timeout=5.0)
        except sqlite3.Error as exc:
            raise self._error("cannot read", exc) from exc
        try:
            yield db
        except sqlite3.Error as exc:
            raise self._error("cannot read", exc) from exc
        finally:
            db.close()

    def _error(self, doing: str, exc: sqlite3.Error) -> StorageError:
        return StorageError(f"{self.name}: {doing}: {exc} (set {self.setting} to change it)")


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection, begin: str = "BEGIN") -> Iterator[None]:
    db.execute(begin)
    try:
        yield
    except BaseException:
        with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _version(db: sqlite3.Connection) -> int:
    has_meta = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if not has_meta:
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _prepare(db: sqlite3.Connection) -> None:
    # WAL: readers (the report) never block the writer; secure_delete: purged questions
    # are overwritten, not left readable in free pages.
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA secure_delete=ON")
    _migrate(db)


def _busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _migrate(db: sqlite3.Connection) -> None:
    # BEGIN IMMEDIATE takes the write lock first, so two processes starting at once
    # migrate one after the other and the second finds nothing left to do.
    with _transaction(db, "BEGIN IMMEDIATE"):
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        version = _version(db)
        for number, statements in enumerate(SQLITE_MIGRATIONS, start=1):
            if number <= version:
                continue
            for statement in statements:
                db.execute(statement)
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(number),),
            )

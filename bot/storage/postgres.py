"""The shared store: PostgreSQL through psycopg 3, for several replicas at once.

The question log's writer is one thread, so it holds one connection of its own (and
reconnects after an outage); the rate-limit state, used by many coroutines on the event
loop at once, has an async connection pool (`bot.storage.pgstate`). Reads and erasing
use a short-lived connection.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from bot.errors import StorageError
from bot.storage.schema import (
    POSTGRES_MIGRATIONS,
    SCHEMA_VERSION,
    IgnoreRow,
    LoggedPick,
    LoggedQuestion,
    PickRow,
    QuestionRow,
    SchemaStatus,
    VoteRow,
)
from bot.storage.url import DatabaseUrl

try:
    import psycopg
except ImportError:  # the optional extra is not installed: say so when it is needed
    psycopg = None  # type: ignore[assignment]

__all__ = ["MIGRATION_LOCK", "PostgresStore", "connect", "migrate"]

# pg_advisory_xact_lock key held while migrating: replicas starting together take turns.
MIGRATION_LOCK = 0x46415142  # "FAQB"
_TABLES = ("questions", "feedback", "picks", "learn_ignored", "rate_buckets", "seen_marks")
_LEARNING = 2  # the migration that added refs, picks and hidden candidates


def connect(url: DatabaseUrl, *, timeout: float = 5.0) -> Any:
    """Open one psycopg connection in autocommit mode (transactions are explicit blocks).

    Errors become `StorageError`, without the password.

    Raises:
        StorageError: psycopg is missing, or the server cannot be reached.
    """
    if psycopg is None:
        raise StorageError(
            f"{url.display}: PostgreSQL needs psycopg: pip install 'faqbot[postgres]'"
        )
    assert url.conninfo is not None
    try:
        return psycopg.connect(
            url.conninfo,
            connect_timeout=max(1, round(timeout)),
            autocommit=True,  # no transaction left idle between explicit blocks
            application_name="faqbot",
        )
    except psycopg.Error as exc:
        raise _error(url, "cannot connect", exc) from exc


def migrate(db: Any) -> int:
    """Bring the schema up to date inside one transaction; returns the version reached.

    An advisory lock serialises replicas that start at the same moment: the first
    migrates, the others wait, then find nothing left to do.
    """
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        version = _version(db)
        for number, statements in enumerate(POSTGRES_MIGRATIONS, start=1):
            if number <= version:
                continue
            for statement in statements:
                db.execute(statement)
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', %s)"
                " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (str(number),),
            )
            version = number
    return version


class PostgresStore:
    """The question log in PostgreSQL (see `bot.storage.store.Store`)."""

    def __init__(self, url: DatabaseUrl, *, timeout: float = 3.0) -> None:
        """Describe the store; nothing is connected until `open`.

        Args:
            url: A `postgresql://` URL.
            timeout: Seconds to wait for a connection before giving up on it.
        """
        self.url = url
        self.timeout = timeout
        self._db: Any = None

    @property
    def name(self) -> str:
        """The URL without its password."""
        return self.url.display

    def open(self) -> None:
        """Connect the writer and migrate the schema."""
        self.close()
        db = connect(self.url, timeout=self.timeout)
        try:
            migrate(db)
        except psycopg.Error as exc:
            db.close()
            raise _error(self.url, "cannot migrate", exc) from exc
        self._db = db

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
            with self._db.transaction(), self._db.cursor() as cur:
                if questions:
                    cur.executemany(
                        "INSERT INTO questions (asked_at, platform, question, outcome, entry_id,"
                        " score, user_id, chat_id, ref, offered)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
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
                if votes:
                    cur.executemany(
                        "INSERT INTO feedback (given_at, entry_id, helpful) VALUES (%s, %s, %s)",
                        [(v.given_at, v.entry_id, v.helpful) for v in votes],
                    )
                if picks:
                    cur.executemany(
                        "INSERT INTO picks (picked_at, ref, entry_id, how) VALUES (%s, %s, %s, %s)",
                        [(p.picked_at, p.ref, p.entry_id, p.how) for p in picks],
                    )
                if ignores:
                    cur.executemany(
                        "INSERT INTO learn_ignored (candidate_id, ignored_at) VALUES (%s, %s)"
                        " ON CONFLICT (candidate_id)"
                        " DO UPDATE SET ignored_at = EXCLUDED.ignored_at",
                        [(i.candidate_id, i.ignored_at) for i in ignores],
                    )
        except psycopg.Error as exc:
            raise _error(self.url, "cannot write", exc) from exc

    def claim_purge(self, cutoff: float, now: float, every: float) -> int | None:
        """Delete old rows unless any replica purged in the last `every` seconds.

        The claim is one conditional UPDATE of the `last_purge` row: when two replicas
        try at once, the second waits for the first's commit, sees the new time, and
        matches nothing, so the work is done once.
        """
        if self._db is None:
            raise StorageError(f"{self.name}: not open")
        try:
            with self._db.transaction():
                self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('last_purge', '0')"
                    " ON CONFLICT (key) DO NOTHING"
                )
                claimed = self._db.execute(
                    "UPDATE meta SET value = %s WHERE key = 'last_purge'"
                    " AND value::double precision <= %s RETURNING 1",
                    (repr(now), now - every),
                ).fetchone()
                if claimed is None:
                    return None
                count = 0
                for sql, limit in (
                    ("DELETE FROM questions WHERE asked_at < %s", cutoff),
                    ("DELETE FROM feedback WHERE given_at < %s", cutoff),
                    ("DELETE FROM picks WHERE picked_at < %s", cutoff),
                    # A hidden candidate's questions are gone by now; so is the reason to hide it.
                    ("DELETE FROM learn_ignored WHERE ignored_at < %s", cutoff),
                    # Keyed hashes are useless once the day's key has changed.
                    ("DELETE FROM rate_buckets WHERE expires_at < %s", now),
                    ("DELETE FROM seen_marks WHERE expires_at < %s", now),
                ):
                    count += self._db.execute(sql, (limit,)).rowcount
            return count
        except psycopg.Error as exc:
            raise _error(self.url, "cannot purge", exc) from exc

    def close(self) -> None:
        """Close the writer's connection."""
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(Exception):
                db.close()

    # --- reading and erasing: own connections, nothing created -------------------------

    def questions(self, since: float) -> list[LoggedQuestion]:
        """Return the questions asked since a time, oldest first."""
        with self._reader("read") as db:
            learning = _version(db) >= _LEARNING
            rows = db.execute(
                "SELECT asked_at, platform, question, outcome, entry_id, score"
                + (", ref, offered" if learning else "")
                + " FROM questions WHERE asked_at >= %s ORDER BY asked_at, id",
                (since,),
            ).fetchall()
        return [LoggedQuestion(*row) for row in rows]

    def picks(self, since: float) -> list[LoggedPick]:
        """Return the picks made since a time, oldest first (none before migration 2)."""
        with self._reader("read") as db:
            if _version(db) < _LEARNING:
                return []
            rows = db.execute(
                "SELECT picked_at, ref, entry_id, how FROM picks WHERE picked_at >= %s"
                " ORDER BY picked_at, id",
                (since,),
            ).fetchall()
        return [LoggedPick(*row) for row in rows]

    def ignored(self) -> set[str]:
        """Return the ids of the hidden learning candidates."""
        with self._reader("read") as db:
            if _version(db) < _LEARNING:
                return set()
            return {row[0] for row in db.execute("SELECT candidate_id FROM learn_ignored")}

    def votes(self, since: float) -> dict[str, tuple[int, int]]:
        """Count (helpful, not helpful) votes per entry since a time."""
        with self._reader("read") as db:
            rows = db.execute(
                "SELECT entry_id, COUNT(*) FILTER (WHERE helpful),"
                " COUNT(*) FILTER (WHERE NOT helpful) FROM feedback"
                " WHERE given_at >= %s GROUP BY entry_id",
                (since,),
            ).fetchall()
        return {entry: (int(up), int(down)) for entry, up, down in rows}

    def status(self) -> SchemaStatus:
        """Read the schema version (0 when nothing was created yet)."""
        db = connect(self.url, timeout=self.timeout)
        try:
            return SchemaStatus(_version(db), SCHEMA_VERSION["postgresql"])
        except psycopg.Error as exc:
            raise _error(self.url, "cannot read", exc) from exc
        finally:
            db.close()

    def erase(self) -> dict[str, int]:
        """Empty every table about people; TRUNCATE gives their disk space back at once."""
        db = connect(self.url, timeout=self.timeout)
        try:
            with db.transaction():
                present = {
                    r[0]
                    for r in db.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    )
                }
                tables = [t for t in _TABLES if t in present]
                counts = {
                    t: int(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in tables
                }
                if tables:
                    db.execute(f"TRUNCATE {', '.join(tables)}")
            return counts
        except psycopg.Error as exc:
            raise _error(self.url, "cannot erase", exc) from exc
        finally:
            db.close()

    @contextlib.contextmanager
    def _reader(self, doing: str) -> Iterator[Any]:
        db = connect(self.url, timeout=self.timeout)
        try:
            if _version(db) == 0:
                raise StorageError(f"{self.name}: no question log yet (faqbot run creates it)")
            yield db
        except psycopg.Error as exc:
            raise _error(self.url, f"cannot {doing}", exc) from exc
        finally:
            db.close()


def _version(db: Any) -> int:
    exists = db.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _error(url: DatabaseUrl, doing: str, exc: Exception) -> StorageError:
    # libpq messages may quote the connection string; never let a password through.
    text = " ".join(str(exc).split()) or type(exc).__name__
    if url.password:
        text = text.replace(url.password, "***")
    return StorageError(f"{url.display}: {doing}: {text}")

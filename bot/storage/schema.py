"""Versioned schema migrations for both stores, and the rows they hold.

Each migration is a list of statements applied in one transaction, after which the
`meta` table's `schema_version` says how far the database has come. Migrations only ever
add (tables, columns, indexes), so a replica still running the previous release keeps
working against a database a newer replica has already upgraded.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "POSTGRES_MIGRATIONS",
    "SCHEMA_VERSION",
    "SQLITE_MIGRATIONS",
    "IgnoreRow",
    "LoggedPick",
    "LoggedQuestion",
    "PickRow",
    "QuestionRow",
    "SchemaStatus",
    "VoteRow",
]

SQLITE_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: the first release's question log (databases made by it are already at 1)
        "CREATE TABLE IF NOT EXISTS questions (id INTEGER PRIMARY KEY, asked_at REAL NOT NULL,"
        " platform TEXT NOT NULL, question TEXT, outcome TEXT NOT NULL, entry_id TEXT,"
        " score REAL NOT NULL, user_id TEXT, chat_id TEXT)",
        "CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at)",
        "CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY, given_at REAL NOT NULL,"
        " entry_id TEXT NOT NULL, helpful INTEGER NOT NULL)",
    ),
    (  # 2: retention purges and the report read feedback by time too
        "CREATE INDEX IF NOT EXISTS feedback_given_at ON feedback (given_at)",
    ),
    (  # 3: evidence for learning (bot.learn): picks point at question rows
        "ALTER TABLE questions ADD COLUMN ref TEXT",
        "ALTER TABLE questions ADD COLUMN offered TEXT",
        "CREATE INDEX IF NOT EXISTS questions_ref ON questions (ref)",
        "CREATE TABLE IF NOT EXISTS picks (id INTEGER PRIMARY KEY, picked_at REAL NOT NULL,"
        " ref TEXT NOT NULL, entry_id TEXT NOT NULL, how TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS picks_picked_at ON picks (picked_at)",
        "CREATE TABLE IF NOT EXISTS learn_ignored (candidate_id TEXT PRIMARY KEY,"
        " ignored_at REAL NOT NULL)",
    ),
)

POSTGRES_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: question log, votes, and the state shared by replicas (keyed hashes only)
        "CREATE TABLE IF NOT EXISTS questions (id BIGSERIAL PRIMARY KEY,"
        " asked_at DOUBLE PRECISION NOT NULL, platform TEXT NOT NULL, question TEXT,"
        " outcome TEXT NOT NULL, entry_id TEXT, score DOUBLE PRECISION NOT NULL,"
        " user_id TEXT, chat_id TEXT)",
        "CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at)",
        "CREATE TABLE IF NOT EXISTS feedback (id BIGSERIAL PRIMARY KEY,"
        " given_at DOUBLE PRECISION NOT NULL, entry_id TEXT NOT NULL, helpful BOOLEAN NOT NULL)",
        "CREATE INDEX IF NOT EXISTS feedback_given_at ON feedback (given_at)",
        "CREATE TABLE IF NOT EXISTS rate_buckets (key TEXT NOT NULL, budget TEXT NOT NULL,"
        " tokens DOUBLE PRECISION NOT NULL, touched DOUBLE PRECISION NOT NULL,"
        " allowed BOOLEAN NOT NULL, expires_at DOUBLE PRECISION NOT NULL,"
        " PRIMARY KEY (key, budget))",
        "CREATE INDEX IF NOT EXISTS rate_buckets_expires_at ON rate_buckets (expires_at)",
        "CREATE TABLE IF NOT EXISTS seen_marks (key TEXT PRIMARY KEY,"
        " expires_at DOUBLE PRECISION NOT NULL)",
        "CREATE INDEX IF NOT EXISTS seen_marks_expires_at ON seen_marks (expires_at)",
    ),
    (  # 2: evidence for learning (bot.learn): picks point at question rows
        "ALTER TABLE questions ADD COLUMN IF NOT EXISTS ref TEXT",
        "ALTER TABLE questions ADD COLUMN IF NOT EXISTS offered TEXT",
        "CREATE INDEX IF NOT EXISTS questions_ref ON questions (ref)",
        "CREATE TABLE IF NOT EXISTS picks (id BIGSERIAL PRIMARY KEY,"
        " picked_at DOUBLE PRECISION NOT NULL, ref TEXT NOT NULL, entry_id TEXT NOT NULL,"
        " how TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS picks_picked_at ON picks (picked_at)",
        "CREATE TABLE IF NOT EXISTS learn_ignored (candidate_id TEXT PRIMARY KEY,"
        " ignored_at DOUBLE PRECISION NOT NULL)",
    ),
)

# The version this code migrates to; both stores are numbered independently.
SCHEMA_VERSION = {"sqlite": len(SQLITE_MIGRATIONS), "postgresql": len(POSTGRES_MIGRATIONS)}


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question to write (already stripped of what the settings say not to keep).

    Attributes:
        ref: A random reference for a question kept with its text that got no answer, so a
            later pick can point at it (never derived from who asked).
        offered: The entry ids offered as "did you mean", space-separated.
    """

    asked_at: float
    platform: str
    question: str | None
    outcome: str
    entry_id: str | None
    score: float
    user_id: str | None
    chat_id: str | None
    ref: str | None = None
    offered: str | None = None


@dataclass(frozen=True, slots=True)
class VoteRow:
    """One helpful / not helpful vote (who voted is never part of it)."""

    given_at: float
    entry_id: str
    helpful: bool


@dataclass(frozen=True, slots=True)
class PickRow:
    """Evidence that a question meant an entry: a picked suggestion or a later helpful vote.

    Attributes:
        ref: The `QuestionRow.ref` of the question it is about (no text, no ids here).
        how: "suggestion" (a "did you mean" was picked) or "helpful" (a 👍 on the answer to
            the person's next question).
    """

    picked_at: float
    ref: str
    entry_id: str
    how: str


@dataclass(frozen=True, slots=True)
class IgnoreRow:
    """A learning candidate a moderator hid (`faqbot learn ignore`)."""

    candidate_id: str
    ignored_at: float


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """One row of the log, as the report and the learning candidates read it."""

    asked_at: float
    platform: str
    question: str | None
    outcome: str
    entry_id: str | None
    score: float
    ref: str | None = None
    offered: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedPick:
    """One pick, as the learning candidates read it."""

    picked_at: float
    ref: str
    entry_id: str
    how: str


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """How far a database's schema has come (for `faqbot doctor`).

    Attributes:
        version: The database's schema version; 0 when nothing was created yet.
        latest: The version this code migrates to.
    """

    version: int
    latest: int

    @property
    def current(self) -> bool:
        """True when no migration is pending."""
        return self.version >= self.latest

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
    "LoggedQuestion",
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
)

# The version this code migrates to; both stores are numbered independently.
SCHEMA_VERSION = {"sqlite": len(SQLITE_MIGRATIONS), "postgresql": len(POSTGRES_MIGRATIONS)}


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question to write (already stripped of what the settings say not to keep)."""

    asked_at: float
    platform: str
    question: str | None
    outcome: str
    entry_id: str | None
    score: float
    user_id: str | None
    chat_id: str | None


@dataclass(frozen=True, slots=True)
class VoteRow:
    """One helpful / not helpful vote (who voted is never part of it)."""

    given_at: float
    entry_id: str
    helpful: bool


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """One row of the log, as the report reads it."""

    asked_at: float
    platform: str
    question: str | None
    outcome: str
    entry_id: str | None
    score: float


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

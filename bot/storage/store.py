"""What the question log needs from a database, whichever one it is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.storage.schema import (
    IgnoreRow,
    LoggedPick,
    LoggedQuestion,
    PickRow,
    QuestionRow,
    SchemaStatus,
    VoteRow,
)

__all__ = ["LogReader", "Store"]


class LogReader(Protocol):
    """Reads the question log (the report needs nothing more)."""

    def questions(self, since: float) -> list[LoggedQuestion]:
        """Return the questions asked since a time, oldest first."""
        ...

    def votes(self, since: float) -> dict[str, tuple[int, int]]:
        """Count (helpful, not helpful) votes per entry since a time."""
        ...

    def picks(self, since: float) -> list[LoggedPick]:
        """Return the picks (learning evidence) made since a time, oldest first."""
        ...

    def ignored(self) -> set[str]:
        """Return the ids of the learning candidates moderators hid."""
        ...


class Store(LogReader, Protocol):
    """A database behind the question log.

    Writing goes through one connection owned by the log's writer thread (`open`,
    `write`, `claim_purge`, `close`); reading and erasing open their own short-lived
    connection, so `faqbot report` and `faqbot purge` never create, migrate or start
    anything. Every failure is raised as `StorageError` with a message safe to log.
    """

    @property
    def name(self) -> str:
        """The store as shown in logs (never with a password)."""
        ...

    def open(self) -> None:
        """Connect the writer, creating and migrating the schema if needed."""
        ...

    def write(
        self,
        questions: Sequence[QuestionRow],
        votes: Sequence[VoteRow],
        picks: Sequence[PickRow] = (),
        ignores: Sequence[IgnoreRow] = (),
    ) -> None:
        """Write rows in one transaction (an ignored candidate already hidden stays once)."""
        ...

    def claim_purge(self, cutoff: float, now: float, every: float) -> int | None:
        """Delete rows older than `cutoff` unless any replica did so in the last `every` s.

        Returns:
            How many rows went, or None when another purge was recent (no work done).
        """
        ...

    def close(self) -> None:
        """Close the writer's connection (safe to call at any time, more than once)."""
        ...

    def status(self) -> SchemaStatus:
        """Read the schema version without changing anything."""
        ...

    def erase(self) -> dict[str, int]:
        """Erase every row about people now (questions, votes, picks, limits, marks).

        Returns:
            How many rows each table lost.
        """
        ...

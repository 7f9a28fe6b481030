"""The exception root of the core and the knowledge-file errors."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FaqBotError", "Issue", "KnowledgeError", "LearnError", "StorageError"]


class FaqBotError(Exception):
    """Root of every error the core raises on purpose."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a knowledge file.

    Attributes:
        path: The file the problem is in.
        line: 1-based line number, or 0 when the whole file is concerned.
        message: What is wrong, naming the entry or key where there is one.
    """

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class KnowledgeError(FaqBotError):
    """A knowledge file or folder could not be loaded; carries every issue found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = tuple(sorted(issues, key=lambda i: (i.path, i.line, i.message)))
        count = len(self.issues)
        head = f"{count} error{'s' if count != 1 else ''} in the knowledge base"
        super().__init__("\n".join([head, *(str(i) for i in self.issues)]))


class StorageError(FaqBotError):
    """A store (question log, shared state) could not be opened, read or written.

    The message names the store in a form safe to log (no password) and, where it can,
    the setting to change.
    """


class LearnError(FaqBotError):
    """A change taught to the FAQ was refused; nothing was written.

    The message is one line that says why, naming the file, line and entry where there is
    one (e.g. the entry that already owns a phrasing).
    """

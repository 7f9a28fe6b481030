"""What the core answers: plain values the adapters render."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.models import Entry, Source, Topic

__all__ = ["Citation", "Outcome", "Reply", "Suggestion", "TopicReply", "citation_of"]


class Outcome(StrEnum):
    """The three outcomes of a question."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Citation:
    """A source an answer rests on, resolved for display.

    Attributes:
        section: The section's name as the FAQ file gives it.
        untitled: The source gives that part no heading; the name is ours.
    """

    source_id: str
    title: str
    author: str | None
    published: dt.date | None
    section: str | None
    url: str | None
    untitled: bool = False

    @property
    def details(self) -> tuple[str, ...]:
        """What follows the title when the citation is shown: author, date, section label.

        Plain text; every renderer escapes it for its platform.
        """
        parts = [self.author, self.published.isoformat() if self.published else None]
        return tuple(p for p in (*parts, self.section_label) if p)

    @property
    def section_label(self) -> str | None:
        """How the cited section is shown to people.

        `section “Border Security”` for a heading of the source; `untitled section on
        surveillance` for a part it leaves unheaded, so our names for such parts are never
        passed off as the author's headings.
        """
        if self.section is None:
            return None
        if self.untitled:
            return f"untitled section on {self.section.lower()}"
        return f"section “{self.section}”"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An entry offered as "did you mean" or as a follow-up."""

    entry_id: str
    question: str
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """The core's answer to one question.

    Attributes:
        query: The question as the core read it (cleaned and capped).
        outcome: answer, suggest or none.
        score: Confidence of the best match, in [0, 1].
        message: The sentence to show before anything else (refusal, "did you mean").
        entry: The answered entry when outcome is answer.
        citations: Sources of the answered entry, in the entry's order.
        suggestions: Up to three "did you mean" entries.
        related: Follow-up entries of the answered entry.
        topics: The topic list, offered when nothing matched.
        is_help: The question was empty and the message is the help text.
        is_safety: The safety reply: the asker may be at risk. It is never rate-limited,
            never logged with its text, and in a group it is shown to the asker alone.
        note: A one-line note to show with the reply (e.g. what the FAQ is about).
    """

    query: str
    outcome: Outcome
    score: float
    message: str
    entry: Entry | None = None
    citations: tuple[Citation, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    related: tuple[Suggestion, ...] = ()
    topics: tuple[Topic, ...] = ()
    is_help: bool = False
    is_safety: bool = False
    note: str | None = None

    @property
    def matched(self) -> bool:
        """True exactly when the outcome is an answer."""
        return self.outcome is Outcome.ANSWER


@dataclass(frozen=True, slots=True)
class TopicReply:
    """The result of looking a topic up by name.

    Attributes:
        query: The name as given.
        topic: The topic found, or None.
        entries: Its entries as suggestions (question and id).
        alternatives: Other topics to offer when the name was not found.
        message: The sentence to show first.
    """

    query: str
    topic: Topic | None
    entries: tuple[Suggestion, ...]
    alternatives: tuple[Topic, ...]
    message: str


def citation_of(source: Source, section: str | None) -> Citation:
    """Resolve a source and section into a citation."""
    untitled = section is not None and section in source.untitled_sections
    return Citation(
        source.id, source.title, source.author, source.published, section, source.url, untitled
    )

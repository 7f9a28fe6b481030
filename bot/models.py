"""The FAQ's one model: frozen values, validated straight from the file (see bot.schema)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, ClassVar

from pydantic import ConfigDict, Field

from bot.schema import CONFIG, Answer, Slug, Text

__all__ = [
    "SAFETY_ID",
    "Entry",
    "KnowledgeBase",
    "OutOfScope",
    "SafetyReply",
    "Source",
    "SourceRef",
    "Topic",
]

SAFETY_ID = "safety"


@dataclass(frozen=True, slots=True)
class Source:
    """A document that answers cite.

    Attributes:
        sections: The document's own headings.
        untitled_sections: Our names for parts the document gives no heading; citations
            show them as untitled, so nobody takes them for the author's words.
    """

    __pydantic_config__: ClassVar[ConfigDict] = CONFIG

    id: Slug
    title: Text
    author: Text | None = None
    published: dt.date | None = None
    url: Text | None = None
    sections: tuple[Text, ...] = ()
    untitled_sections: tuple[Text, ...] = ()

    def has_section(self, name: str) -> bool:
        """Tell whether a citation may name this section."""
        return name in self.sections or name in self.untitled_sections


@dataclass(frozen=True, slots=True)
class Topic:
    """A group of entries that `/topic` looks up."""

    __pydantic_config__: ClassVar[ConfigDict] = CONFIG

    id: Slug
    title: Text
    summary: Text


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A citation of a source, optionally of one of its sections."""

    __pydantic_config__: ClassVar[ConfigDict] = CONFIG

    source: Slug
    section: Text | None = None


Citations = Annotated[tuple[SourceRef, ...], Field(min_length=1)]


@dataclass(frozen=True, slots=True)
class Entry:
    """One question of the FAQ with its answer and citations."""

    __pydantic_config__: ClassVar[ConfigDict] = CONFIG

    id: Slug
    topic: Slug
    question: Text
    answer: Answer
    sources: Citations
    alternates: tuple[Text, ...] = ()
    related: tuple[Slug, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The question followed by its alternates."""
        return (self.question, *self.alternates)


@dataclass(frozen=True, slots=True)
class SafetyReply:
    """The vetted reply for people who may be at risk; decided before any matching.

    Attributes:
        question: The heading shown above the reply.
        answer: The reply itself.
        sources: What it rests on.
        triggers: Messages (English and Korean) that get it: matched fuzzily on top of the
            rules in `bot.safety`, and the examples the learned layer is trained on.
        not_triggers: Questions that must keep their factual answers although they sound
            close (the learned layer's counter-examples, with every entry's phrasings).
    """

    __pydantic_config__: ClassVar[ConfigDict] = CONFIG

    question: Text
    answer: Answer
    sources: Citations
    triggers: Annotated[tuple[Text, ...], Field(min_length=1)]
    not_triggers: tuple[Text, ...] = ()

    @property
    def entry(self) -> Entry:
        """The reply as an entry with the stable id `safety` (its topic is `safety` too)."""
        return Entry(SAFETY_ID, SAFETY_ID, self.question, self.answer, self.sources)


@dataclass(frozen=True, slots=True)
class OutOfScope:
    """Questions the FAQ does not cover and must refuse, with an optional one-line note."""

    __pydantic_config__: ClassVar[ConfigDict] = CONFIG

    phrasings: Annotated[tuple[Text, ...], Field(min_length=1)]
    note: Text | None = None


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """A validated, immutable FAQ: every reference in it resolves.

    Attributes:
        retired: (old id, surviving id) pairs, so links to removed entries still answer.
    """

    sources: tuple[Source, ...]
    topics: tuple[Topic, ...]
    entries: tuple[Entry, ...]
    synonyms: tuple[tuple[str, ...], ...] = ()
    origin: str = ""
    safety: SafetyReply | None = None
    out_of_scope: tuple[OutOfScope, ...] = ()
    retired: tuple[tuple[str, str], ...] = ()
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)
    _sources: dict[str, Source] = field(init=False, repr=False, compare=False)
    _topics: dict[str, Topic] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lookup tables are derived once; the dataclass stays frozen for callers.
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})
        object.__setattr__(self, "_sources", {s.id: s for s in self.sources})
        object.__setattr__(self, "_topics", {t.id: t for t in self.topics})

    def entry(self, entry_id: str) -> Entry | None:
        """Return the entry with this id, or None."""
        return self._by_id.get(entry_id)

    def current(self, entry_id: str) -> Entry | None:
        """Return the entry with this id, following a retired id to its successor."""
        found = self._by_id.get(entry_id)
        if found is None:
            successor = dict(self.retired).get(entry_id)
            found = None if successor is None else self._by_id.get(successor)
        return found

    def source(self, source_id: str) -> Source | None:
        """Return the source with this id, or None."""
        return self._sources.get(source_id)

    def topic(self, topic_id: str) -> Topic | None:
        """Return the topic with this id, or None."""
        return self._topics.get(topic_id)

    def entries_in(self, topic_id: str) -> tuple[Entry, ...]:
        """Return the entries of a topic in file order."""
        return tuple(e for e in self.entries if e.topic == topic_id)

    @property
    def alternate_count(self) -> int:
        """How many alternates all entries have together."""
        return sum(len(e.alternates) for e in self.entries)

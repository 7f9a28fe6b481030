"""Domain values of the knowledge base: sources, topics, entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = ["Entry", "KnowledgeBase", "Source", "SourceRef", "Topic"]


@dataclass(frozen=True, slots=True)
class Source:
    """A document that answers cite."""

    id: str
    title: str
    author: str | None = None
    published: dt.date | None = None
    url: str | None = None
    sections: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Topic:
    """A group of entries that `/topic` looks up."""

    id: str
    title: str
    summary: str


@dataclass(frozen=True, slots=True)
class SourceRef:
    """An entry's citation of a source, optionally of one of its sections."""

    source: str
    section: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One question of the FAQ with its answer and citations."""

    id: str
    topic: str
    question: str
    answer: str
    sources: tuple[SourceRef, ...]
    alternates: tuple[str, ...] = ()
    related: tuple[str, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The question followed by its alternates."""
        return (self.question, *self.alternates)


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """A validated, immutable FAQ: every reference in it resolves."""

    sources: tuple[Source, ...]
    topics: tuple[Topic, ...]
    entries: tuple[Entry, ...]
    synonyms: tuple[tuple[str, ...], ...] = ()
    origin: str = ""
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

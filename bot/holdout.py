"""Leave-one-phrasing-out: ask each alternate of the FAQ with it and its twins removed.

Asking a FAQ its own alternates measures nothing: each is in the index. Holding one out at a
time asks "would this phrasing have been answered had nobody written it down?" Twins make
that question too easy: "why cant people leave nk" held out while "why can't people leave
north korea" stays in is still a copy. So a phrasing is held out together with its
near-duplicates in the same entry, defined on content terms (see `near_duplicates`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from bot.analyzer import Analyzer
from bot.models import KnowledgeBase
from bot.reply import Outcome, Reply
from bot.text import words

__all__ = [
    "NEAR_DUPLICATE_JACCARD",
    "HeldOut",
    "Holdout",
    "HoldoutReport",
    "content_terms",
    "holdouts",
    "leave_one_out",
    "near_duplicates",
    "without_phrasings",
]

# Two phrasings of one entry whose content terms overlap this much (Jaccard) are twins:
# "is leaving nk illegal" and "is it illegal to leave north korea" share all of theirs.
NEAR_DUPLICATE_JACCARD = 0.5


def content_terms(analyzer: Analyzer, text: str) -> frozenset[str]:
    """Return a phrasing's content terms: stems and synonym groups, without stopwords."""
    return frozenset(t for t in analyzer.terms(text) if t not in analyzer.filler_terms)


def near_duplicates(
    analyzer: Analyzer,
    target: str,
    others: Iterable[str],
    threshold: float = NEAR_DUPLICATE_JACCARD,
) -> list[str]:
    """Return the phrasings among `others` that are near-duplicates of `target`.

    Args:
        analyzer: Maps text to terms (the FAQ's synonym groups collapse to one term).
        target: The phrasing held out.
        others: Candidate twins (the other phrasings of its entry).
        threshold: Lowest Jaccard overlap of content terms that makes a twin.

    Returns:
        The twins, in the order given: content-term overlap of at least `threshold`, or the
        same words once punctuation and case are dropped.
    """
    mine = content_terms(analyzer, target)
    key = words(target)
    found = []
    for other in others:
        theirs = content_terms(analyzer, other)
        union = mine | theirs
        overlap = len(mine & theirs) / len(union) if union else 1.0
        if overlap >= threshold or words(other) == key:
            found.append(other)
    return found


def without_phrasings(kb: KnowledgeBase, entry_id: str, removed: Iterable[str]) -> KnowledgeBase:
    """Return the knowledge base with some phrasings of one entry removed.

    When every phrasing goes, the entry stays with an empty question: it can still be
    offered through its other evidence, but no phrasing can match it.
    """
    gone = set(removed)
    entries = []
    for entry in kb.entries:
        if entry.id == entry_id:
            kept = [p for p in entry.phrasings if p not in gone]
            entry = replace(entry, question=kept[0] if kept else "", alternates=tuple(kept[1:]))
        entries.append(entry)
    return replace(kb, entries=tuple(entries))


@dataclass(frozen=True, slots=True)
class Holdout:
    """One alternate to ask, and the FAQ without it and its twins.

    Attributes:
        entry_id: The entry the alternate belongs to (the right answer).
        phrasing: The alternate, asked as a question.
        removed: Every phrasing taken out with it (itself included).
        kb: The FAQ without them.
    """

    entry_id: str
    phrasing: str
    removed: frozenset[str]
    kb: KnowledgeBase


def holdouts(kb: KnowledgeBase, threshold: float = NEAR_DUPLICATE_JACCARD) -> Iterator[Holdout]:
    """Yield one `Holdout` per alternate, in file order (canonical questions stay in).

    Alternates whose twin groups are the same share one reduced knowledge base object, so a
    caller can cache what it builds from it by identity.
    """
    analyzer = Analyzer(kb.synonyms, ())
    reduced: dict[tuple[str, frozenset[str]], KnowledgeBase] = {}
    for entry in kb.entries:
        for phrasing in entry.alternates:
            twins = near_duplicates(analyzer, phrasing, entry.phrasings, threshold)
            removed = frozenset({phrasing, *twins})
            key = (entry.id, removed)
            if key not in reduced:
                reduced[key] = without_phrasings(kb, entry.id, removed)
            yield Holdout(entry.id, phrasing, removed, reduced[key])


@dataclass(frozen=True, slots=True)
class HeldOut:
    """One held-out alternate and what the bot did with it.

    Attributes:
        entry_id: Its own entry.
        phrasing: The alternate asked.
        removed: How many phrasings left the index with it (itself included).
        outcome: "answer", "suggest" or "none".
        got: The answered entry, or the first suggestion.
        score: The reply's score.
    """

    entry_id: str
    phrasing: str
    removed: int
    outcome: str
    got: str | None
    score: float

    @property
    def verdict(self) -> str:
        """One of "right", "first", "other", "refused", "wrong" (see `HoldoutReport`)."""
        if self.outcome == Outcome.ANSWER:
            return "right" if self.got == self.entry_id else "wrong"
        if self.outcome == Outcome.SUGGEST:
            return "first" if self.got == self.entry_id else "other"
        return "refused"


@dataclass(frozen=True, slots=True)
class HoldoutReport:
    """Leave-one-phrasing-out totals.

    Every case has one verdict: answered right; right first suggestion; other suggestions
    (first one wrong); refused (no answer, no suggestion); answered wrong.
    """

    cases: tuple[HeldOut, ...]

    def count(self, verdict: str) -> int:
        """Return how many cases have a verdict."""
        return sum(c.verdict == verdict for c in self.cases)

    def share(self, *verdicts: str) -> float:
        """Return the share of cases with any of the verdicts (0 when there are none)."""
        hits = sum(c.verdict in verdicts for c in self.cases)
        return hits / len(self.cases) if self.cases else 0.0

    @property
    def answered_right(self) -> float:
        """Share answered outright with the right entry."""
        return self.share("right")

    @property
    def first_right(self) -> float:
        """Share answered right or whose first suggestion is right."""
        return self.share("right", "first")

    @property
    def mean_removed(self) -> float:
        """How many phrasings were held out per case on average (twins included)."""
        return sum(c.removed for c in self.cases) / len(self.cases) if self.cases else 0.0


def leave_one_out(
    kb: KnowledgeBase,
    ask_with: Callable[[KnowledgeBase], Callable[[str], Reply]],
    threshold: float = NEAR_DUPLICATE_JACCARD,
) -> HoldoutReport:
    """Hold out each alternate with its near-duplicates, rebuild, and ask it.

    Args:
        kb: The FAQ.
        ask_with: Builds a question-answering function over a knowledge base (the whole
            pipeline: matcher, guards, thresholds); called once per distinct reduced FAQ.
        threshold: Near-duplicate Jaccard threshold.

    Returns:
        One case per alternate.
    """
    cases = []
    built: dict[int, Callable[[str], Reply]] = {}
    for h in holdouts(kb, threshold):
        ask = built.get(id(h.kb))
        if ask is None:
            built.clear()  # twins come one after another: keep one build, not all of them
            ask = built[id(h.kb)] = ask_with(h.kb)
        reply = ask(h.phrasing)
        cases.append(
            HeldOut(
                h.entry_id,
                h.phrasing,
                len(h.removed),
                reply.outcome.value,
                _got(reply),
                reply.score,
            )
        )
    return HoldoutReport(tuple(cases))


def _got(reply: Reply) -> str | None:
    if reply.entry is not None:
        return reply.entry.id
    return reply.suggestions[0].entry_id if reply.suggestions else None

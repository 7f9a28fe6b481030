"""Rank FAQ entries for a question: BM25 finds candidates, coverage and fuzz score them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from rapidfuzz import fuzz, process

from bot.models import KnowledgeBase
from bot.termindex import TermIndex, idf, sorted_words

__all__ = ["Candidate", "HybridMatcher", "Matcher", "Weights"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry the matcher considers, with a calibrated score in [0, 1]."""

    entry_id: str
    score: float


class Matcher(Protocol):
    """What the service needs from a matcher; scorers can be swapped behind it."""

    def rank(self, question: str, limit: int = 5) -> list[Candidate]:
        """Return up to `limit` candidates, best first, scores in [0, 1]."""
        ...


class HybridMatcher:
    """Lexical matcher over every phrasing of every entry.

    Candidates come from BM25 (`bot.termindex`) so cost stays low on large FAQs; each
    candidate entry is then scored by how much of the question's informative
    weight its best phrasing explains (recall and precision, IDF-weighted),
    plus a small fuzzy-similarity term. Words the FAQ has never seen carry the
    highest weight, so "leave Japan" is not explained by an entry about leaving.
    """

    def __init__(
        self, kb: KnowledgeBase, candidates: int = 40, weights: Weights | None = None
    ) -> None:
        """Index a knowledge base.

        Args:
            kb: The validated FAQ.
            candidates: How many phrasings BM25 hands on to the precise scorer.
            weights: How the evidence adds up (defaults tuned on the dev set).
        """
        self._index = TermIndex.build(kb)
        self.analyzer = self._index.analyzer
        self._ids = [e.id for e in kb.entries]
        self._unknown_idf = idf(max(len(kb.entries), 1), 0)
        self._candidates = candidates
        self.weights = weights or Weights()

    def weight(self, term: str) -> float:
        """Return how informative a term is (IDF; unknown terms weigh the most)."""
        known = self._index.term_ids.get(term)
        if known is not None:
            return float(self._index.idf[known])
        return 0.0 if term in self.analyzer.filler_terms else self._unknown_idf

    def rank(self, question: str, limit: int = 5) -> list[Candidate]:
        """Rank entries for a question.

        Args:
            question: Raw question text.
            limit: How many candidates to return at most.

        Returns:
            Candidates, best first, one per entry.
        """
        if limit < 1:
            return []
        index = self._index
        # Sorted: a set's order follows the hash seed, and float32 sums follow the order.
        terms = sorted(set(self.analyzer.terms(question, repair=True)))
        id_of = {t: index.term_ids[t] for t in terms if t in index.term_ids}
        if not id_of:
            return []
        ids = list(id_of.values())
        top, scores = index.best(ids, self._candidates)
        ceiling = float(scores.max(initial=0.0))
        if ceiling <= 0:
            return []
        w = self.weights
        qw = {t: self.weight(t) for t in terms}
        total = sum(qw.values()) or 1.0
        # The question's weights by term id: one gather per lookup below.
        asked = np.zeros(len(index.names))
        asked[ids] = [qw[t] for t in id_of]
        kept = scores > 0
        top, relative = top[kept], scores[kept].astype(np.float64) / ceiling
        # Every candidate phrasing's terms in one flat array (`owner`: which candidate).
        starts = index.starts[top]
        lengths = index.starts[top + 1] - starts
        owner = np.repeat(np.arange(len(top)), lengths)
        terms_of = index.ids[
            np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths - starts, lengths)
        ]
        term_weight = asked[terms_of]
        matched = np.bincount(owner, weights=term_weight, minlength=len(top))
        lexical = _f_beta(matched / index.own[top], matched / total, beta=w.beta)
        # The texts are word-sorted, so plain ratio is token_sort_ratio without the sorting.
        question_text = sorted_words(terms)
        others = [index.texts[p] for p in top.tolist()]
        fuzzy = process.cdist([question_text], others, scorer=fuzz.ratio, dtype=np.float64)[0]
        fuzzy /= 100.0
        # Per entry: the best phrasing's evidence, and what all its phrasings explain.
        entries, which, order, starts = _by_entry(index.entry_of[top], relative)
        n = len(entries)
        evidence = np.column_stack((lexical, fuzzy, relative))[order]
        best_lexical, best_fuzzy, best_bm25 = np.maximum.reduceat(evidence, starts).T
        # The mean relative BM25 of each entry's three best phrasings (a missing one is 0).
        place = np.arange(len(order)) - starts[which[order]]
        support = np.add.reduceat(np.where(place < 3, evidence[:, 2], 0.0), starts) / 3
        # Each question term that any candidate phrasing of the entry has, counted once.
        known = np.array(sorted(ids))
        shared = term_weight > 0
        hit = np.zeros((n, len(known)))
        hit[which[owner[shared]], np.searchsorted(known, terms_of[shared])] = 1.0
        union = (hit * asked[known]).sum(axis=1) / total
        qnorm = math.sqrt(sum(v * v for v in qw.values())) or 1.0
        centroid = index.centroid_dot(entries, asked, known) / qnorm
        # One informative word that many entries share ("border", "family") is not enough
        # to pick one of them: scale down by how specific that word is, so they are offered.
        informative = [t for t, v in qw.items() if v > 0]
        specific = 1.0
        if len(informative) == 1:
            specific = min(1.0, qw[informative[0]] / self._unknown_idf)
        final = (
            w.lexical * best_lexical
            + w.fuzzy * best_fuzzy
            + w.union * union
            # BM25 is relative to the best candidate; scaling by coverage keeps a
            # poor best candidate from scoring well merely for being first.
            + w.bm25 * best_bm25 * union
            + w.support * support * union
            + w.centroid * centroid
        ) * specific
        final = np.minimum(np.maximum(final, 0.0), 1.0)
        if n > limit:
            # Only scores that can round into the best `limit` become candidates.
            floor = np.partition(final, n - limit)[n - limit] - 2e-4
            keep = np.flatnonzero(final >= floor)
            entries, final = entries[keep], final[keep]
        ranked = [
            Candidate(self._ids[e], round(s, 4))
            for e, s in zip(entries.tolist(), final.tolist(), strict=True)
        ]
        ranked.sort(key=lambda c: (-c.score, c.entry_id))
        return ranked[:limit]


@dataclass(frozen=True, slots=True)
class Weights:
    """How the matcher's evidence adds up to a score (weights sum to 1).

    Attributes:
        lexical: Best phrasing's IDF-weighted F-score between question and phrasing.
        fuzzy: Best rapidfuzz token-sort similarity of the term strings.
        union: Share of the question's weight explained by any of the entry's phrasings.
        bm25: The entry's best BM25 score relative to the best candidate's.
        support: Mean relative BM25 of the entry's three best phrasings (agreement).
        centroid: Cosine between the question and all of the entry's phrasings together.
        beta: Recall is beta times as important as precision in the F-score.
    """

    lexical: float = 0.33
    fuzzy: float = 0.17
    union: float = 0.15
    bm25: float = 0.1
    support: float = 0.1
    centroid: float = 0.15
    beta: float = 1.5


def _f_beta(precision: np.ndarray, recall: np.ndarray, beta: float) -> np.ndarray:
    b2 = beta * beta
    numerator = (1 + b2) * precision * recall
    denominator = b2 * precision + recall
    both = (precision > 0) & (recall > 0)
    f: np.ndarray = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=both)
    return f


def _by_entry(
    entry_of: np.ndarray, relative: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group candidate phrasings by entry, each entry's best BM25 first.

    Args:
        entry_of: Each candidate's entry.
        relative: Each candidate's BM25 relative to the best.

    Returns:
        The distinct entries, ascending; each candidate's group (its entry's position
        there); the candidates in group order; where each group starts in that order.
    """
    order = np.lexsort((-relative, entry_of))
    ordered = entry_of[order]
    new = np.empty(len(ordered), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    which = np.empty(len(ordered), dtype=np.int64)
    which[order] = np.cumsum(new) - 1
    return ordered[starts], which, order, starts

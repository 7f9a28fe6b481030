"""Rank FAQ entries for a question: BM25 finds candidates, coverage and fuzz score them."""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

import bm25s
import numpy as np
from rapidfuzz import fuzz

from bot.analyzer import Analyzer
from bot.models import KnowledgeBase
from bot.text import words

__all__ = ["Candidate", "HybridMatcher", "Matcher"]

# bm25s sets its own logger to DEBUG at import, which would print on every index build.
logging.getLogger("bm25s").setLevel(logging.WARNING)


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


@dataclass(frozen=True, slots=True)
class _Phrasing:
    entry: int
    terms: frozenset[str]
    joined: str


class HybridMatcher:
    """Lexical matcher over every phrasing of every entry.

    Candidates come from BM25 (bm25s) so cost stays low on large FAQs; each
    candidate entry is then scored by how much of the question's informative
    weight its best phrasing explains (recall and precision, IDF-weighted),
    plus a small fuzzy-similarity term. Words the FAQ has never seen carry the
    highest weight, so "leave Japan" is not explained by an entry about leaving.
    """

    def __init__(self, kb: KnowledgeBase, candidates: int = 40) -> None:
        """Index a knowledge base.

        Args:
            kb: The validated FAQ.
            candidates: How many phrasings BM25 hands on to the precise scorer.

        """
        split = [(i, words(text)) for i, e in enumerate(kb.entries) for text in e.phrasings]
        self.analyzer = Analyzer(kb.synonyms, (w for _, ws in split for w in ws))
        self._ids = [e.id for e in kb.entries]
        self._phrasings: list[_Phrasing] = []
        entry_terms: list[set[str]] = [set() for _ in kb.entries]
        for i, raw in split:
            terms = self.analyzer.terms_of(raw)
            entry_terms[i].update(terms)
            self._phrasings.append(_Phrasing(i, frozenset(terms), " ".join(sorted(terms))))
        n = max(len(kb.entries), 1)
        df = Counter(t for terms in entry_terms for t in terms)
        self._idf = {t: _idf(n, c) for t, c in df.items()}
        self._unknown_idf = _idf(n, 0)
        self._candidates = candidates
        self._bm25 = bm25s.BM25()
        self._bm25.index([sorted(p.terms) or [""] for p in self._phrasings], show_progress=False)
        self._vocab: dict[str, int] = self._bm25.vocab_dict

    def weight(self, term: str) -> float:
        """Return how informative a term is (IDF; unknown terms weigh the most)."""
        return self._idf.get(term, self._unknown_idf)

    def rank(self, question: str, limit: int = 5) -> list[Candidate]:
        """Rank entries for a question.

        Args:
            question: Raw question text.
            limit: How many candidates to return at most.

        Returns:
            Candidates, best first, one per entry.

        """
        terms = set(self.analyzer.terms(question, repair=True))
        known = [t for t in terms if t in self._vocab]
        if not known:
            return []
        scores = self._bm25.get_scores(known)
        k = min(self._candidates, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        total = sum(self.weight(t) for t in terms)
        joined = " ".join(sorted(terms))
        best: dict[int, float] = {}
        covered: dict[int, set[str]] = {}
        for index in top:
            if scores[index] <= 0:
                continue
            phrasing = self._phrasings[int(index)]
            shared = terms & phrasing.terms
            recall = sum(self.weight(t) for t in shared) / total
            own = sum(self.weight(t) for t in phrasing.terms) or 1.0
            precision = sum(self.weight(t) for t in shared) / own
            lexical = _f_beta(precision, recall, beta=1.5)
            fuzzy = fuzz.token_sort_ratio(joined, phrasing.joined) / 100.0
            score = 0.8 * lexical + 0.2 * fuzzy
            if score > best.get(phrasing.entry, -1.0):
                best[phrasing.entry] = score
            covered.setdefault(phrasing.entry, set()).update(shared)
        ranked = []
        for entry, score in best.items():
            # Words explained only by the entry's other phrasings still count, a little.
            union = sum(self.weight(t) for t in covered[entry]) / total
            final = min(1.0, 0.85 * score + 0.15 * union)
            ranked.append(Candidate(self._ids[entry], round(final, 4)))
        ranked.sort(key=lambda c: (-c.score, c.entry_id))
        return ranked[:limit]


def _idf(n: int, df: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _f_beta(precision: float, recall: float, beta: float) -> float:
    if precision <= 0 or recall <= 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall)

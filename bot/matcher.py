"""Rank FAQ entries for a question: BM25 finds candidates, coverage and fuzz score them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse

from bot.models import KnowledgeBase
from bot.termindex import TermIndex, idf

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
        index = self._index
        terms = set(self.analyzer.terms(question, repair=True))
        id_of = {t: index.term_ids[t] for t in terms if t in index.term_ids}
        if not id_of:
            return []
        top, scores = index.best(list(id_of.values()), self._candidates)
        ceiling = float(scores.max(initial=0.0))
        if ceiling <= 0:
            return []
        w = self.weights
        qw = {t: self.weight(t) for t in terms}
        by_id = {i: qw[t] for t, i in id_of.items()}
        total = sum(qw.values()) or 1.0
        joined = " ".join(sorted(terms))
        features: dict[int, _Features] = {}
        # Fetched for all candidates at once: numpy's per-item access is slow.
        found = zip(
            scores.tolist(),
            index.own[top].tolist(),
            index.entry_of[top].tolist(),
            index.starts[top].tolist(),
            index.starts[top + 1].tolist(),
            strict=True,
        )
        for bm25, own_weight, entry, start, end in found:
            if bm25 <= 0:
                continue
            own = index.ids[start:end].tolist()
            shared = [t for t in own if t in by_id]
            matched = sum(by_id[t] for t in shared)
            lexical = _f_beta(matched / own_weight, matched / total, beta=w.beta)
            other = " ".join(sorted([index.names[t] for t in own]))
            fuzzy = fuzz.token_sort_ratio(joined, other) / 100.0
            f = features.setdefault(entry, _Features())
            f.add(lexical, fuzzy, bm25 / ceiling, shared)
        ids = np.fromiter(features, dtype=np.int64, count=len(features))
        qvec = np.zeros(len(index.names), dtype=np.float32)
        for t, v in by_id.items():
            qvec[t] = v
        qnorm = math.sqrt(sum(v * v for v in qw.values())) or 1.0
        cosines = _rows_dot(index.centroids, ids, qvec) / qnorm
        # One informative word that many entries share ("border", "family") is not enough
        # to pick one of them: scale down by how specific that word is, so they are offered.
        informative = [t for t, v in qw.items() if v > 0]
        specific = 1.0
        if len(informative) == 1:
            specific = min(1.0, qw[informative[0]] / self._unknown_idf)
        ranked = []
        for entry, centroid in zip(ids.tolist(), cosines.tolist(), strict=True):
            f = features[entry]
            union = sum(by_id[t] for t in f.covered) / total
            support = sum(sorted(f.bm25s, reverse=True)[:3]) / 3
            final = (
                w.lexical * f.lexical
                + w.fuzzy * f.fuzzy
                + w.union * union
                # BM25 is relative to the best candidate; scaling by coverage keeps a
                # poor best candidate from scoring well merely for being first.
                + w.bm25 * max(f.bm25s) * union
                + w.support * support * union
                + w.centroid * centroid
            )
            final *= specific
            ranked.append(Candidate(self._ids[entry], round(min(1.0, max(0.0, final)), 4)))
        ranked.sort(key=lambda c: (-c.score, c.entry_id))
        return ranked[:limit]


@dataclass(slots=True)
class _Features:
    lexical: float = 0.0
    fuzzy: float = 0.0
    bm25s: list[float] = field(default_factory=list)
    covered: set[int] = field(default_factory=set)

    def add(self, lexical: float, fuzzy: float, bm25: float, shared: list[int]) -> None:
        self.lexical = max(self.lexical, lexical)
        self.fuzzy = max(self.fuzzy, fuzzy)
        self.bm25s.append(bm25)
        self.covered.update(shared)


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


def _rows_dot(matrix: sparse.csr_matrix, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Dot product of a few CSR rows with a dense vector, without scipy's slicing overhead."""
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[rows + 1] - starts
    offsets = np.cumsum(lengths) - lengths
    positions = np.arange(lengths.sum()) - np.repeat(offsets - starts, lengths)
    products = matrix.data[positions] * vector[matrix.indices[positions]]
    owner = np.repeat(np.arange(len(rows)), lengths)
    return np.bincount(owner, weights=products, minlength=len(rows))


def _f_beta(precision: float, recall: float, beta: float) -> float:
    if precision <= 0 or recall <= 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall)

"""The FAQ's phrasings as term ids in flat arrays: what the matcher searches.

A FAQ of 100,000 entries has half a million phrasings. Held as Python sets and strings
they took about 700 MB and a per-phrasing Python loop in bm25s took most of the build;
as numpy arrays and scipy sparse matrices the index is a few tens of MB and is built with
array operations. The scores are the same: each phrasing is a set of terms (every term
counts once), so BM25's term-frequency part reduces to the phrasing's length.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bot.analyzer import Analyzer
from bot.models import KnowledgeBase
from bot.text import words

__all__ = ["TermIndex", "idf", "sorted_words"]

# BM25 with Lucene's IDF, as bm25s computes it by default (k1 1.5, b 0.75).
_K1 = 1.5
_B = 0.75


def idf(n: int, df: int) -> float:
    """Lucene's BM25 IDF of a term in `df` of `n` documents (as bm25s computes it).

    math.log, not numpy's vectorised log, which may differ in the last bit on some CPUs.
    """
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


@dataclass(frozen=True, slots=True)
class TermIndex:
    """Every phrasing of every entry, as term ids.

    Attributes:
        analyzer: Maps text to terms (built from the FAQ's own words).
        term_ids: Term -> id.
        names: Id -> term.
        entry_of: For each phrasing, the index of its entry.
        starts: Phrasing p's term ids are `ids[starts[p]:starts[p + 1]]`.
        ids: The term ids of all phrasings, one after another.
        own: Each phrasing's total IDF weight (1.0 for a phrasing with no terms).
        idf: Each term's IDF over entries (how informative it is).
        postings: BM25 score of each (phrasing, term), one column per term.
        centroids: Row e is entry e's phrasings together, IDF-weighted, unit length.
        texts: Each phrasing's terms as one string, words sorted (what fuzzy matching
            compares).
        dense_postings: `postings` transposed and dense (one row per term), for a small FAQ.
        dense_centroids: `centroids` dense, for a small FAQ.
    """

    analyzer: Analyzer
    term_ids: dict[str, int]
    names: list[str]
    entry_of: np.ndarray
    starts: np.ndarray
    ids: np.ndarray
    own: np.ndarray
    idf: np.ndarray
    postings: sparse.csc_matrix
    centroids: sparse.csr_matrix
    texts: list[str]
    # On a FAQ of a few hundred phrasings, numpy's fixed cost per call outweighs the work:
    # dense copies answer with fewer calls (the same products; a sum of eight or more may
    # differ in its last bit, far below the scores' four decimals).
    dense_postings: np.ndarray | None = None
    dense_centroids: np.ndarray | None = None

    @classmethod
    def build(cls, kb: KnowledgeBase) -> TermIndex:
        """Index every phrasing of a knowledge base."""
        word_ids: dict[str, int] = {}
        flat: list[int] = []
        lengths: list[int] = []
        entry_of: list[int] = []
        for e, entry in enumerate(kb.entries):
            for text in entry.phrasings:
                said = words(text)
                flat.extend([word_ids.setdefault(w, len(word_ids)) for w in said])
                lengths.append(len(said))
                entry_of.append(e)
        analyzer = Analyzer(kb.synonyms, word_ids)
        phrasing, term, term_ids = _terms(analyzer, list(word_ids), flat, lengths)
        n_phrasings, n_terms = len(lengths), len(term_ids)
        entries = np.asarray(entry_of, dtype=np.int32)
        sizes = np.bincount(phrasing, minlength=n_phrasings)
        weights = _entry_idf(entries[phrasing], term, len(kb.entries), n_terms)
        own = np.bincount(phrasing, weights=weights[term], minlength=n_phrasings)
        own[own == 0] = 1.0
        names = list(term_ids)
        bounds = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        postings = _postings(phrasing, term, sizes, n_terms)
        centroids = _centroids(entries, phrasing, term, weights, len(kb.entries), n_terms)
        small = n_phrasings * n_terms <= _DENSE_CELLS
        return cls(
            analyzer=analyzer,
            term_ids=term_ids,
            names=names,
            entry_of=entries,
            starts=bounds,
            ids=term.astype(np.int32),
            own=own,
            idf=weights,
            postings=postings,
            centroids=centroids,
            texts=_texts(names, term.tolist(), bounds.tolist()),
            dense_postings=postings.T.toarray() if small else None,
            dense_centroids=centroids.toarray() if small else None,
        )

    def best(self, term_ids: list[int], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the k phrasings with the highest BM25 scores (all, if fewer), and the scores.

        Phrasings sharing no term with the question may be among them, scored 0.

        Args:
            term_ids: The question's terms that the FAQ knows.
            k: How many phrasings to return.

        Returns:
            Phrasing indices and their scores (float32), in no particular order.
        """
        # Scores are summed negated, so the partition needs no negated copy of the array.
        negated = np.zeros(self.postings.shape[0], dtype=np.float32)
        if self.dense_postings is not None:
            for t in term_ids:  # in the order given, as bm25s adds them
                negated -= self.dense_postings[t]
        else:
            indptr, rows, data = self.postings.indptr, self.postings.indices, self.postings.data
            for t in term_ids:
                span = slice(indptr[t], indptr[t + 1])
                np.subtract.at(negated, rows[span], data[span])
        k = min(k, len(negated))
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = np.argpartition(negated, k - 1)[:k]
        return top, -negated[top]

    def centroid_dot(
        self, entries: np.ndarray, asked: np.ndarray, term_ids: np.ndarray
    ) -> np.ndarray:
        """Return the dot product of some entries' centroids with a question's term weights.

        Args:
            entries: Entry indices.
            asked: The question's weight of every term (0 for terms it does not have).
            term_ids: The question's terms that the FAQ knows, ascending.
        """
        if self.dense_centroids is not None:
            # float32 products, as a float32 row times a float32 vector gives.
            block = self.dense_centroids[entries][:, term_ids]
            products = block * asked[term_ids].astype(np.float32)
            dot: np.ndarray = products.sum(axis=1, dtype=np.float64)
            return dot
        matrix = self.centroids
        starts = matrix.indptr[entries]
        lengths = matrix.indptr[entries + 1] - starts
        offsets = np.cumsum(lengths) - lengths
        positions = np.arange(lengths.sum()) - np.repeat(offsets - starts, lengths)
        products = matrix.data[positions] * asked[matrix.indices[positions]].astype(np.float32)
        owner = np.repeat(np.arange(len(entries)), lengths)
        return np.bincount(owner, weights=products, minlength=len(entries))


# Dense copies for FAQs up to this many phrasings times terms (4 MB each at most).
_DENSE_CELLS = 1_000_000


def sorted_words(terms: Iterable[str]) -> str:
    """Return terms as one string with its words sorted (a term may hold several words)."""
    return " ".join(sorted(" ".join(terms).split()))


def _texts(names: list[str], terms: list[int], bounds: list[int]) -> list[str]:
    return [sorted_words(names[t] for t in terms[a:b]) for a, b in itertools.pairwise(bounds)]


def _terms(
    analyzer: Analyzer, word_list: list[str], flat: list[int], lengths: list[int]
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Return (phrasing, term id) pairs, sorted and without repeats, and the term ids."""
    term_ids: dict[str, int] = {}
    # Most phrasings hold no synonym phrase of several words: their terms are worked out
    # once per distinct word. The others go through the analyzer's phrase matching.
    word_term = np.fromiter(
        (
            -1 if (t := analyzer.plain_term(w)) is None else term_ids.setdefault(t, len(term_ids))
            for w in word_list
        ),
        dtype=np.int64,
        count=len(word_list),
    )
    phrase_start = np.fromiter(
        (analyzer.may_start_phrase(w) for w in word_list), dtype=bool, count=len(word_list)
    )
    words_arr = np.asarray(flat, dtype=np.int64)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    special = np.zeros(len(lengths), dtype=bool)
    special[owner[phrase_start[words_arr]]] = True
    keep = ~special[owner] & (word_term[words_arr] >= 0)
    phrasing_parts = [owner[keep]]
    term_parts = [word_term[words_arr[keep]]]
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    for p in np.flatnonzero(special).tolist():
        raw = [word_list[w] for w in flat[bounds[p] : bounds[p + 1]]]
        found = [term_ids.setdefault(t, len(term_ids)) for t in analyzer.terms_of(raw)]
        phrasing_parts.append(np.full(len(found), p, dtype=np.int64))
        term_parts.append(np.asarray(found, dtype=np.int64))
    phrasing, term, _ = _unique_pairs(
        np.concatenate(phrasing_parts), np.concatenate(term_parts), len(term_ids)
    )
    # Ids were handed out per distinct word; a word seen only inside a phrase ("out" in
    # "get out") must stay unknown to the index, so only terms some phrasing has are kept.
    used, term = np.unique(term, return_inverse=True)
    names = list(term_ids)
    kept = {names[t]: i for i, t in enumerate(used.tolist())}
    return phrasing, term.astype(np.int64), kept


def _unique_pairs(
    rows: np.ndarray, cols: np.ndarray, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct (row, col) pairs, sorted by row then col, and how often each came."""
    width = max(n_cols, 1)
    keys, counts = np.unique(rows.astype(np.int64) * width + cols, return_counts=True)
    return keys // width, keys % width, counts


def _entry_idf(entry: np.ndarray, term: np.ndarray, n_entries: int, n_terms: int) -> np.ndarray:
    """IDF over entries: a term in every phrasing of one entry counts once."""
    _, terms, _ = _unique_pairs(entry, term, n_terms)
    df = np.bincount(terms, minlength=n_terms)
    n = max(n_entries, 1)
    return np.array([idf(n, d) for d in df.tolist()])


def _postings(
    phrasing: np.ndarray, term: np.ndarray, sizes: np.ndarray, n_terms: int
) -> sparse.csc_matrix:
    """BM25 scores per (phrasing, term), computed as bm25s does ("lucene", float32)."""
    n_docs = len(sizes)
    # bm25s indexes a phrasing without terms as one placeholder token: its length is 1.
    length = np.maximum(sizes, 1)
    average = length.mean() if n_docs else 1.0
    df = np.bincount(term, minlength=n_terms)
    weights = np.array([idf(n_docs, d) for d in df.tolist()], dtype=np.float32)
    tfc = 1.0 / (_K1 * ((1 - _B) + _B * length[phrasing] / average) + np.float32(1.0))
    scores = (weights[term] * tfc).astype(np.float32)
    return sparse.csc_matrix((scores, (phrasing, term)), shape=(n_docs, n_terms))


def _centroids(
    entries: np.ndarray,
    phrasing: np.ndarray,
    term: np.ndarray,
    weights: np.ndarray,
    n_entries: int,
    n_terms: int,
) -> sparse.csr_matrix:
    """Row e: how often each term is in e's phrasings, IDF-weighted, unit length."""
    rows, cols, counts = _unique_pairs(entries[phrasing], term, n_terms)
    size = np.bincount(entries, minlength=n_entries)
    values = counts / size[rows] * weights[cols]
    norm = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_entries))
    norm[norm == 0] = 1.0
    return sparse.csr_matrix(
        (values / norm[rows], (rows, cols)), shape=(n_entries, n_terms), dtype=np.float32
    )

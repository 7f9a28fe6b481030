"""The term index: the same terms and BM25 scores as the analyzer and bm25s give."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from bot.loader import load_knowledge
from bot.matcher import HybridMatcher
from bot.models import Entry, KnowledgeBase, Source, SourceRef, Topic
from bot.termindex import TermIndex
from bot.text import words
from knowledge import shipped_faq

ASKED = [
    ["leav", "countri"],
    ["border", "china", "guard"],
    ["~north_korea", "famili", "punish"],
    ["~informant"],
]


@pytest.fixture(scope="module")
def faq() -> KnowledgeBase:
    return load_knowledge(shipped_faq())


@pytest.fixture(scope="module")
def index(faq: KnowledgeBase) -> TermIndex:
    return TermIndex.build(faq)


def phrasings(kb: KnowledgeBase) -> list[str]:
    return [text for entry in kb.entries for text in entry.phrasings]


def test_each_phrasing_has_the_terms_the_analyzer_gives(
    faq: KnowledgeBase, index: TermIndex
) -> None:
    # Phrasings without a synonym phrase take a shortcut; both paths must agree.
    for p, text in enumerate(phrasings(faq)):
        own = index.ids[index.starts[p] : index.starts[p + 1]].tolist()
        expected = set(index.analyzer.terms_of(words(text)))
        assert {index.names[t] for t in own} == expected, text
        assert len(own) == len(expected)
        assert index.entry_of[p] == next(
            e for e, entry in enumerate(faq.entries) if text in entry.phrasings
        )


def small_faq() -> KnowledgeBase:
    return KnowledgeBase(
        (Source("s", "S"),),
        (Topic("t", "T", "T"),),
        (
            Entry("a", "t", "is it to be", "A.", (SourceRef("s"),), ("border guards",)),
            Entry("b", "t", "border crossing", "B.", (SourceRef("s"),), ("guards at the river",)),
            Entry("c", "t", "can people get out", "C.", (SourceRef("s"),), ("why flee",)),
        ),
        synonyms=(("leave", "get out", "flee"),),
    )


def bm25s_scores(index: TermIndex, asked: list[str]) -> np.ndarray:
    """The reference: bm25s over the same term sets (each term once per phrasing)."""
    docs = []
    vocab: dict[str, int] = {"": 0}
    for p in range(len(index.starts) - 1):
        own = sorted(index.names[t] for t in index.ids[index.starts[p] : index.starts[p + 1]])
        docs.append([vocab.setdefault(t, len(vocab)) for t in own] or [0])
    reference = bm25s.BM25()
    reference.index((docs, vocab), show_progress=False)
    scores: np.ndarray = reference.get_scores(asked)
    return scores


@pytest.mark.parametrize("asked", ASKED)
def test_bm25_scores_are_bm25s_scores(index: TermIndex, asked: list[str]) -> None:
    known = [t for t in asked if t in index.term_ids]
    assert known, asked
    expected = bm25s_scores(index, known)
    top, scores = index.best([index.term_ids[t] for t in known], k=len(expected))
    got = np.zeros(len(expected), dtype=np.float32)
    got[top] = scores
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("asked", [["guard"], ["border", "guard"], ["~leave", "peopl"]])
def test_bm25_scores_match_with_a_phrasing_of_only_stopwords(asked: list[str]) -> None:
    # bm25s counts a phrasing without terms as one token long; so must the index.
    index = TermIndex.build(small_faq())
    expected = bm25s_scores(index, asked)
    top, scores = index.best([index.term_ids[t] for t in asked], k=len(expected))
    got = np.zeros(len(expected), dtype=np.float32)
    got[top] = scores
    assert np.array_equal(got, expected)
    assert got.max() > 0


def test_best_returns_the_highest_scoring_phrasings(index: TermIndex) -> None:
    common = int(np.argmax(np.diff(index.postings.indptr)))  # the term most phrasings have
    top, scores = index.best([common], k=3)
    everything, all_scores = index.best([common], k=10_000)
    assert len(top) == 3 and scores.min() > 0
    assert sorted(scores.tolist(), reverse=True) == sorted(all_scores.tolist(), reverse=True)[:3]
    score_of = dict(zip(everything.tolist(), all_scores.tolist(), strict=True))
    assert [score_of[p] for p in top.tolist()] == scores.tolist()


def test_centroids_are_each_entrys_phrasings_averaged_and_unit_length() -> None:
    index = TermIndex.build(small_faq())
    for e in range(3):
        phrasings = np.flatnonzero(index.entry_of == e).tolist()
        counts: dict[int, int] = {}
        for p in phrasings:
            for t in index.ids[index.starts[p] : index.starts[p + 1]].tolist():
                counts[t] = counts.get(t, 0) + 1
        row = np.zeros(len(index.names))
        for t, c in counts.items():
            row[t] = c / len(phrasings) * index.idf[t]
        row /= np.linalg.norm(row) or 1.0
        assert np.allclose(index.centroids[e].toarray()[0], row, atol=1e-6)


def test_a_word_seen_only_inside_a_synonym_phrase_is_unknown_to_the_index() -> None:
    # "out" is only in "get out", which is the group's term: a question's "out" ("run out
    # of food") must weigh as the stopword it is, not as a word the FAQ never uses.
    index = TermIndex.build(small_faq())
    assert "out" not in index.term_ids and "get" not in index.term_ids
    assert "~leave" in index.term_ids
    assert set(index.names) == set(index.term_ids)
    assert all(np.diff(index.postings.indptr) > 0)
    assert HybridMatcher(small_faq()).weight("out") == 0.0


def test_a_phrasing_of_only_stopwords_has_no_terms_and_weight_one() -> None:
    index = TermIndex.build(small_faq())
    assert index.starts[1] - index.starts[0] == 0
    assert index.own[0] == 1.0
    assert index.centroids.shape == (3, len(index.names))
    # "border" is in two entries, so it tells them apart less than "cross" does.
    assert index.idf[index.term_ids["border"]] < index.idf[index.term_ids["cross"]]


def test_an_empty_faq_builds_an_empty_index() -> None:
    kb = KnowledgeBase((Source("s", "S"),), (Topic("t", "T", "T"),), ())
    index = TermIndex.build(kb)
    top, scores = index.best([], k=5)
    assert len(top) == 0 and len(scores) == 0


def test_each_phrasing_text_is_its_terms_with_words_sorted() -> None:
    index = TermIndex.build(small_faq())
    for p, text in enumerate(index.texts):
        terms = [index.names[t] for t in index.ids[index.starts[p] : index.starts[p + 1]]]
        assert text == " ".join(sorted(" ".join(terms).split()))
    assert index.texts[0] == ""  # the stopword-only phrasing

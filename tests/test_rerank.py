"""The semantic confirmation policy, on hand-made rankings and similarities (no model)."""

from __future__ import annotations

import math

import pytest

from bot.matcher import Candidate
from bot.reply import Outcome
from bot.rerank import SemanticThresholds, rerank

T = SemanticThresholds(confirm=0.6, lead=0.05, rescue=0.8, veto=0.3, pool=3)
SUGGEST = 0.3
BLOCK = "~out-of-scope-0"


def ranked(*pairs: tuple[str, float]) -> list[Candidate]:
    return [Candidate(e, s) for e, s in pairs]


@pytest.mark.parametrize(
    ("outcome", "ranking", "similarity", "expect_outcome", "expect_ids"),
    [
        # A suggestion the embedding puts clearly closest of the whole FAQ is answered.
        (
            Outcome.SUGGEST,
            ranked(("a", 0.4), ("b", 0.35)),
            {"a": 0.5, "b": 0.75, "c": 0.2, BLOCK: 0.1},
            Outcome.ANSWER,
            ["b"],
        ),
        # Confident but without a lead over another entry: still offered, in blended order
        # (b's cosine is 0.03 ahead, a's lexical score 0.05: a first at blend 1.5) ...
        (
            Outcome.SUGGEST,
            ranked(("a", 0.4), ("b", 0.35)),
            {"a": 0.72, "b": 0.75, "c": 0.2},
            Outcome.SUGGEST,
            ["a", "b"],
        ),
        # ... and a cosine far enough ahead puts b first.
        (
            Outcome.SUGGEST,
            ranked(("a", 0.4), ("b", 0.35)),
            {"a": 0.6, "b": 0.64, "c": 0.2},
            Outcome.SUGGEST,
            ["b", "a"],
        ),
        # Closest of the candidates but an out-of-scope block is closer: not answered.
        (
            Outcome.SUGGEST,
            ranked(("a", 0.4)),
            {"a": 0.7, BLOCK: 0.9},
            Outcome.SUGGEST,
            ["a"],
        ),
        # Close, but not close enough to answer.
        (
            Outcome.SUGGEST,
            ranked(("a", 0.4), ("b", 0.35)),
            {"a": 0.55, "b": 0.3},
            Outcome.SUGGEST,
            ["a", "b"],
        ),
        # The closest entry is not among the lexical candidates: the embedding only chooses
        # between candidates, it does not bring new ones.
        (
            Outcome.SUGGEST,
            ranked(("a", 0.4)),
            {"a": 0.5, "z": 0.9},
            Outcome.SUGGEST,
            ["a"],
        ),
        # A refusal is answered only at the (higher) rescue level.
        (Outcome.NONE, ranked(("a", 0.2)), {"a": 0.7, "b": 0.1}, Outcome.NONE, []),
        (Outcome.NONE, ranked(("a", 0.2)), {"a": 0.85, "b": 0.1}, Outcome.ANSWER, ["a"]),
        # An answer the embedding finds far from the question is only offered.
        (
            Outcome.ANSWER,
            ranked(("a", 0.6), ("b", 0.35), ("c", 0.1)),
            {"a": 0.2, "b": 0.25, "c": 0.1},
            Outcome.SUGGEST,
            ["a", "b"],
        ),
        # An answer it finds near enough stays.
        (Outcome.ANSWER, ranked(("a", 0.6)), {"a": 0.45}, Outcome.ANSWER, ["a"]),
        # No similarities (nothing embedded): the lexical decision stands.
        (Outcome.SUGGEST, ranked(("a", 0.4), ("b", 0.35)), {}, Outcome.SUGGEST, ["a", "b"]),
    ],
)
def test_rerank(
    outcome: Outcome,
    ranking: list[Candidate],
    similarity: dict[str, float],
    expect_outcome: Outcome,
    expect_ids: list[str],
) -> None:
    chosen = [c for c in ranking if c.score >= SUGGEST] if outcome is not Outcome.ANSWER else []
    if outcome is Outcome.ANSWER:
        chosen = ranking[:1]
    got, candidates = rerank(outcome, chosen, ranking, similarity, T, SUGGEST, novelty=0.0)
    assert got is expect_outcome
    assert [c.entry_id for c in candidates] == expect_ids


def test_pool_limits_what_the_embedding_may_choose() -> None:
    ranking = ranked(("a", 0.45), ("b", 0.4), ("c", 0.35))
    similarity = {"a": 0.3, "b": 0.2, "c": 0.9}
    narrow = SemanticThresholds(confirm=0.6, lead=0.05, rescue=0.8, veto=0.3, pool=2)
    outcome, _ = rerank(Outcome.SUGGEST, ranking, ranking, similarity, narrow, SUGGEST, novelty=0.0)
    assert outcome is Outcome.SUGGEST
    outcome, chosen = rerank(Outcome.SUGGEST, ranking, ranking, similarity, T, SUGGEST, novelty=0.0)
    assert (outcome, chosen[0].entry_id) == (Outcome.ANSWER, "c")


@pytest.mark.parametrize(
    ("novelty", "limit", "expect"),
    [
        (0.0, 0.0, Outcome.ANSWER),  # every word is the FAQ's own
        (0.25, 0.0, Outcome.SUGGEST),  # "is kim jong un married": "married" is new
        (0.5, 0.5, Outcome.ANSWER),
        (0.75, 0.5, Outcome.SUGGEST),
    ],
)
def test_words_the_faq_never_uses_keep_the_embedding_from_answering(
    novelty: float, limit: float, expect: Outcome
) -> None:
    ranking = ranked(("a", 0.4), ("b", 0.35))
    similarity = {"a": 0.9, "b": 0.3}
    gate = SemanticThresholds(confirm=0.6, lead=0.05, rescue=0.8, veto=0.3, pool=3, novel=limit)
    outcome, chosen = rerank(
        Outcome.SUGGEST, ranking, ranking, similarity, gate, SUGGEST, novelty=novelty
    )
    assert outcome is expect
    assert chosen[0].entry_id == "a"


def test_new_words_do_not_stop_the_embedding_from_doubting_an_answer() -> None:
    ranking = ranked(("a", 0.6), ("b", 0.35))
    outcome, _ = rerank(Outcome.ANSWER, ranking[:1], ranking, {"a": 0.1}, T, SUGGEST, novelty=1.0)
    assert outcome is Outcome.SUGGEST


@pytest.mark.parametrize(
    ("similarity", "swap", "expect"),
    [
        # Lexically a twin of a, in meaning clearly b: b is answered.
        ({"a": 0.5, "b": 0.8, "c": 0.1}, 0.05, "b"),
        # Not far enough ahead (0.6 + 1.5*0.7 against 0.55 + 1.5*0.72): a stays.
        ({"a": 0.7, "b": 0.72, "c": 0.1}, 0.05, "a"),
        # Exactly `swap` ahead is enough.
        ({"a": 0.5625, "b": 0.6, "c": 0.1}, (0.55 + 1.5 * 0.6) - (0.6 + 1.5 * 0.5625), "b"),
        # Swapping switched off.
        ({"a": 0.5, "b": 0.8, "c": 0.1}, math.inf, "a"),
        # c has the highest cosine, b the highest blend (0.55 + 1.5*0.8 > 0.2 + 1.5*0.85).
        ({"a": 0.5, "b": 0.8, "c": 0.85}, 0.05, "b"),
        # An out-of-scope block is never answered, however close ...
        ({"a": 0.5, "b": 0.3, "c": 0.1, BLOCK: 0.95}, 0.05, "a"),
        # ... and one closer to the question than the rival keeps the lexical answer.
        ({"a": 0.5, "b": 0.8, "c": 0.1, BLOCK: 0.85}, 0.05, "a"),
        # An entry the lexical matcher did not rank is never answered by a swap.
        ({"a": 0.5, "b": 0.3, "c": 0.1, "z": 0.99}, 0.05, "a"),
    ],
)
def test_an_answer_goes_to_the_candidate_both_signals_prefer(
    similarity: dict[str, float], swap: float, expect: str
) -> None:
    ranking = ranked(("a", 0.6), ("b", 0.55), ("c", 0.2))
    thresholds = SemanticThresholds(veto=0.3, blend=1.5, swap=swap)
    outcome, chosen = rerank(
        Outcome.ANSWER, ranking[:1], ranking, similarity, thresholds, SUGGEST, novelty=0.0
    )
    assert (outcome, [c.entry_id for c in chosen]) == (Outcome.ANSWER, [expect])
    # The reply carries the answered entry's own lexical score.
    assert chosen[0].score == {"a": 0.6, "b": 0.55}[expect]


def test_a_suggestion_is_answered_only_when_the_best_blended_candidate_is_closest() -> None:
    # b is closest (0.66, a lead of 0.06) but a blends higher (0.45 + 1.5*0.6 against
    # 0.3 + 1.5*0.66): a is the candidate, and it is not closest, so both stay offered.
    ranking = ranked(("a", 0.45), ("b", 0.3))
    similarity = {"a": 0.6, "b": 0.66, "c": 0.1}
    outcome, chosen = rerank(Outcome.SUGGEST, ranking, ranking, similarity, T, SUGGEST, novelty=0.0)
    assert (outcome, [c.entry_id for c in chosen]) == (Outcome.SUGGEST, ["a", "b"])

"""The safety check's third layer: a small classifier learned from the FAQ's own examples.

The rules in `bot.safety_rules` are transparent but only catch the wordings someone thought
of. This layer learns from examples instead: the safety block's `triggers` (messages that
must get the safety reply) against its `not_triggers` (questions that must keep their
factual answers) and every phrasing of the FAQ's entries and out-of-scope groups. Moderators
teach it by adding examples to the FAQ file; it is retrained whenever the FAQ is loaded.

Character n-grams carry it across misspellings and Korean; word pairs carry phrasing.
`C` and `THRESHOLD` were chosen by leave-one-writer-out cross-validation on three
independently written probe sets (see docs/benchmarks.md), never on the held-out fourth.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline

__all__ = ["THRESHOLD", "C", "SafetyModel"]

C = 10.0
THRESHOLD = 0.55


class SafetyModel:
    """A logistic regression over TF-IDF character and word n-grams."""

    def __init__(
        self,
        at_risk: Sequence[str],
        safe: Sequence[str],
        normalize: Callable[[str], str],
    ) -> None:
        """Train on examples (CPU-bound, about a second: build it off the event loop).

        Args:
            at_risk: Messages that must get the safety reply.
            safe: Messages that must not.
            normalize: The safety check's normalisation (typos, txt-speak) of a message.
        """
        self._normalize = normalize
        trained = _train(tuple(at_risk), tuple(safe), normalize)
        self._pipeline: Pipeline | None = trained[0]
        self._scorer: _LinearScorer | None = trained[1]

    def probability(self, text: str, normalized: str | None = None) -> float:
        """How likely the message is to need the safety reply, in [0, 1].

        Args:
            text: The message.
            normalized: The safety check's normalisation of it, if already worked out.
        """
        if self._scorer is None:
            return 0.0
        plain = self._normalize(text) if normalized is None else normalized
        return self._scorer.probability(_features(text, plain))

    def probability_by_pipeline(self, text: str) -> float:
        """Return the same probability through scikit-learn's predict_proba (for checks)."""
        if self._pipeline is None:
            return 0.0
        features = _features(text, self._normalize(text))
        return float(self._pipeline.predict_proba([features])[0, 1])

    def __call__(self, text: str, normalized: str | None = None) -> bool:
        """Whether the message needs the safety reply by this layer's threshold."""
        return self.probability(text, normalized) >= THRESHOLD


# Below this many n-grams a Python loop is quicker than numpy's fixed cost per call.
_FEW = 128


class _LinearScorer:
    """The fitted pipeline's arithmetic for one message, without scikit-learn's overhead.

    `predict_proba` on one short message spent about 8 ms in input validation and joblib
    dispatch around a few hundred multiplications, and every question pays it. The model
    is linear over l2-normalised, sublinear TF-IDF blocks, so the score is, per vectorizer,
    sum((1 + log count) * idf * weight) / norm, plus the intercept, through a sigmoid.
    tests/test_safety_model.py checks it against `predict_proba`.
    """

    def __init__(self, pipeline: Pipeline, vocabulary: frozenset[str]) -> None:
        union, model = pipeline.steps[0][1], pipeline.steps[-1][1]
        coef = model.coef_[0]
        self._intercept = float(model.intercept_[0])
        self._blocks: list[_Block] = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            size = len(vectorizer.vocabulary_)
            self._blocks.append(_Block(vectorizer, coef[offset : offset + size], vocabulary))
            offset += size

    def probability(self, features: str) -> float:
        score = self._intercept + sum(block.score(features) for block in self._blocks)
        return 1.0 / (1.0 + math.exp(-score))


class _Block:
    """One vectorizer's share of the score: its n-grams' columns, IDF and weights."""

    def __init__(
        self, vectorizer: TfidfVectorizer, coef: np.ndarray, vocabulary: frozenset[str]
    ) -> None:
        self._analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self._column: dict[str, int] = vectorizer.vocabulary_
        idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self._idf_weight = idf * coef
        self._idf_squared = idf * idf
        self._idf_weight_list: list[float] = self._idf_weight.tolist()
        self._idf_squared_list: list[float] = self._idf_squared.tolist()
        # char_wb n-grams never cross a space, so a message's n-grams are its words' n-grams
        # one after another. The words of the training examples are analysed once here;
        # other words each time, so no word only a user typed outlives the reply.
        self._per_word = vectorizer.analyzer == "char_wb"
        self._known: dict[str, tuple[int, ...]] = (
            {word: self._columns(word) for word in vocabulary} if self._per_word else {}
        )

    def _columns(self, text: str) -> tuple[int, ...]:
        column = self._column
        return tuple([column[g] for g in self._analyze(text) if g in column])

    def score(self, features: str) -> float:
        if self._per_word:
            known, analyze = self._known, self._columns
            columns = list(
                chain.from_iterable(known.get(w) or analyze(w) for w in features.split())
            )
        else:
            columns = list(self._columns(features))
        if not columns:
            return 0.0
        if len(columns) < _FEW:
            dot = norm = 0.0
            for column, count in Counter(columns).items():
                value = 1.0 + math.log(count)
                dot += value * self._idf_weight_list[column]
                norm += value * value * self._idf_squared_list[column]
            return dot / math.sqrt(norm)
        found, counts = np.unique(np.asarray(columns, dtype=np.int64), return_counts=True)
        values = 1.0 + np.log(counts)
        norm = float(np.dot(values * values, self._idf_squared[found]))
        return float(np.dot(values, self._idf_weight[found])) / math.sqrt(norm)


def _features(text: str, normalized: str) -> str:
    # The repaired words and the text as typed: both carry signal.
    return f"{normalized} {text.casefold()}"


@lru_cache(maxsize=4)
def _train(
    at_risk: tuple[str, ...], safe: tuple[str, ...], normalize: Callable[[str], str]
) -> tuple[Pipeline, _LinearScorer] | tuple[None, None]:
    """Fit the pipeline and its scorer; cached, so reloading an unchanged FAQ costs nothing."""
    if not at_risk or not safe:
        return None, None
    # Imported here: scikit-learn (and the scipy.stats it pulls in) takes over a second to
    # import, which commands that never train the model (report without a FAQ, validate,
    # migrate, purge, doctor, init) need not pay.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union
    from threadpoolctl import threadpool_limits

    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
    )
    pipeline = make_pipeline(
        features, LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
    )
    texts = [_features(t, normalize(t)) for t in (*at_risk, *safe)]
    # One BLAS thread: this model is small, and the solver's many tiny dot products spent
    # more time waking BLAS threads than computing (a fresh process trained in 1.9 s
    # instead of 0.7 s on two cores).
    with threadpool_limits(limits=1):
        pipeline.fit(texts, [1] * len(at_risk) + [0] * len(safe))
    return pipeline, _LinearScorer(pipeline, frozenset(w for t in texts for w in t.split()))

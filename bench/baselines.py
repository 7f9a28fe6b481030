"""The two baselines, run on the same FAQ: rapidfuzz WRatio and bm25s over all phrasings."""

from __future__ import annotations

import bm25s
import numpy as np
import Stemmer
from rapidfuzz import fuzz, process, utils

from bot.matcher import Candidate
from bot.models import KnowledgeBase


def _dedupe(pairs: list[tuple[str, float]], limit: int) -> list[Candidate]:
    seen: dict[str, float] = {}
    for entry_id, score in pairs:
        if entry_id not in seen:
            seen[entry_id] = score
            if len(seen) == limit:
                break
    return [Candidate(e, s) for e, s in seen.items()]


class FuzzBaseline:
    """rapidfuzz WRatio over every phrasing; the best phrasing's entry wins."""

    name = "rapidfuzz WRatio"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.owner = [e.id for e in kb.entries for _ in e.phrasings]
        self.texts = [utils.default_process(p) for e in kb.entries for p in e.phrasings]

    def rank(self, question: str, limit: int = 10) -> list[Candidate]:
        hits = process.extract(
            utils.default_process(question),
            self.texts,
            scorer=fuzz.WRatio,
            processor=None,
            limit=limit * 8,
        )
        return _dedupe([(self.owner[i], s / 100.0) for _, s, i in hits], limit)


class BM25Baseline:
    """bm25s over every phrasing (English stopwords, Snowball stems)."""

    name = "bm25s"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.stemmer = Stemmer.Stemmer("english")
        self.owner = [e.id for e in kb.entries for _ in e.phrasings]
        texts = [p for e in kb.entries for p in e.phrasings]
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False)
        self.model = bm25s.BM25()
        self.model.index(tokens, show_progress=False)
        self.vocab = self.model.vocab_dict

    def rank(self, question: str, limit: int = 10) -> list[Candidate]:
        tokens = bm25s.tokenize(
            [question], stopwords="en", stemmer=self.stemmer, show_progress=False, return_ids=False
        )[0]
        known = [t for t in tokens if t in self.vocab]
        if not known:
            return []
        scores = self.model.get_scores(known)
        k = min(limit * 8, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return _dedupe([(self.owner[i], float(scores[i])) for i in top if scores[i] > 0], limit)

"""Synthetic FAQs of any size for the scale benchmark (deterministic, no data files)."""

from __future__ import annotations

import itertools
import random

from bot.models import Entry, KnowledgeBase, Source, SourceRef, Topic

SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
FILLER = ["how", "why", "what", "can", "do", "is", "the", "a", "to", "of", "in", "my", "i", "you"]


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def synthetic_kb(
    entries: int, phrasings: int = 5, seed: int = 7
) -> tuple[KnowledgeBase, list[tuple[str, str]]]:
    """Return a FAQ of `entries` entries with `phrasings` phrasings each, and test queries.

    Each entry has 3-4 topic words drawn from a Zipf-like vocabulary; its phrasings mix
    them with filler words. Queries reuse an entry's topic words in a new order plus one
    misspelt word, so they are not copies of any phrasing.
    """
    rng = random.Random(seed)
    vocab = vocabulary(max(2000, entries // 2), rng)
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(len(vocab))))
    out: list[Entry] = []
    queries: list[tuple[str, str]] = []
    for i in range(entries):
        topic_words = rng.choices(vocab, cum_weights=cumulative, k=4)
        texts = []
        for _ in range(phrasings):
            chosen = rng.sample(topic_words, 3) + rng.sample(FILLER, 3)
            rng.shuffle(chosen)
            texts.append(" ".join(chosen))
        entry_id = f"e{i}"
        out.append(
            Entry(entry_id, "t", texts[0], f"answer {i}", (SourceRef("s"),), tuple(texts[1:]))
        )
        if i % max(1, entries // 1000) == 0:
            q = topic_words[:]
            rng.shuffle(q)
            q[0] = q[0][:-1] + ("x" if q[0][-1] != "x" else "y")
            queries.append(("what " + " ".join(q), entry_id))
    kb = KnowledgeBase((Source("s", "Synthetic"),), (Topic("t", "T", "T"),), tuple(out))
    return kb, queries

"""Who gets the safety reply: people who may be at risk, or who ask for operational help.

Two layers, both deliberately transparent:

1. Rules, a named table in `bot.safety_rules`: a first-person intent to leave ("i want to
   escape", "how do i get out", "my brother wants to defect"), saying one lives in North
   Korea, and operational requests whoever asks (best routes, where to cross, finding or
   paying brokers, bribes, hiding, fake papers, getting a relative out). Korean has rules of
   its own.
2. The moderators' trigger phrasings from the FAQ file, matched fuzzily.

Third-person questions ("how do people escape", "what do brokers do", "why is crossing
dangerous") match no rule and keep their factual answers. "leave" or "escape" count only
with a North Korea context or on their own ("i want to leave"), so "how do i leave a
telegram group" is not caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from bot.safety_rules import (
    ALIASES,
    FIRST_PERSON,
    HANGUL,
    KO_CONTEXT,
    KO_ESCAPE,
    KO_MOVE,
    KO_SELF,
    NK_CONTEXT,
    RULES,
    VISITOR,
    VOCABULARY,
)
from bot.text import words

__all__ = ["SafetyCheck"]


class SafetyCheck:
    """Decides whether a question gets the safety reply."""

    def __init__(self, triggers: Iterable[str]) -> None:
        """Prepare the moderators' trigger phrasings (any language) for fuzzy matching."""
        listed = list(triggers)
        self._english = [_normalize(t) for t in listed if not HANGUL.search(t)]
        self._korean = [re.sub(r"\s+", "", t) for t in listed if HANGUL.search(t)]

    def reason(self, text: str) -> str | None:
        """Return why a question gets the safety reply (a rule's name), or None."""
        if HANGUL.search(text):
            korean = self._korean_reason(text)
            if korean is not None:
                return korean
        plain = _normalize(text)
        if not plain:
            return None
        nk = NK_CONTEXT.search(plain) is not None
        visitor = VISITOR.search(plain) is not None
        for rule in RULES:
            if rule.applies(plain, nk=nk, visitor=visitor):
                return rule.name
        # "how do i escape" is listed, "how do people escape" must not match it: a phrasing
        # in the first person only matches questions in the first person.
        first = FIRST_PERSON.search(plain) is not None
        listed = [t for t in self._english if first or not FIRST_PERSON.search(t)]
        if process.extractOne(plain, listed, scorer=fuzz.ratio, score_cutoff=90):
            return "listed phrasing"
        return None

    def _korean_reason(self, text: str) -> str | None:
        if KO_ESCAPE.search(text) or KO_SELF.search(text):
            return "Korean: escape words"
        if KO_MOVE.search(text) and KO_CONTEXT.search(text):
            return "Korean: leaving words"
        squashed = re.sub(r"\s+", "", text)
        if process.extractOne(squashed, self._korean, scorer=fuzz.ratio, score_cutoff=80):
            return "listed phrasing"
        return None


def _normalize(text: str) -> str:
    """Lower-case words, contractions expanded, txt-speak and typos of key words repaired."""
    out: list[str] = []
    for word in words(text):
        word = ALIASES.get(word, word)
        if len(word) >= 5 and word.isalpha() and word not in VOCABULARY:
            # One slip in a short word, two in a long one; typos rarely hit the first letter.
            limit = 1 if len(word) <= 6 else 2
            choices = [v for v in VOCABULARY if v[0] == word[0]]
            best = process.extractOne(
                word, choices, scorer=DamerauLevenshtein.distance, score_cutoff=limit
            )
            word = best[0] if best else word
        out.append(word)
    return " ".join(out)

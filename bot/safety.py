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
from itertools import groupby
from operator import itemgetter

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from bot.safety_model import SafetyModel
from bot.safety_rules import (
    ALIASES,
    ANY_RULE,
    EDUCATIONAL,
    FIRST_PERSON,
    GUIDANCE,
    HANGUL,
    KO_CONTEXT,
    KO_EDUCATIONAL,
    KO_ESCAPE,
    KO_MOVE,
    KO_OPERATIONAL,
    KO_PERSON,
    KO_REQUEST,
    KO_SELF,
    NK_CONTEXT,
    OPERATIONAL,
    RULES,
    SITUATION,
    STRONG,
    VISITOR,
    VOCABULARY,
)
from bot.text import words

# An escape from North Korea is in the picture even when the country is not named (a bare
# "escape" is not enough: "how do i escape a bad relationship").
NK_ESCAPE = re.compile(
    r"\b(?:defect(?!or)\w*|smuggl\w*|broker\w*|border|river|tumen|yalu|china|"
    r"chinese|shenyang|yanji|dandong|seoul|south korea|laos|thailand|bangkok|bkk|mongolia|"
    r"vietnam|russia|sent back|repatriat\w*)\b"
)

# Words that put a message near an escape even without naming North Korea ("can dogs smell
# through wet clothes? crossing soon"); "passport", "money" or "escape" alone do not.
_ESCAPE_CUES = re.compile(
    r"\b(?:border\w*|rivers?|riverbank|fences?|wire|patrol\w*|crossing\w*|crossin|mines|"
    r"landmines?|dogs?|minders?|dormitory|broker\w*|smuggl\w*|defect\w*|tumen|yalu|sent back|"
    r"send \w+ back|repatriat\w*|checkpoints?|the north|over there)\b"
)

__all__ = ["SafetyCheck"]


class SafetyCheck:
    """Decides whether a question gets the safety reply."""

    def __init__(
        self, triggers: Iterable[str], *, learned_from: Iterable[str] | None = None
    ) -> None:
        """Prepare the checks.

        Args:
            triggers: Messages that must get the safety reply (any language): matched
                fuzzily, and the positive examples of the learned layer.
            learned_from: Messages that must not (the FAQ's phrasings, its `not_triggers`).
                None leaves the learned layer out (the loader's check of the FAQ's own
                phrasings uses the transparent layers only).
        """
        listed = list(triggers)
        self._english = [_normalize(t) for t in listed if not HANGUL.search(t)]
        # Those not in the first person, worked out once rather than at every question.
        self._impersonal = [t for t in self._english if not FIRST_PERSON.search(t)]
        self._korean = [re.sub(r"\s+", "", t) for t in listed if HANGUL.search(t)]
        self._model = (
            SafetyModel(listed, list(learned_from), _normalize)
            if learned_from is not None
            else None
        )

    @property
    def model(self) -> SafetyModel | None:
        """The learned layer (None when it was left out)."""
        return self._model

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
        # "why is the chinese border easier to cross" asks for a reason, not for help.
        asks_why = plain.startswith("why ") and not FIRST_PERSON.search(plain)
        for rule in () if asks_why or not ANY_RULE.search(plain) else RULES:
            if rule.applies(plain, nk=nk, visitor=visitor):
                return rule.name
        guidance = _guidance(plain, nk=nk, visitor=visitor)
        if guidance is not None:
            return guidance
        # "how do i escape" is listed, "how do people escape" must not match it: a phrasing
        # in the first person only matches questions in the first person.
        listed = self._english if FIRST_PERSON.search(plain) else self._impersonal
        if process.extractOne(plain, listed, scorer=fuzz.ratio, score_cutoff=90):
            return "listed phrasing"
        if (
            self._model is not None
            and _in_scope_of_model(text, plain)
            and self._model(text, normalized=plain)
        ):
            return "like the at-risk examples"
        return None

    def _korean_reason(self, text: str) -> str | None:
        if KO_SELF.search(text):
            return "Korean: says they are in North Korea"
        person = KO_PERSON.search(text) is not None
        learning = KO_EDUCATIONAL.search(text) is not None and not person
        escaping = KO_ESCAPE.search(text) or (KO_MOVE.search(text) and KO_CONTEXT.search(text))
        if escaping and (person or not learning):
            return "Korean: escape words"
        if KO_REQUEST.search(text) and KO_OPERATIONAL.search(text) and not learning:
            return "Korean: asks for practical help"
        squashed = re.sub(r"\s+", "", text)
        if process.extractOne(squashed, self._korean, scorer=fuzz.ratio, score_cutoff=80):
            return "listed phrasing"
        return None


def _in_scope_of_model(text: str, plain: str) -> bool:
    """Where the learned layer may speak: about leaving North Korea, and not as a visitor.

    Examples teach it what at-risk messages look like, not what the rest of the world's
    questions look like, so "how do i cross the street" must not reach it.
    """
    if HANGUL.search(text):
        person = KO_PERSON.search(text) is not None
        asks = KO_REQUEST.search(text) is not None or person
        near = KO_OPERATIONAL.search(text) is not None or person
        return asks and near and (person or not KO_EDUCATIONAL.search(text))
    if VISITOR.search(plain):
        return False
    return any(p.search(plain) is not None for p in (NK_CONTEXT, SITUATION, _ESCAPE_CUES))


def _guidance(plain: str, *, nk: bool, visitor: bool) -> str | None:
    """Apply the second layer: a request for guidance on an operational subject."""
    if visitor or not OPERATIONAL.search(plain):
        return None
    situation = SITUATION.search(plain) is not None
    if situation and (nk or FIRST_PERSON.search(plain)):
        return "describes being at risk"
    if not nk and not NK_ESCAPE.search(plain):
        return None
    if GUIDANCE.search(plain) and (STRONG.search(plain) or not EDUCATIONAL.search(plain)):
        return "asks for practical guidance"
    return None


# The repair compares a word with the vocabulary words of its first letter only, sorted:
# in the set's own order a tie went whichever way the process's hash seed put the words
# ("browser" became "brother" in one run and "broker" in the next).
_BY_INITIAL: dict[str, tuple[str, ...]] = {
    initial: tuple(group) for initial, group in groupby(sorted(VOCABULARY), key=itemgetter(0))
}


# Words the repair would take for typos of the vocabulary: "beijing" is two slips from
# "bribing" (a tourist's "a travel agency in Beijing" fired the bribes rule).
_NOT_TYPOS = frozenset({"beijing"})


def _normalize(text: str) -> str:
    """Lower-case words, contractions expanded, txt-speak and typos of key words repaired."""
    return " ".join([_repair(ALIASES.get(word, word)) for word in words(text)])


def _repair(word: str) -> str:
    """Return a typo of a vocabulary word repaired, and any other word as it is."""
    if len(word) < 5 or not word.isalpha() or word in VOCABULARY or word in _NOT_TYPOS:
        return word
    # One slip in a short word, two in a long one; typos rarely hit the first letter.
    limit = 1 if len(word) <= 6 else 2
    choices = _BY_INITIAL.get(word[0], ())
    best = process.extractOne(word, choices, scorer=DamerauLevenshtein.distance, score_cutoff=limit)
    return best[0] if best else word

"""Turn text into matching terms: words, typo repair, stems, synonym groups, no stopwords."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz, process

from bot.text import FILLER_STEMS, FUNCTION_WORDS, STOPWORDS, stem, words

__all__ = ["Analyzer"]

_MAX_PHRASE = 5


class Analyzer:
    """Maps text to terms the same way for FAQ phrasings and for questions.

    Synonym groups collapse to one term (named after the group's first phrase), so
    "dprk", "nk" and "north korea" count as the same evidence. Misspelt question
    words are repaired against the FAQ's own vocabulary.
    """

    def __init__(self, synonyms: Iterable[Sequence[str]], vocabulary: Iterable[str]) -> None:
        """Build the analyzer.

        Args:
            synonyms: Groups of phrases that mean the same thing.
            vocabulary: Every word of the FAQ's phrasings (what typos are repaired to).
        """
        self._phrases: dict[tuple[str, ...], str] = {}
        known: set[str] = set(vocabulary)
        for group in synonyms:
            # Named by the unstemmed first phrase: stems collide ("informant", "information").
            canonical = "~" + "_".join(words(group[0]))
            for phrase in group:
                tokens = words(phrase)
                known.update(tokens)
                key = tuple(stem(w) for w in tokens)
                if key:
                    self._phrases.setdefault(key, canonical)
        self._long_starts = frozenset(key[0] for key in self._phrases if len(key) > 1)
        self._known = frozenset(known)
        self._known_stems = frozenset(stem(w) for w in known)
        # Typos rarely hit the first letter: searching only words with the same first letter
        # keeps repair fast on FAQs with a large vocabulary.
        self._spellable: dict[str, list[str]] = {}
        for w in sorted(known):
            if len(w) >= 4 and w.isalpha():
                self._spellable.setdefault(w[0], []).append(w)
        self._longest = min(_MAX_PHRASE, max((len(k) for k in self._phrases), default=1))
        self.filler_terms = FILLER_STEMS

    def terms(self, text: str, *, repair: bool = False) -> list[str]:
        """Return the matching terms of a text, in order.

        Args:
            text: A phrasing or a question.
            repair: Correct words unknown to the FAQ (for questions, not for the FAQ itself).
        """
        raw = words(text)
        if repair:
            raw = [self._correct(w) for w in raw]
        return self.terms_of(raw)

    def terms_of(self, raw: Sequence[str]) -> list[str]:
        """Return the matching terms of already split words (see `bot.text.words`)."""
        stems = [stem(w) for w in raw]
        out: list[str] = []
        i = 0
        while i < len(stems):
            if stems[i] in self._long_starts:
                for size in range(min(self._longest, len(stems) - i), 1, -1):
                    canonical = self._phrases.get(tuple(stems[i : i + size]))
                    if canonical is not None:
                        out.append(canonical)
                        i += size
                        break
                else:
                    canonical = None
                if canonical is not None:
                    continue
            term = self.plain_term(raw[i])
            if term is not None:
                out.append(term)
            i += 1
        return out

    def plain_term(self, word: str) -> str | None:
        """Return a word's term where it starts no synonym phrase of several words.

        That is its synonym group's term, else its stem; None for a function word or a
        single character.
        """
        canonical = self._phrases.get((stem(word),))
        if canonical is not None:
            return canonical
        return None if word in FUNCTION_WORDS or len(word) <= 1 else stem(word)

    def may_start_phrase(self, word: str) -> bool:
        """Tell whether a word may begin a synonym phrase of several words."""
        return stem(word) in self._long_starts

    def _correct(self, word: str) -> str:
        if word in self._known or word in STOPWORDS or len(word) < 4 or not word.isalpha():
            return word
        if stem(word) in self._known_stems:  # "snitches" is a form of "snitch", not a typo
            return word
        # Two neighbouring letters swapped ("nroth") is the commonest slip, and the ratio
        # below counts it as two edits: too many for a five-letter word (longer words pass
        # it). Four-letter swaps are real words too often ("form", "dose"), and typos rarely
        # hit the first letter.
        for i in range(1, len(word) - 1) if len(word) == 5 else ():
            swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            if swapped in self._known:
                return swapped
        # One edit in a five-letter word is 80 ("bread" -> "break"): too loose for short words.
        cutoff = 85.0 if len(word) <= 5 else 80.0 if len(word) <= 7 else 75.0
        choices = self._spellable.get(word[0], [])
        best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return word if best is None else str(best[0])

"""Text normalisation shared by the loader, the matcher and the adapters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import chain
from typing import TypeVar

import Stemmer

__all__ = [
    "FILLER_STEMS",
    "FUNCTION_WORDS",
    "MAX_QUESTION_CHARS",
    "STOPWORDS",
    "clean_input",
    "content_words",
    "mostly_non_latin",
    "one_message",
    "phrasing_key",
    "question_sentences",
    "reflow",
    "shorten",
    "stem",
    "words",
]

MAX_QUESTION_CHARS = 500

# Categories Cc/Cf/Co/Cs/Cn: control, format (zero-width, bidi overrides), private, unassigned.
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn"}
_SPACE = re.compile(r"\s+")
# Terminal escape sequences (colours, cursor moves, titles) pasted along with a question.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
# In ASCII text the only invisible characters are the controls (category Cc).
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# Apostrophe forms first, then the same words typed without one ("cant", "dont").
_CONTRACTIONS = {
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "cant": "can not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "couldnt": "could not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "havent": "have not",
    "hasnt": "has not",
    "im": "i am",
    "whats": "what is",
    "hows": "how is",
    "whys": "why is",
    "wheres": "where is",
    "whos": "who is",
    "theyre": "they are",
    "ive": "i have",
    "youre": "you are",
}
_SUFFIXES = {
    "n't": " not",
    "'re": " are",
    "'ve": " have",
    "'ll": " will",
    "'m": " am",
    "'d": " would",
}

# Question words (why, how, who, where, many, much) are not here on purpose: "why can't
# they leave" and "how do they leave" ask different things.
STOPWORDS = frozenset(
    """
    a about above after again all am an and any are as at be because been before being
    between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his i if in into is it its
    itself just me more most my myself no nor not of off on once only or other our ours
    out over own same she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up very was we were what
    when which while whom will with would you your yours yourself yourselves also anyone
    anybody anything else ever get got go going gonna wanna gotta let lets may might must
    shall r u ur ya yall ppl pls plz please hey hi hello ok okay lol thanks thank thx tell
    know explain question really actually like even still yet way wondering curious
    someone somebody people person folks guys something thing things one ones us
    """.split()
)

# Lucene's short English list: dropped everywhere. The longer STOPWORDS above are kept as
# terms, but weigh nothing when the FAQ never uses them ("tell me", "lol", "pls").
FUNCTION_WORDS = frozenset(
    """
    a an and are as at be but by for if in into is it no not of on or such that the their
    then there these they this to was will with
    """.split()
)

_stemmer = Stemmer.Stemmer("english")


def clean_input(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """Make chat input safe to process and show: NFKC, no invisible characters, one-line.

    Args:
        text: Raw user text.
        limit: Longer input is cut at a word boundary near this many characters.

    Returns:
        The cleaned text (maybe empty).
    """
    text = _ANSI.sub("", text)
    # Invisible characters inside a word (a soft hyphen, a stray BEL) are dropped so the
    # word stays whole; line breaks and tabs separate words.
    if text.isascii():
        # Most messages: NFKC leaves ASCII as it is, and a regex skips the per-character loop.
        text = _ASCII_CONTROL.sub(_blank_if_space, text)
    else:
        text = unicodedata.normalize("NFKC", text)
        text = "".join(
            (" " if c.isspace() else "") if unicodedata.category(c) in _INVISIBLE else c
            for c in text
        )
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        cut = text[:limit]
        space = cut.rfind(" ")
        text = cut[:space] if space > limit // 2 else cut
    return text


def _blank_if_space(control: re.Match[str]) -> str:
    return " " if control.group().isspace() else ""


_MOST_QUESTIONS = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# How a question sentence starts when its question mark is missing.
_ASKING = frozenset(
    """
    why how what who whom whose where when which can could is are do does did will would
    should was were has have
    """.split()
)


def question_sentences(text: str) -> list[str]:
    """Return the question sentences of a message of several sentences ([] for one sentence).

    "I read they could walk to China. What is stopping them? And their families?" holds two
    questions and a sentence of context; each question is matched on its own when the
    whole message is not (see `FaqService.ask`).
    """
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    if len(sentences) < 2:
        return []
    asked: list[str] = []
    for sentence in sentences:
        said = words(sentence)
        if not any(w not in STOPWORDS and w not in _ASKING for w in said):
            continue  # "Why?", "Really?": nothing to match on its own
        if (sentence.endswith("?") or said[0] in _ASKING) and sentence not in asked:
            asked.append(sentence)
    # Each is matched on its own: a pasted wall of questions costs a few matches, not fifty.
    return asked[:_MOST_QUESTIONS]


def words(text: str) -> list[str]:
    """Split text into lower-case words with contractions expanded.

    Within `one_message`, each distinct text is split once.

    Args:
        text: Any text.

    Returns:
        The words in order, stopwords included.
    """
    split: tuple[str, ...] = _once(_SPLITS, text, _split)
    return list(split)


@contextmanager
def one_message() -> Iterator[None]:
    """Split each distinct text and stem each distinct word once within the block.

    Answering one message splits and stems the same text several times (the safety check,
    the matcher, the guard, the long-message check). The work is remembered only until
    the block ends: no text or word of a message outlives its reply in a cache.
    """
    splits, stems = _SPLITS.set({}), _STEMS.set({})
    try:
        yield
    finally:
        _SPLITS.reset(splits)
        _STEMS.reset(stems)


_SPLITS: ContextVar[dict[str, tuple[str, ...]] | None] = ContextVar("splits", default=None)
_STEMS: ContextVar[dict[str, str] | None] = ContextVar("stems", default=None)


_T = TypeVar("_T")


def _once(memo: ContextVar[dict[str, _T] | None], key: str, work: Callable[[str], _T]) -> _T:
    """Return work(key), done once per key while `one_message` is open, else every time."""
    done = memo.get()
    if done is None:
        return work(key)
    found = done.get(key)
    if found is None:
        found = done[key] = work(key)
    return found


def _split(text: str) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKC", text).casefold()
    return tuple(chain.from_iterable(map(_expand, _WORD.findall(text))))


def _expand(word: str) -> tuple[str, ...]:
    word = word.replace("’", "'")
    expanded = _CONTRACTIONS.get(word)
    if expanded is not None:
        return tuple(expanded.split())
    if "'" not in word:
        return (word,)
    for suffix, tail in _SUFFIXES.items():
        if word.endswith(suffix):
            return tuple((word[: -len(suffix)] + tail).split())
    return (word[:-2] if word.endswith("'s") else word.replace("'", ""),)


def stem(word: str) -> str:
    """Return the Snowball (Porter 2) stem of a lower-case word (once per word in `one_message`)."""
    return _once(_STEMS, word, _stem)


def _stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


# Stopwords by stem: the matcher gives them no weight in any form.
FILLER_STEMS = frozenset(stem(w) for w in STOPWORDS)


def content_words(text: str) -> list[str]:
    """Return a text's words without stopwords or their forms ("peoples", "thats")."""
    return [w for w in words(text) if stem(w) not in FILLER_STEMS]


def phrasing_key(text: str) -> str:
    """Return the comparison key of a phrasing: its words, lower-case, punctuation dropped."""
    return " ".join(words(text))


def shorten(text: str, limit: int) -> str:
    """Return text cut to at most `limit` characters, ending in "…" when it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# A line that starts a list item keeps its own line when paragraphs are reflowed.
_LIST_ITEM = re.compile(r"^(?:[-*•]|\d+[.)])\s")


def reflow(text: str) -> str:
    """Join the lines of each paragraph, so the file's line wrapping never reaches users.

    A blank line separates paragraphs; a line starting a list item ("- ", "1. ") stays on
    its own line.

    Args:
        text: Text as written in the FAQ file.

    Returns:
        Paragraphs separated by one blank line, each on one line (list items kept).
    """
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines: list[str] = []
        for raw in block.splitlines():
            line = " ".join(raw.split())
            if lines and not _LIST_ITEM.match(line):
                lines[-1] += " " + line
            else:
                lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(p for p in paragraphs if p)


def mostly_non_latin(text: str) -> bool:
    """Tell whether most letters of a text are not Latin (Hangul, Cyrillic, CJK, ...).

    Such a message is not English, and the bot answers in English only.
    """
    if text.isascii():
        return False
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    return latin * 2 < len(letters)

"""Look-alike guard: no answer from an entry that never speaks of the place a question names.

"Can I leave Japan as a citizen?" shares most of its words with the entry on whether North
Koreans can leave; "can tourists get a visa" with the one on legal travel. What differs is
the key content: a place, a nationality, a kind of visitor. When the question names such a
thing and the entry (its phrasings, answer and topic) never does, the answer would be about
something else, so it is offered as a suggestion instead of given.

Countries come from pycountry (ISO 3166, maintained with Debian's iso-codes), so a question
about Qatar or Turkmenistan is caught as surely as one about Japan; nationalities, cities
and kinds of people are listed here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import pycountry

from bot.models import Entry, KnowledgeBase
from bot.text import words

__all__ = [
    "KEY_WORDS",
    "about_north_koreans",
    "asked_about",
    "countries",
    "names_north_korea",
    "uncovered_keys",
]

# Nationalities, cities, past states, roles and countries' everyday names that ISO does not
# use ("russia", "brunei"), which people ask about by mistake (no North Korea words: the FAQ
# covers those).
KEY_WORDS = frozenset(
    """
    usa britain russia burma holland vatican macedonia brunei
    japanese tokyo osaka canadian america american americans british uk england english
    london french paris german germans berlin italian spanish mexican mexicans russian
    russians moscow indian pakistani australian brazilian texas california florida cuban
    cubans iranian syrian vietnamese thai mongolian hongkong european europe africa african
    asia asian ukrainian eritrean eritreans soviet soviets ussr czechoslovakia yugoslavia
    tourist tourists visitor visitors foreigner foreigners expat expats immigrant immigrants
    retiree retirees diplomat diplomats journalist journalists athlete athletes
    """.split()
)

# The FAQ's own places: questions name them all the time, and its entries answer them.
_OURS = frozenset({"KP", "KR", "CN"})
# Country names that are everyday words, first names or US states far more often than the
# country in questions people ask here ("i'm a student in georgia", "jordan here").
_EVERYDAY = frozenset({"chad", "georgia", "guinea", "jersey", "jordan"})
# The question names its own subject: other places in the message are context.
_NK_NAMES = r"north kore\w*|nk|dprk|pyongyang"
_NORTH_KOREA = re.compile(rf"\b(?:{_NK_NAMES})\b")
# The people of the FAQ's own neighbours. Their countries are left out of the key words, as
# questions about North Koreans name them all the time; but "do chinese citizens need
# permission to leave china" asks about Chinese people, when nothing in it points to North
# Koreans (who are also meant by defectors, refugees, people who escape or flee, border
# crossers, "the north" or the Kims).
# Only as people: "the chinese border" is a place the FAQ speaks of.
_PEOPLE = (
    r"(?:citizens?|people|persons?|nationals?|man|men|woman|women|workers?|students?|"
    r"residents?|famil(?:y|ies))"
)
_NEIGHBOURS = re.compile(rf"\b(?:chinese {_PEOPLE}|south koreans|south korean {_PEOPLE})\b")
_NORTH_KOREANS = re.compile(
    rf"\b(?:{_NK_NAMES}|the north|northerners?|defect(?:ors?|ions?|ed|ing)?|refugees?|"
    r"escap\w*|fled|flee\w*|crossers?|kims?)\b"
)
# The asker describing themselves: "i am a chinese student. why can't they leave?"
_ASKER = re.compile(r"\b(?:i am|we are|as)(?: an?)?(?: \w+)? $")


@cache
def countries() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Return every country's names as words, grouped by the name's first word.

    The short name where ISO gives one ("Bolivia", not "Bolivia, Plurinational State of"),
    else the part before a comma, without a part in brackets ("Falkland Islands"); each part
    of a name joined by "and" ("Bosnia", "Herzegovina"); accented names also as typed
    without accents ("curacao"). North Korea, South Korea and China are left out, and so
    are names that are everyday words.
    """
    names: dict[str, set[tuple[str, ...]]] = {}
    for country in pycountry.countries:
        if country.alpha_2 in _OURS:
            continue
        name = getattr(country, "common_name", None) or country.name.split(",")[0]
        name = re.sub(r"\(.*?\)", " ", name)
        for part in {name, *re.split(r"\band\b", name)}:
            for form in {part, _unaccented(part)}:
                said = tuple(w for w in words(form) if w != "the")
                if said and " ".join(said) not in _EVERYDAY:
                    names.setdefault(said[0], set()).add(said)
    return {first: tuple(sorted(group)) for first, group in names.items()}


def asked_about(question: str, keys: list[str]) -> list[str]:
    """Return the keys that the asker does not use to describe themselves ("i'm a journalist")."""
    text = " ".join(words(question))
    kept = []
    for key in keys:
        at = f" {text} ".find(f" {key} ")
        if at < 0 or not _ASKER.search(text[:at]):
            kept.append(key)
    return kept


def about_north_koreans(text: str) -> bool:
    """Tell whether a text points to North Koreans (by name, or as defectors, escapees ...)."""
    return _NORTH_KOREANS.search(" ".join(words(text))) is not None


def names_north_korea(text: str) -> bool:
    """Tell whether a text names North Korea ("north koreans", "nk", "dprk", "pyongyang")."""
    return _NORTH_KOREA.search(" ".join(words(text))) is not None


def uncovered_keys(question: str, kb: KnowledgeBase, entry: Entry) -> list[str]:
    """Return the key words of a question (places, people) that the entry never mentions.

    Also the neighbours' people ("chinese", "south koreans") when they, and not North
    Koreans, are whom the question asks about: every entry is about North Koreans.
    """
    said = words(question)
    text = " ".join(said)
    neighbours = (
        []
        if _NORTH_KOREANS.search(text)
        else [
            found.group()
            for found in _NEIGHBOURS.finditer(text)
            if not _ASKER.search(text[: found.start()])
        ]
    )
    keys = [w for w in said if w in KEY_WORDS]
    named = countries()
    for i, word in enumerate(said):
        for name in named.get(word, ()):
            if tuple(said[i : i + len(name)]) == name:
                keys.append(" ".join(name))
    if not keys:
        return neighbours
    covered = _vocabulary(kb, entry.id)
    return [*neighbours, *(k for k in keys if f" {k} " not in covered)]


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=1024)
def _vocabulary_of(texts: tuple[str, ...]) -> str:
    # One string of the words, space-bounded, so a name of several words must appear whole.
    return " " + " ".join(" ".join(words(t)) for t in texts) + " "


def _vocabulary(kb: KnowledgeBase, entry_id: str) -> str:
    entry = kb.entry(entry_id)
    assert entry is not None
    topic = kb.topic(entry.topic)
    texts = (*entry.phrasings, entry.answer, topic.title if topic else "")
    return _vocabulary_of(texts)

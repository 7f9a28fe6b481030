"""Look-alike guard: no answer from an entry that never speaks of the place a question names.

"Can I leave Japan as a citizen?" shares most of its words with the entry on whether North
Koreans can leave; "can tourists get a visa" with the one on legal travel. What differs is
the key content: a place, a nationality, a kind of visitor. When the question names such a
thing and the entry (its phrasings, answer and topic) never does, the answer would be about
something else, so it is offered as a suggestion instead of given.
"""

from __future__ import annotations

from functools import lru_cache

from bot.models import Entry, KnowledgeBase
from bot.text import words

__all__ = ["KEY_WORDS", "uncovered_keys"]

# Places, nationalities and roles people ask about by mistake (no North Korea words: the
# FAQ covers those).
KEY_WORDS = frozenset(
    """
    japan japanese tokyo osaka canada canadian usa america american americans britain british
    uk england english london france french paris germany german berlin italy italian spain
    spanish mexico mexican russia russian moscow india indian pakistan australia australian
    brazil brazilian texas california florida cuba cuban iran iranian syria syrian vietnam
    vietnamese thailand thai mongolia mongolian taiwan hongkong singapore philippines
    europe european africa african asia asian ukraine ukrainian eritrea venezuela
    tourist tourists visitor visitors foreigner foreigners expat expats immigrant immigrants
    retiree retirees diplomat diplomats journalist journalists athlete athletes
    """.split()
)


def uncovered_keys(question: str, kb: KnowledgeBase, entry: Entry) -> list[str]:
    """Return the key words of a question that the entry never mentions."""
    keys = [w for w in words(question) if w in KEY_WORDS]
    if not keys:
        return []
    covered = _vocabulary(kb, entry.id)
    return [w for w in keys if w not in covered]


@lru_cache(maxsize=1024)
def _vocabulary_of(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for t in texts for w in words(t))


def _vocabulary(kb: KnowledgeBase, entry_id: str) -> frozenset[str]:
    entry = kb.entry(entry_id)
    assert entry is not None
    topic = kb.topic(entry.topic)
    texts = (*entry.phrasings, entry.answer, topic.title if topic else "")
    return _vocabulary_of(texts)

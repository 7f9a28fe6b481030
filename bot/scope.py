"""Out-of-scope phrasings: questions near the FAQ's subject that it must refuse.

Each out-of-scope block of the FAQ file joins the matcher as a pseudo-entry, so the matcher
weighs "can I visit North Korea" against the real entries with all its evidence; when a
pseudo-entry ranks first, the service refuses with the block's note. Close paraphrases are
refused the same way, and the real entries still win the questions they cover.
"""

from __future__ import annotations

from dataclasses import replace

from bot import messages
from bot.matcher import Candidate
from bot.models import Entry, KnowledgeBase

__all__ = ["is_out_of_scope", "matchable", "refusal_note", "screen"]

# Not a slug, so no FAQ entry can ever have such an id.
_PREFIX = "~out-of-scope-"


def matchable(kb: KnowledgeBase) -> KnowledgeBase:
    """Return the knowledge base with one pseudo-entry per out-of-scope block, for matching."""
    extra = tuple(
        Entry(f"{_PREFIX}{i}", "", block.phrasings[0], "", (), block.phrasings[1:])
        for i, block in enumerate(kb.out_of_scope)
    )
    return replace(kb, entries=kb.entries + extra) if extra else kb


def is_out_of_scope(entry_id: str) -> bool:
    """Tell whether a matcher candidate is an out-of-scope pseudo-entry."""
    return entry_id.startswith(_PREFIX)


def refusal_note(kb: KnowledgeBase, entry_id: str) -> str:
    """Return the one-line note for a refused question (the block's own, or the default)."""
    block = kb.out_of_scope[int(entry_id.removeprefix(_PREFIX))]
    return block.note or messages.OUT_OF_SCOPE


def screen(
    ranked: list[Candidate], suggest: float, margin: float
) -> tuple[Candidate | None, list[Candidate], bool]:
    """Decide what the out-of-scope blocks do to a ranking.

    Args:
        ranked: The matcher's candidates, best first, pseudo-entries included.
        suggest: Lowest score worth offering.
        margin: The lead an outright decision needs (the service's answer margin).

    Returns:
        The block that wins (refuse the question) or None; the real entries, best first;
        and whether a block came too close to the best entry to answer it outright.
    """
    real = [c for c in ranked if not is_out_of_scope(c.entry_id)]
    top = ranked[0] if ranked else None
    if top is None or not is_out_of_scope(top.entry_id) or top.score < suggest:
        return None, real, False
    runner_up = real[0].score if real else 0.0
    if top.score - runner_up >= margin or runner_up < suggest:
        return top, real, False
    return None, real, True

"""What changed between two versions of the FAQ, in lines moderators can read at a glance.

Every reload that changes something is announced to the moderators with these lines,
whether the change came from `learn` or from a hand edit. They name entries and phrasings,
never file paths (they are posted in chats).
"""

from __future__ import annotations

from bot.models import KnowledgeBase

__all__ = ["MAX_LINES", "changes"]

MAX_LINES = 30


def changes(old: KnowledgeBase, new: KnowledgeBase) -> list[str]:
    """List the differences: `+` added, `-` removed, `~` changed (at most `MAX_LINES`)."""
    lines: list[str] = []
    lines += _entries(old, new)
    lines += _set_diff("out of scope", _scoped(old), _scoped(new))
    if {b.note for b in old.out_of_scope} != {b.note for b in new.out_of_scope}:
        lines.append("~ out-of-scope notes changed")
    lines += _safety(old, new)
    lines += _set_diff("topic", {t.id for t in old.topics}, {t.id for t in new.topics})
    lines += _set_diff("source", {s.id for s in old.sources}, {s.id for s in new.sources})
    if old.topics != new.topics and {t.id for t in old.topics} == {t.id for t in new.topics}:
        lines.append("~ topics edited")
    if set(old.synonyms) != set(new.synonyms):
        lines.append("~ synonyms changed")
    lines += _set_diff(
        "retired",
        {f"{a} → {b}" for a, b in old.retired},
        {f"{a} → {b}" for a, b in new.retired},
    )
    if len(lines) > MAX_LINES:
        extra = len(lines) - MAX_LINES + 1
        lines = [*lines[: MAX_LINES - 1], f"... and {extra} more changes"]
    return lines


def _entries(old: KnowledgeBase, new: KnowledgeBase) -> list[str]:
    lines: list[str] = []
    before = {e.id: e for e in old.entries}
    after = {e.id: e for e in new.entries}
    for entry_id, entry in after.items():
        if entry_id not in before:
            lines.append(f"+ entry {entry_id}: {entry.question}")
            continue
        was = before[entry_id]
        if was.question != entry.question:
            lines.append(f"~ {entry_id}: question “{was.question}” → “{entry.question}”")
        lines += [f"+ {entry_id}: “{a}”" for a in entry.alternates if a not in was.alternates]
        lines += [f"- {entry_id}: “{a}”" for a in was.alternates if a not in entry.alternates]
        edited = [
            name
            for name, a, b in (
                ("answer", was.answer, entry.answer),
                ("sources", was.sources, entry.sources),
                ("topic", was.topic, entry.topic),
                ("related", was.related, entry.related),
            )
            if a != b
        ]
        if edited:
            lines.append(f"~ {entry_id}: {', '.join(edited)} changed")
    lines += [f"- entry {entry_id}" for entry_id in before if entry_id not in after]
    return lines


def _scoped(kb: KnowledgeBase) -> set[str]:
    return {f"“{p}”" for block in kb.out_of_scope for p in block.phrasings}


def _safety(old: KnowledgeBase, new: KnowledgeBase) -> list[str]:
    if old.safety == new.safety:
        return []
    if old.safety is None or new.safety is None:
        return ["+ safety reply" if new.safety else "- safety reply"]
    lines = []
    if (old.safety.question, old.safety.answer) != (new.safety.question, new.safety.answer):
        lines.append("~ safety reply: text changed")
    added = len(set(new.safety.triggers) - set(old.safety.triggers))
    removed = len(set(old.safety.triggers) - set(new.safety.triggers))
    if added or removed:
        lines.append(f"~ safety reply: {added} trigger(s) added, {removed} removed")
    if old.safety.sources != new.safety.sources:
        lines.append("~ safety reply: sources changed")
    return lines


def _set_diff(what: str, old: set[str], new: set[str]) -> list[str]:
    return [f"+ {what}: {x}" for x in sorted(new - old)] + [
        f"- {what}: {x}" for x in sorted(old - new)
    ]

"""The `ask --json` contract (DESIGN.md): one JSON object per question."""

from __future__ import annotations

from typing import Any

from bot.reply import Citation, Reply, Suggestion

__all__ = ["reply_to_json"]


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """Turn a reply into the documented JSON object.

    The documented keys come first and keep their meaning; `related`, `is_safety`
    (the answer is the safety reply), `note` (a one-line note, e.g. why a question was
    refused), `message` (the sentence a person is shown first: the refusal, the "did you
    mean", the help text or the English-only notice; for an answer, its question) and each
    source's `section_label` are additions scripts may ignore.

    Args:
        reply: The core's reply.

    Returns:
        A JSON-ready dict.
    """
    entry = reply.entry
    return {
        "query": reply.query,
        "outcome": reply.outcome.value,
        "matched": reply.matched,
        "score": round(float(reply.score), 4),
        "entry": None
        if entry is None
        else {
            "id": entry.id,
            "topic": entry.topic,
            "question": entry.question,
            "answer": entry.answer,
        },
        "sources": [_citation(c) for c in reply.citations],
        "suggestions": [_suggestion(s) for s in reply.suggestions],
        "related": [{"id": s.entry_id, "question": s.question} for s in reply.related],
        "is_safety": reply.is_safety,
        "note": reply.note,
        "message": reply.message,
    }


def _citation(c: Citation) -> dict[str, Any]:
    return {
        "id": c.source_id,
        "title": c.title,
        "author": c.author,
        "published": c.published.isoformat() if c.published else None,
        "section": c.section,
        "section_label": c.section_label,
        "url": c.url,
    }


def _suggestion(s: Suggestion) -> dict[str, Any]:
    return {"id": s.entry_id, "question": s.question, "score": round(float(s.score or 0.0), 4)}

"""Plain-text rendering of core replies, for the console and the CLI."""

from __future__ import annotations

from bot.models import Source, Topic
from bot.reply import Citation, Outcome, Reply, TopicReply, citation_of

__all__ = ["render_citation", "render_reply", "render_sources", "render_topic", "render_topics"]


def render_citation(c: Citation) -> str:
    """Render one citation: title, author, date, section, url."""
    text = ", ".join([f'"{c.title}"', *c.details])
    if c.url:
        text += f" <{c.url}>"
    return text


def render_reply(reply: Reply, *, hint: bool = True) -> tuple[str, list[str]]:
    """Render a reply as text.

    Args:
        reply: The core's reply.
        hint: End with "type a number" when choices are offered (a chat, not a one-shot).

    Returns:
        The text and the entry ids offered as numbered choices, in order
        (so a console can let the user type a number to pick one).
    """
    lines: list[str] = []
    choices: list[str] = []
    if reply.outcome is Outcome.ANSWER and reply.entry is not None:
        lines += [reply.entry.question, "", reply.entry.answer.strip(), "", "Sources:"]
        lines += [f"  [{i}] {render_citation(c)}" for i, c in enumerate(reply.citations, 1)]
        if reply.related:
            lines += ["", "Related questions:"]
            for s in reply.related:
                choices.append(s.entry_id)
                lines.append(f"  {len(choices)}. {s.question}")
    elif reply.outcome is Outcome.SUGGEST:
        lines.append(reply.message)
        for s in reply.suggestions:
            choices.append(s.entry_id)
            lines.append(f"  {len(choices)}. {s.question}")
    else:
        # An out-of-scope note says why before the refusal lists the topics.
        if reply.note:
            lines.append(reply.note)
        lines.append(reply.message)
        lines += [f"  - {t.title} (/topic {t.id})" for t in reply.topics]
    if choices and hint:
        lines += ["", "Type a number to see that answer."]
    return "\n".join(lines), choices


def render_topic(reply: TopicReply) -> tuple[str, list[str]]:
    """Render a topic lookup, numbering its questions."""
    if reply.topic is None:
        return "\n".join(
            [reply.message, *(f"  - {t.title} (/topic {t.id})" for t in reply.alternatives)]
        ), []
    lines = [reply.message, ""]
    choices = [s.entry_id for s in reply.entries]
    lines += [f"  {i}. {s.question}" for i, s in enumerate(reply.entries, 1)]
    lines += ["", "Type a number to see that answer."]
    return "\n".join(lines), choices


def render_topics(topics: tuple[Topic, ...]) -> str:
    """Render the topic list."""
    return "\n".join(f"{t.id:<14} {t.title}: {t.summary}" for t in topics)


def render_sources(sources: tuple[Source, ...]) -> str:
    """Render the source list with their sections."""
    lines = []
    for i, s in enumerate(sources, 1):
        lines.append(f"[{i}] {render_citation(citation_of(s, None))}")
        lines += [f"      - {section}" for section in s.sections]
    return "\n".join(lines)

"""Core replies -> Discord embeds and button views, within every Discord limit.

All text from the FAQ or from users is escaped for Discord markdown, and links are
percent-encoded, so nothing a user types turns into formatting or a masked link.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import discord

from bot import messages
from bot.conversation import Action, Button, TeachAction, TeachVerb, Verb
from bot.models import Source, Topic
from bot.reply import Citation, Outcome, Reply, TopicReply, citation_of
from bot.text import shorten

__all__ = [
    "ACTION_ID",
    "ActionButton",
    "buttons_view",
    "citation_line",
    "md",
    "reply_embed",
    "reply_view",
    "safe_url",
    "sources_embed",
    "topic_embed",
    "topics_view",
]

# Custom ids are "faq:" + the core's action string, so buttons keep working after restarts.
# The pattern only routes clicks to the core, which parses them and refuses forged ones.
ACTION_ID = r"faq:(?P<data>[a-z]{1,2}:[a-z0-9:-]{1,90})"
_TITLE, _DESCRIPTION, _FIELD, _TOTAL, _LABEL = 256, 4096, 1024, 6000, 80
_COLOUR = discord.Colour.dark_teal()
_STYLES = {
    Verb.ENTRY: discord.ButtonStyle.secondary,
    Verb.SUGGESTION: discord.ButtonStyle.secondary,
    Verb.TOPIC: discord.ButtonStyle.primary,
}


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=ACTION_ID):
    """A button carrying one core action; clicks go to the client's `on_faq_button`."""

    def __init__(self, data: str, label: str = "Show") -> None:
        """Create a button for an action string (see `bot.conversation.actions`)."""
        action = Action.parse(data)
        verb = action.verb if action is not None else Verb.ENTRY
        style = _STYLES.get(verb, discord.ButtonStyle.secondary)
        teach = TeachAction.parse(data)
        if teach is not None and teach.verb in (TeachVerb.CONFIRM, TeachVerb.ADD):
            style = discord.ButtonStyle.primary
        if action is not None and action.verb is Verb.FEEDBACK:
            label = f"👍 {messages.HELPFUL}" if action.helpful else f"👎 {messages.UNHELPFUL}"
            style = discord.ButtonStyle.success if action.helpful else style
        super().__init__(
            discord.ui.Button(label=shorten(label, _LABEL), custom_id=f"faq:{data}", style=style)
        )
        self.data = data

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[discord.ui.View],
        match: re.Match[str],
    ) -> Any:
        """Rebuild the button from its custom id."""
        return cls(match["data"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Forward the click to the client's `on_faq_button`."""
        await interaction.client.on_faq_button(interaction, self)  # type: ignore[attr-defined]


def md(text: str) -> str:
    """Escape Discord markdown (and masked links) in plain text."""
    return discord.utils.escape_markdown(text, as_needed=False)


def safe_url(url: str) -> str:
    """Percent-encode what would end or break a markdown link: spaces, brackets, parentheses."""
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def citation_line(number: int, c: Citation) -> str:
    """One numbered citation: title (a link when there is a url), author, date, section."""
    title = md(c.title)
    linked = f"[{title}]({safe_url(c.url)})" if c.url else f"*{title}*"
    return f"{number}. " + ", ".join([linked, *(md(d) for d in c.details)])


def reply_embed(reply: Reply) -> discord.Embed:
    """One embed per reply: the answer with numbered citations, or suggestions, or topics."""
    if reply.outcome is Outcome.ANSWER and reply.entry is not None:
        embed = discord.Embed(
            title=shorten(reply.entry.question, _TITLE),
            description=shorten(md(reply.entry.answer.strip()), _DESCRIPTION),
            colour=_COLOUR,
        )
        _add_fields(
            embed, "Sources", [citation_line(i, c) for i, c in enumerate(reply.citations, 1)]
        )
        if reply.related:
            _add_fields(embed, "Related questions", [f"• {md(s.question)}" for s in reply.related])
        return _fit(embed)
    if reply.outcome is Outcome.SUGGEST:
        lines = [f"• {md(s.question)}" for s in reply.suggestions]
        return _fit(
            discord.Embed(
                title="Did you mean…",
                description=shorten(md(reply.message) + "\n\n" + "\n".join(lines), _DESCRIPTION),
                colour=_COLOUR,
            )
        )
    topics = "\n".join(f"• **{md(t.title)}** — `/topic {t.id}`" for t in reply.topics)
    # An out-of-scope note says why before the refusal lists the topics.
    note = f"{md(reply.note)}\n\n" if reply.note else ""
    return _fit(
        discord.Embed(
            description=shorten(f"{note}{md(reply.message)}\n\n{topics}", _DESCRIPTION),
            colour=_COLOUR,
        )
    )


def reply_view(reply: Reply, evidence: str | None = None) -> discord.ui.View | None:
    """Buttons for suggestions, related questions and feedback, or topics for a refusal.

    A suggestion carries `evidence`, its question's reference, so picking it teaches the bot.
    """
    if reply.topics and not reply.suggestions and reply.entry is None:
        return None if reply.is_help else topics_view(reply.topics)
    buttons = [
        (str(Action.suggestion(s.entry_id, evidence)), s.question) for s in reply.suggestions
    ]
    buttons += [(str(Action.entry(s.entry_id)), s.question) for s in reply.related]
    view = _view(buttons)
    if reply.entry is not None and not reply.is_safety:
        view = view or discord.ui.View(timeout=None)
        view.add_item(ActionButton(str(Action.feedback(reply.entry.id, True))))
        view.add_item(ActionButton(str(Action.feedback(reply.entry.id, False))))
    return view


def topic_embed(reply: TopicReply) -> tuple[discord.Embed, discord.ui.View | None]:
    """Render a topic lookup: the topic and its questions as buttons, or the topic list."""
    if reply.topic is None:
        embed = discord.Embed(description=shorten(md(reply.message), _DESCRIPTION), colour=_COLOUR)
        return _fit(embed), topics_view(reply.alternatives)
    embed = discord.Embed(
        title=shorten(reply.topic.title, _TITLE),
        description=shorten(
            md(reply.topic.summary)
            + "\n\n"
            + "\n".join(f"• {md(s.question)}" for s in reply.entries),
            _DESCRIPTION,
        ),
        colour=_COLOUR,
    )
    return _fit(embed), _view([(str(Action.entry(s.entry_id)), s.question) for s in reply.entries])


def buttons_view(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    """Render the core's buttons (teaching, undo), one per row."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for b in buttons[:25]:
        view.add_item(ActionButton(b.action, b.label))
    return view


def topics_view(topics: tuple[Topic, ...]) -> discord.ui.View:
    """Every topic as a button (Discord allows 25 per message)."""
    view = discord.ui.View(timeout=None)
    for t in topics[:25]:
        view.add_item(ActionButton(str(Action.topic(t.id)), t.title))
    return view


def sources_embed(sources: tuple[Source, ...]) -> discord.Embed:
    """Render the sources with their sections."""
    embed = discord.Embed(title="Sources", colour=_COLOUR)
    for i, s in enumerate(sources, 1):
        head = citation_line(i, citation_of(s, None))
        sections = "\n".join(f"- {md(x)}" for x in s.sections) or "—"
        embed.add_field(name=shorten(head, _TITLE), value=shorten(sections, _FIELD), inline=False)
    return _fit(embed)


def _view(buttons: list[tuple[str, str]]) -> discord.ui.View | None:
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for data, label in buttons[:20]:  # leave room for the feedback row (25 per message)
        view.add_item(ActionButton(data, label))
    return view


def _add_fields(embed: discord.Embed, name: str, lines: list[str]) -> None:
    """Add lines as fields of at most 1024 characters, continuing under the same name."""
    chunk = ""
    for line in lines:
        line = shorten(line, _FIELD)
        if chunk and len(chunk) + 1 + len(line) > _FIELD:
            embed.add_field(name=name, value=chunk, inline=False)
            name, chunk = f"{name} (cont.)", line
        else:
            chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        embed.add_field(name=name, value=chunk, inline=False)


def _fit(embed: discord.Embed) -> discord.Embed:
    """Keep the whole embed under Discord's 6000-character total (cut the description)."""
    excess = len(embed) - _TOTAL
    if excess > 0 and embed.description:
        embed.description = shorten(embed.description, max(1, len(embed.description) - excess))
    while len(embed) > _TOTAL and embed.fields:
        embed.remove_field(-1)
    return embed

"""Core replies -> Discord embeds and button views, within every Discord limit."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot import messages
from bot.models import Source, Topic
from bot.reply import Citation, Outcome, Reply, Suggestion, TopicReply
from bot.text import shorten

__all__ = [
    "ENTRY_ID",
    "FEEDBACK_ID",
    "TOPIC_ID",
    "EntryButton",
    "FeedbackButton",
    "TopicButton",
    "citation_line",
    "reply_embed",
    "reply_view",
    "sources_embed",
    "topic_embed",
    "topics_view",
]

# Custom ids carry what a button shows, so buttons keep working across restarts and reloads.
# Group names are the buttons' constructor arguments (see _Clicked.from_custom_id).
ENTRY_ID = r"faq:e:(?P<entry_id>[a-z0-9-]{1,60})"
FEEDBACK_ID = r"faq:f:(?P<entry_id>[a-z0-9-]{1,60}):(?P<vote>[01])"
TOPIC_ID = r"faq:t:(?P<topic_id>[a-z0-9-]{1,60})"
_TITLE, _DESCRIPTION, _FIELD, _TOTAL, _LABEL = 256, 4096, 1024, 6000, 80
_COLOUR = discord.Colour.dark_teal()


class _Clicked:
    """Rebuilds a button from its custom id and hands clicks to the adapter."""

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[discord.ui.View],
        match: re.Match[str],
    ) -> Any:
        """Rebuild the button from the groups of its template."""
        return cls(**match.groupdict())

    async def callback(self, interaction: discord.Interaction) -> None:
        """Forward the click to the client's `on_faq_button`."""
        await interaction.client.on_faq_button(interaction, self)  # type: ignore[attr-defined]


class EntryButton(
    _Clicked, discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=ENTRY_ID
):
    """A button that shows one FAQ entry; the click is handled by the Discord adapter."""

    def __init__(self, entry_id: str, label: str = "Show") -> None:
        """Create the button for an entry."""
        super().__init__(
            discord.ui.Button(
                label=shorten(label, _LABEL),
                custom_id=f"faq:e:{entry_id}",
                style=discord.ButtonStyle.secondary,
            )
        )
        self.entry_id = entry_id


class FeedbackButton(
    _Clicked, discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=FEEDBACK_ID
):
    """Helpful / not helpful under an answer."""

    def __init__(self, entry_id: str, vote: str) -> None:
        """Create one of the two feedback buttons of an answer ("1" helpful, "0" not)."""
        helpful = vote == "1"
        label = f"👍 {messages.HELPFUL}" if helpful else f"👎 {messages.UNHELPFUL}"
        super().__init__(
            discord.ui.Button(
                label=label,
                custom_id=f"faq:f:{entry_id}:{int(helpful)}",
                style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
            )
        )
        self.entry_id = entry_id
        self.helpful = helpful


class TopicButton(
    _Clicked, discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=TOPIC_ID
):
    """A button that lists one topic's questions."""

    def __init__(self, topic_id: str, label: str = "Topic") -> None:
        """Create the button for a topic."""
        super().__init__(
            discord.ui.Button(
                label=shorten(label, _LABEL),
                custom_id=f"faq:t:{topic_id}",
                style=discord.ButtonStyle.primary,
            )
        )
        self.topic_id = topic_id


def citation_line(number: int, c: Citation) -> str:
    """One numbered citation: title (a link when there is a url), author, date, section."""
    title = discord.utils.escape_markdown(c.title)
    parts = [f"[{title}]({c.url})" if c.url else f"*{title}*"]
    if c.author:
        parts.append(discord.utils.escape_markdown(c.author))
    if c.published:
        parts.append(c.published.isoformat())
    if c.section:
        parts.append(discord.utils.escape_markdown(c.section_label or ""))
    return f"{number}. " + ", ".join(parts)


def reply_embed(reply: Reply) -> discord.Embed:
    """One embed per reply: the answer with numbered citations, or suggestions, or topics."""
    if reply.outcome is Outcome.ANSWER and reply.entry is not None:
        embed = discord.Embed(
            title=shorten(reply.entry.question, _TITLE),
            description=shorten(reply.entry.answer.strip(), _DESCRIPTION),
            colour=_COLOUR,
        )
        _add_fields(
            embed, "Sources", [citation_line(i, c) for i, c in enumerate(reply.citations, 1)]
        )
        if reply.related:
            _add_fields(embed, "Related questions", [f"• {s.question}" for s in reply.related])
        return _fit(embed)
    if reply.outcome is Outcome.SUGGEST:
        lines = [f"• {s.question}" for s in reply.suggestions]
        return _fit(
            discord.Embed(
                title="Did you mean…",
                description=shorten(reply.message + "\n\n" + "\n".join(lines), _DESCRIPTION),
                colour=_COLOUR,
            )
        )
    topics = "\n".join(f"• **{t.title}** — `/topic {t.id}`" for t in reply.topics)
    return _fit(
        discord.Embed(
            description=shorten(f"{reply.message}\n\n{topics}", _DESCRIPTION), colour=_COLOUR
        )
    )


def reply_view(reply: Reply) -> discord.ui.View | None:
    """Buttons for suggestions, related questions and feedback, or topics for a refusal."""
    if reply.topics and not reply.suggestions and reply.entry is None:
        return topics_view(reply.topics)
    view = _view([*reply.suggestions, *reply.related])
    if reply.entry is not None:
        view = view or discord.ui.View(timeout=None)
        view.add_item(FeedbackButton(reply.entry.id, "1"))
        view.add_item(FeedbackButton(reply.entry.id, "0"))
    return view


def topic_embed(reply: TopicReply) -> tuple[discord.Embed, discord.ui.View | None]:
    """Render a topic lookup: the topic and its questions as buttons, or the topic list."""
    if reply.topic is None:
        return _fit(
            discord.Embed(description=shorten(reply.message, _DESCRIPTION), colour=_COLOUR)
        ), (topics_view(reply.alternatives))
    embed = discord.Embed(
        title=shorten(reply.topic.title, _TITLE),
        description=shorten(
            reply.topic.summary + "\n\n" + "\n".join(f"• {s.question}" for s in reply.entries),
            _DESCRIPTION,
        ),
        colour=_COLOUR,
    )
    return _fit(embed), _view(list(reply.entries))


def topics_view(topics: tuple[Topic, ...]) -> discord.ui.View:
    """Every topic as a button (Discord allows 25 per message)."""
    view = discord.ui.View(timeout=None)
    for t in topics[:25]:
        view.add_item(TopicButton(t.id, t.title))
    return view


def sources_embed(sources: tuple[Source, ...]) -> discord.Embed:
    """Render the sources with their sections."""
    embed = discord.Embed(title="Sources", colour=_COLOUR)
    for i, s in enumerate(sources, 1):
        head = citation_line(i, Citation(s.id, s.title, s.author, s.published, None, s.url))
        sections = "\n".join(f"- {discord.utils.escape_markdown(x)}" for x in s.sections) or "—"
        embed.add_field(name=shorten(head, _TITLE), value=shorten(sections, _FIELD), inline=False)
    return _fit(embed)


def _view(items: list[Suggestion]) -> discord.ui.View | None:
    if not items:
        return None
    view = discord.ui.View(timeout=None)
    for s in items[:20]:  # leave room for the feedback row (25 components per message)
        view.add_item(EntryButton(s.entry_id, s.question))
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

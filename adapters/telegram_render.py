"""Core replies -> Telegram HTML messages and inline keyboards."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import messages
from bot.conversation import Action, AskWording, Button
from bot.models import Source, Topic
from bot.reply import Citation, Outcome, Reply, Suggestion, TopicReply, citation_of
from bot.text import shorten

__all__ = [
    "MAX_MESSAGE",
    "buttons_keyboard",
    "citation_html",
    "entry_keyboard",
    "private_link_keyboard",
    "reply_html",
    "reply_keyboard",
    "sources_html",
    "split_html",
    "topic_html",
    "topics_keyboard",
    "wording_html",
]

MAX_MESSAGE = 4096
_LABEL = 60  # button text Telegram shows without wrapping
# Callback data is the core's action string (bot.conversation.actions), under 64 bytes.


def citation_html(number: int, c: Citation) -> str:
    """One numbered citation: title (linked when there is a url), author, date, section."""
    title = escape(c.title)
    if c.url:
        title = f'<a href="{escape(c.url, quote=True)}">{title}</a>'
    return f"{number}. " + ", ".join([title, *(escape(d) for d in c.details)])


def reply_html(reply: Reply) -> list[str]:
    """Render a reply as HTML paragraphs (each one complete: no tag spans two)."""
    if reply.outcome is Outcome.ANSWER and reply.entry is not None:
        blocks = [f"<b>{escape(reply.entry.question)}</b>"]
        blocks += [escape(p.strip()) for p in reply.entry.answer.split("\n\n") if p.strip()]
        blocks.append(
            "<b>Sources</b>\n"
            + "\n".join(citation_html(i, c) for i, c in enumerate(reply.citations, 1))
        )
        return blocks
    if reply.outcome is Outcome.SUGGEST:
        return [escape(reply.message)]
    # An out-of-scope note says why before the refusal lists the topics.
    note = [escape(reply.note)] if reply.note else []
    topics = "\n".join(f"• {escape(t.title)} — /topic {escape(t.id)}" for t in reply.topics)
    return [*note, escape(reply.message), *([topics] if topics else [])]


def entry_keyboard(reply: Reply, evidence: str | None = None) -> InlineKeyboardMarkup | None:
    """Buttons for "did you mean" suggestions (edit in place) or related questions.

    A suggestion carries `evidence`, its question's reference, so picking it teaches the bot.
    """
    rows: list[list[InlineKeyboardButton]] = []
    rows += [[_button(s, Action.suggestion(s.entry_id, evidence))] for s in reply.suggestions]
    rows += [[_button(s, Action.entry(s.entry_id))] for s in reply.related]
    if reply.entry is not None and not reply.is_safety:
        entry_id = reply.entry.id
        rows.append(
            [
                InlineKeyboardButton(
                    f"👍 {messages.HELPFUL}", callback_data=str(Action.feedback(entry_id, True))
                ),
                InlineKeyboardButton(
                    f"👎 {messages.UNHELPFUL}",
                    callback_data=str(Action.feedback(entry_id, False)),
                ),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def reply_keyboard(reply: Reply, evidence: str | None = None) -> InlineKeyboardMarkup | None:
    """Return the buttons under a reply: its own, or the topics when it was refused."""
    keyboard = entry_keyboard(reply, evidence)
    if keyboard is None and reply.topics and not reply.is_help:
        return topics_keyboard(reply.topics)
    return keyboard


def buttons_keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """Render the core's buttons (teaching, undo), one per row so long labels stay readable."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(shorten(b.label, _LABEL), callback_data=b.action)] for b in buttons]
    )


def wording_html(ask: AskWording) -> tuple[str, InlineKeyboardMarkup]:
    """Render a teaching draft: what goes where, the wording, and how to change it.

    The moderator confirms with the button, or replies to this message with a new wording
    (the adapter finds the draft through the confirm button on the message replied to).
    """
    text = (
        f"<b>{escape(ask.title)}</b>\n{escape(ask.prompt)}\n\n<code>{escape(ask.wording)}</code>"
        f"\n\n{escape(messages.TEACH_REWORD)}"
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(ask.confirm.label, callback_data=ask.confirm.action),
                InlineKeyboardButton(ask.cancel.label, callback_data=ask.cancel.action),
            ]
        ]
    )
    return text, keyboard


def private_link_keyboard(username: str, payload: str) -> InlineKeyboardMarkup:
    """One button that opens a private chat with the bot at `/start payload`."""
    url = f"https://t.me/{username}?start={payload}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(messages.SAFETY_OPEN_PRIVATE, url=url)]])


def topics_keyboard(topics: tuple[Topic, ...]) -> InlineKeyboardMarkup:
    """One button per topic."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(shorten(t.title, _LABEL), callback_data=str(Action.topic(t.id)))]
            for t in topics
        ]
    )


def topic_html(reply: TopicReply) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """Render a topic lookup: its summary and questions as buttons, or the topic list."""
    if reply.topic is None:
        return [escape(reply.message)], topics_keyboard(reply.alternatives)
    rows = [[_button(s, Action.entry(s.entry_id))] for s in reply.entries]
    return [f"<b>{escape(reply.topic.title)}</b>\n{escape(reply.topic.summary)}"], (
        InlineKeyboardMarkup(rows) if rows else None
    )


def sources_html(sources: tuple[Source, ...]) -> list[str]:
    """Render the sources with their sections."""
    blocks = []
    for i, s in enumerate(sources, 1):
        head = citation_html(i, citation_of(s, None))
        sections = "\n".join(f"   - {escape(x)}" for x in s.sections)
        blocks.append(head + ("\n" + sections if sections else ""))
    return blocks


def split_html(blocks: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Pack paragraphs into messages of at most `limit` characters.

    Paragraphs are joined with blank lines and never cut inside a tag or an entity; a
    paragraph longer than the limit is plain escaped text (answers are) and is cut at
    whitespace between entities.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _pieces(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _pieces(block: str, limit: int) -> list[str]:
    if len(block) <= limit:
        return [block]
    out, current = [], ""
    for word in block.split(" "):
        if len(word) > limit:  # one enormous "word": cut it, but never inside an &entity;
            if current:
                out.append(current)
                current = ""
            while len(word) > limit:
                cut = limit
                amp = word.rfind("&", cut - 8, cut)
                if amp > 0 and ";" not in word[amp:cut]:
                    cut = amp
                out.append(word[:cut])
                word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    return out


def _button(s: Suggestion, action: Action) -> InlineKeyboardButton:
    return InlineKeyboardButton(shorten(s.question, _LABEL), callback_data=str(action))

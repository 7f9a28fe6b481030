"""What a conversation action returns: what to show, never how it looks on a platform."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Source, Topic
from bot.reply import Reply, TopicReply

__all__ = [
    "AskWording",
    "Button",
    "Notice",
    "Privately",
    "Report",
    "Result",
    "Show",
    "ShowSources",
    "ShowTopic",
    "ShowTopics",
    "Silence",
]


@dataclass(frozen=True, slots=True)
class Show:
    """Show a reply: an answer with citations, "did you mean" suggestions, or a refusal.

    Attributes:
        reply: The core's reply.
        replace: A picked suggestion: replace the message the click came from where the
            platform can, rather than adding a new one.
        evidence: The question's reference, for its "did you mean" buttons
            (`Action.suggestion(id, evidence)`): picking one teaches the bot.
    """

    reply: Reply
    replace: bool = False
    evidence: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """A button to show under a message; a click sends `action` back to the core."""

    label: str
    action: str


@dataclass(frozen=True, slots=True)
class ShowTopic:
    """Show one topic and its questions (or the topics to pick from, when none matched)."""

    topic: TopicReply


@dataclass(frozen=True, slots=True)
class ShowTopics:
    """Show a message and the topics as choices (help, /topics)."""

    message: str
    topics: tuple[Topic, ...]


@dataclass(frozen=True, slots=True)
class ShowSources:
    """Show the documents answers cite."""

    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class Notice:
    """A short sentence from the bot itself.

    Attributes:
        text: What to say.
        private: Only the asker needs to see it (an ephemeral message or a click alert
            where the platform has one; otherwise an ordinary reply).
    """

    text: str
    private: bool = False


@dataclass(frozen=True, slots=True)
class Report:
    """Moderator output about other people's questions.

    The core returns it only where `Moderators.is_private_place` holds, so adapters show it
    as plain text right there, with its buttons (teaching, undo) under it.
    """

    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class AskWording:
    """Ask a moderator to confirm or reword what `learn` will write (moderators, in private).

    People's own words can identify them, so nothing from the log is written before a
    moderator has seen the wording and confirmed or changed it.

    Attributes:
        title: A short heading (at most 45 characters: Discord's modal title).
        prompt: What will be written where, and how to reword it.
        wording: The proposed wording (prefilled where the platform can).
        confirm: Writes the wording as it is (`lc:TOKEN`); a reworded answer refers to the
            same draft (`Conversation.reword`, `Conversation.confirm`).
        cancel: Drops the draft (`lx:TOKEN`).
    """

    title: str
    prompt: str
    wording: str
    confirm: Button
    cancel: Button


@dataclass(frozen=True, slots=True)
class Silence:
    """Say nothing (a flood that was already told once)."""


@dataclass(frozen=True, slots=True)
class Privately:
    """Show `inner` to the asker alone; the group sees at most the neutral `public` line.

    Attributes:
        inner: What only the asker should see.
        public: A neutral line for the group; it neither repeats nor labels the message.
        payload: A start payload that shows `inner` again when the person opens a private
            chat with the bot (Telegram deep links: `/start <payload>`).
    """

    inner: Show
    public: str
    payload: str


Result = (
    Show | ShowTopic | ShowTopics | ShowSources | Notice | Report | Silence | Privately | AskWording
)

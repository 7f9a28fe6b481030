"""Who is asking and where: what an adapter knows about a chat event, in neutral terms."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Asker"]


@dataclass(frozen=True, slots=True)
class Asker:
    """The person behind one event, and the place it happened.

    Ids are kept as text so every platform fits; the core hashes them before it keeps
    anything (rate limits, votes) and logs them only when a setting asks for it.

    Attributes:
        platform: "telegram", "discord", "console", ...
        user_id: The person's id on that platform (None when unknown, e.g. a channel post).
        chat_id: Where it was said (a private chat, a group, a channel).
        private: A one-to-one chat with the bot: nobody else reads the reply.
        whisper: The platform can answer so that only this person sees it, even in a group
            (Discord's ephemeral interaction responses).
        guild_id: The server, where the platform has them (Discord).
        role_ids: The person's roles in that server (Discord), for moderator roles.
        local: The operator at the machine's own console (trusted, never rate-limited).
        name: A display name, only for moderators' audit trails; never logged with questions.
    """

    platform: str
    user_id: str | None = None
    chat_id: str | None = None
    private: bool = True
    whisper: bool = False
    guild_id: str | None = None
    role_ids: frozenset[str] = frozenset()
    local: bool = False
    name: str | None = None

    @property
    def person(self) -> str:
        """A key for this person on this platform (the chat stands in when there is no user)."""
        return f"u{self.user_id}" if self.user_id is not None else f"c{self.chat_id}"

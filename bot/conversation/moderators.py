"""Who may run moderator actions: the people the settings name, nobody else."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.conversation.asker import Asker

__all__ = ["Moderators"]


@dataclass(frozen=True, slots=True)
class Moderators:
    """The configured moderators, and the chats where moderator output may be posted.

    Being a group administrator or having Manage Server somewhere is not enough: anyone
    can create a group or a server of their own. Only the user ids (and, on Discord, role
    ids, each of which belongs to exactly one server) listed in the settings count.

    Attributes:
        users: (platform, user id) pairs.
        roles: (platform, role id) pairs; a member holding one of them is a moderator.
        chats: (platform, chat id) pairs of moderator chats: reports may be posted there,
            and they hear about rejected FAQ edits.
    """

    users: frozenset[tuple[str, str]] = frozenset()
    roles: frozenset[tuple[str, str]] = frozenset()
    chats: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(
        cls,
        platform: str,
        *,
        users: Iterable[object] = (),
        roles: Iterable[object] = (),
        chats: Iterable[object] = (),
    ) -> Moderators:
        """Build the moderators of one platform from setting values."""
        return cls(
            frozenset((platform, str(u)) for u in users),
            frozenset((platform, str(r)) for r in roles),
            frozenset((platform, str(c)) for c in chats),
        )

    def __or__(self, other: Moderators) -> Moderators:
        """Combine the moderators of several platforms."""
        return Moderators(
            self.users | other.users, self.roles | other.roles, self.chats | other.chats
        )

    def configured(self, platform: str) -> bool:
        """Return True when at least one moderator is named for this platform."""
        return any(p == platform for p, _ in self.users | self.roles)

    def is_moderator(self, who: Asker) -> bool:
        """Whether this person is a configured moderator (the console operator always is)."""
        if who.local:
            return True
        if who.user_id is not None and (who.platform, who.user_id) in self.users:
            return True
        return any((who.platform, role) in self.roles for role in who.role_ids)

    def is_private_place(self, who: Asker) -> bool:
        """Whether output about other people's questions may be shown where `who` asked.

        True in a one-to-one chat, in an answer only this person sees, or in a configured
        moderator chat; never in an ordinary group.
        """
        if who.private or who.whisper or who.local:
            return True
        return who.chat_id is not None and (who.platform, who.chat_id) in self.chats

"""A whole new platform in ~50 lines: the conversation layer needs no change for it.

`LineAdapter` is what a developer adding, say, a Matrix or Slack adapter would write: turn
an incoming event into one `Conversation` call with an `Asker`, and render the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import messages
from bot.conversation import (
    Action,
    Asker,
    Conversation,
    Moderators,
    Notice,
    Privately,
    Report,
    Result,
    Show,
    ShowSources,
    ShowTopic,
    ShowTopics,
    Silence,
)
from bot.service import FaqService


@dataclass
class LineAdapter:
    """A chat platform whose messages are lines of text and whose buttons are numbers."""

    conversation: Conversation
    sent: list[tuple[str, str]] = field(default_factory=list)  # (chat, text)

    async def on_message(self, user: str, chat: str, text: str, *, private: bool) -> None:
        who = Asker("lines", user_id=user, chat_id=chat, private=private)
        command, _, rest = text.partition(" ")
        if command == "/unanswered":
            result = await self.conversation.unanswered(who)
        elif command == "/click":
            result = await self.conversation.click(who, rest, message_key=chat)
        else:
            result = await self.conversation.ask(who, text)
        self.render(chat, user, result)

    def render(self, chat: str, user: str, result: Result) -> None:
        if isinstance(result, Privately):
            self.sent.append((chat, result.public))
            self.render(f"dm:{user}", user, result.inner)
        elif isinstance(result, Show):
            reply = result.reply
            title = reply.entry.question if reply.entry else reply.message
            options = [str(Action.suggestion(s.entry_id)) for s in reply.suggestions]
            self.sent.append((chat, " | ".join([title, *options])))
        elif isinstance(result, Notice | Report):
            self.sent.append((chat, result.text))
        elif isinstance(result, ShowTopic | ShowTopics | ShowSources | Silence):
            pass  # not offered on this platform


async def test_a_new_platform_gets_every_rule_without_core_changes(service: FaqService) -> None:
    moderators = Moderators.of("lines", users=["mod"])
    adapter = LineAdapter(Conversation(service, moderators=moderators))
    await adapter.on_message("u1", "c1", "what happens to the family of a defector", private=True)
    assert adapter.sent[-1][1].startswith("What happens to the family")
    await adapter.on_message("u1", "c1", "border", private=True)
    offered = adapter.sent[-1][1].split(" | ")[1]
    await adapter.on_message("u1", "c1", f"/click {offered}", private=True)
    assert adapter.sent[-1][1] != messages.STALE
    await adapter.on_message("u2", "g1", "i want to escape north korea", private=False)
    assert adapter.sent[-2] == ("g1", messages.SAFETY_PUBLIC)  # the group sees a neutral line
    assert adapter.sent[-1][0] == "dm:u2"  # the person gets the reply privately
    await adapter.on_message("u2", "g1", "/unanswered", private=False)
    assert adapter.sent[-1][1] == messages.MODERATORS_ONLY
    await adapter.on_message("mod", "g1", "/unanswered", private=False)
    assert adapter.sent[-1][1] == messages.PRIVATE_ONLY
    for _ in range(7):
        await adapter.on_message("u3", "c3", "is it illegal to leave", private=True)
    assert [t for c, t in adapter.sent if c == "c3"][-1].startswith("You are asking faster")

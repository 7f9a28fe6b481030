"""Running bots pick learned changes up through live reload, and moderators hear a diff."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from adapters.platform_settings import TelegramSettings
from adapters.runner import serve
from adapters.telegram_bot import TelegramBot
from bot.conversation import Conversation
from bot.learn import Change, LearnConfig, Learner
from bot.service import FaqService
from tests.conftest import MINIMAL
from tests.fake_telegram import FakeBotApi

TOKEN = "123456:TEST-token-never-logged"
MODERATOR_CHAT = -100777


async def test_learned_and_hand_edits_reach_the_bot_and_the_moderators_as_a_diff(
    write_yaml: Callable[[str], Path],
) -> None:
    path = write_yaml(MINIMAL)
    fake = FakeBotApi(TOKEN)
    await fake.start()
    service = FaqService.from_path(path)
    conversation = Conversation(service)
    settings = TelegramSettings(
        bot_token=TOKEN, api_base_url=fake.base_url, moderator_chat_ids=[MODERATOR_CHAT]
    )
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(
            [("telegram", TelegramBot(conversation, settings))],
            stop,
            conversation=conversation,
            watch=path,
        )
    )
    try:
        await fake.wait_for("setMyCommands")
        await asyncio.sleep(0.3)
        path.write_text(MINIMAL, encoding="utf-8")  # saved without a change: nothing to tell
        await asyncio.sleep(1.0)
        assert fake.sent_to(MODERATOR_CHAT) == []
        await asyncio.to_thread(
            Learner(LearnConfig(path, devset=None)).apply,
            Change.add("second", "whats the 2nd thing"),
            moderator="Min-ji",
            platform="cli",
        )
        (learned,) = await fake.wait_for("sendMessage", timeout=10)
        assert int(learned.params["chat_id"]) == MODERATOR_CHAT
        assert learned.params["text"].startswith("FAQ reloaded: 2 entries")
        assert "+ second: “whats the 2nd thing”" in learned.params["text"]
        assert str(path) not in learned.params["text"]
        reply = service.ask("whats the 2nd thing")
        assert reply.entry is not None and reply.entry.id == "second"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("[first thing please]", "[first thing]"), encoding="utf-8")
        _, by_hand = await fake.wait_for("sendMessage", 2, timeout=10)
        lines = by_hand.params["text"].splitlines()[1:]
        assert lines == ["+ first: “first thing”", "- first: “first thing please”"]
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 10) == 0
        await fake.stop()

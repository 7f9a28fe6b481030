"""Learning on every platform: a pick becomes a candidate `faqbot learn list` shows; only a
configured moderator's confirmed click writes it (console, Telegram and Discord fakes)."""

from __future__ import annotations

import asyncio
import html
import json
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.discord_bot import DiscordBot
from adapters.platform_settings import DiscordSettings, TelegramSettings
from adapters.telegram_bot import TelegramBot
from bot import messages
from bot.conversation import Conversation, Moderators
from bot.learn import LearnConfig, Learner
from bot.service import FaqService
from bot.storage import QuestionLog
from tests.conftest import FAQ, ROOT, settings_free_env
from tests.fake_discord import APP_ID, CHANNEL_ID, FakeDiscord
from tests.fake_telegram import BOT_USER, USER, FakeBotApi

QUESTION = "do north koreans have phones"
ENTRY = "contact-outside"
MODERATOR_ID = 111  # USER of both fakes
ASKER = {**USER, "id": 222, "first_name": "Someone"}
EPHEMERAL = 64


@dataclass
class Place:
    faq: Path
    log: Path
    service: FaqService

    def learn(self, *args: str) -> subprocess.CompletedProcess[str]:
        base = settings_free_env()
        env = {
            **base,
            "FAQBOT_KNOWLEDGE": str(self.faq),
            "FAQBOT_LOG_PATH": str(self.log),
            "FAQBOT_WATCH": "false",
        }
        return subprocess.run(
            [sys.executable, "-m", "adapters", "learn", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def listed(self) -> list[dict[str, Any]]:
        assert self.service.qlog is not None and self.service.qlog.flush()
        done = self.learn("list", "--json")
        assert done.returncode == 0, done.stderr
        found: list[dict[str, Any]] = json.loads(done.stdout)
        return found

    def written(self) -> str:
        return self.faq.read_text(encoding="utf-8")


@pytest.fixture
def place(tmp_path: Path) -> Iterator[Place]:
    faq = Path(shutil.copy(FAQ, tmp_path / "faq.yaml"))
    service = FaqService.from_path(faq)
    service.qlog = QuestionLog(tmp_path / "q.sqlite3")
    yield Place(faq, tmp_path / "q.sqlite3", service)
    service.qlog.close()


def conversation(place: Place, moderators: Moderators) -> Conversation:
    return Conversation(
        place.service, moderators=moderators, learner=Learner(LearnConfig(place.faq, devset=None))
    )


def picked_candidate(place: Place) -> dict[str, Any]:
    (candidate,) = place.listed()
    assert candidate["kind"] == "picked" and candidate["wording"] == QUESTION
    assert candidate["entries"][0]["entry_id"] == ENTRY
    return candidate


# --- console --------------------------------------------------------------------------------


def test_console_number_pick_creates_a_candidate_learn_list_shows(place: Place) -> None:
    base = settings_free_env()
    env = {**base, "FAQBOT_KNOWLEDGE": str(place.faq), "FAQBOT_LOG_PATH": str(place.log)}
    done = subprocess.run(
        [sys.executable, "-m", "adapters", "chat"],
        input=f"{QUESTION}\n1\n",
        cwd=ROOT,
        env={**env, "FAQBOT_WATCH": "false"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "Did you mean" in done.stdout and "Can North Koreans contact people" in done.stdout
    candidate = picked_candidate(place)
    text = place.learn("list").stdout
    assert f"{candidate['id']}  picked 1 time → {ENTRY}" in text
    assert f'faqbot learn add {ENTRY} "{QUESTION}"' in text


# --- Telegram -------------------------------------------------------------------------------

TOKEN = "123456:TEST-token-never-logged"
GROUP = {"id": -100500, "type": "supergroup", "title": "Readers"}


@pytest.fixture
async def telegram(place: Place) -> AsyncIterator[tuple[FakeBotApi, TelegramBot]]:
    fake = FakeBotApi(TOKEN)
    await fake.start()
    settings = TelegramSettings(
        bot_token=TOKEN, api_base_url=fake.base_url, moderator_ids=[MODERATOR_ID]
    )
    moderators = Moderators.of("telegram", users=settings.moderator_ids)
    bot = TelegramBot(conversation(place, moderators), settings)
    await bot.start()
    yield fake, bot
    await bot.stop()
    await fake.stop()


def keyboard(call: Any) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


def bot_message(call: Any, message_id: int, chat: dict[str, Any]) -> dict[str, Any]:
    """The bot's message as Telegram shows it in a callback or a reply (with its buttons)."""
    return {
        "message_id": message_id,
        "date": 0,
        "chat": chat,
        "from": BOT_USER,
        "text": html.unescape(call.params["text"]),
        "reply_markup": call.params.get("reply_markup"),
    }


class Telegram:
    def __init__(self, fake: FakeBotApi) -> None:
        self.fake = fake
        self.ids = iter(range(9000, 10000))

    async def sent(self, chat_id: int, count: int) -> Any:
        async with asyncio.timeout(30):
            while len(self.fake.sent_to(chat_id)) < count:
                await asyncio.sleep(0.02)
        return self.fake.sent_to(chat_id)[count - 1]

    async def click(self, sender: dict[str, Any], data: str, on: dict[str, Any]) -> None:
        self.fake.push(
            callback_query={
                "id": f"cb{next(self.ids)}",
                "from": sender,
                "chat_instance": "1",
                "data": data,
                "message": on,
            }
        )

    async def alert(self, count: int) -> str:
        answers = await self.fake.wait_for("answerCallbackQuery", count, timeout=30)
        return str(answers[count - 1].params.get("text", ""))


def private(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


async def test_telegram_pick_then_a_moderators_confirmed_click_writes_it(
    place: Place, telegram: tuple[FakeBotApi, TelegramBot]
) -> None:
    fake, _bot = telegram
    tg = Telegram(fake)
    fake.push(message=fake.message(QUESTION, from_=ASKER))
    suggestions = await tg.sent(ASKER["id"], 1)
    (_label, pick), *_ = keyboard(suggestions)
    assert pick.startswith(f"s:{ENTRY}:")  # the button carries the question's reference
    await tg.click(ASKER, pick, bot_message(suggestions, 41, private(ASKER)))
    await fake.wait_for("editMessageText")
    candidate = picked_candidate(place)

    # The moderator asks for the list in private and gets the candidate with its buttons.
    cmd = [{"type": "bot_command", "offset": 0, "length": 11}]
    fake.push(message=fake.message("/unanswered", entities=cmd))
    listing = await tg.sent(MODERATOR_ID, 1)
    assert QUESTION in html.unescape(listing.params["text"])
    add = next(data for text, data in keyboard(listing) if data.startswith("la:"))
    assert add == f"la:{candidate['id']}:{ENTRY}"
    await tg.click(USER, add, bot_message(listing, 50, private(USER)))
    prompt = await tg.sent(MODERATOR_ID, 2)
    assert f"<code>{QUESTION}</code>" in prompt.params["text"]
    assert [t for t, _ in keyboard(prompt)] == [messages.TEACH_WRITE, messages.TEACH_CANCEL]
    # The moderator rewords it by replying to the prompt, then confirms.
    reply_to = bot_message(prompt, 51, private(USER))
    fake.push(message=fake.message("can people in nk have phones", reply_to_message=reply_to))
    again = await tg.sent(MODERATOR_ID, 3)
    assert "<code>can people in nk have phones</code>" in again.params["text"]
    assert QUESTION not in place.written()
    confirm = next(data for _, data in keyboard(again) if data.startswith("lc:"))
    await tg.click(USER, confirm, bot_message(again, 52, private(USER)))
    done = await tg.sent(MODERATOR_ID, 4)
    assert "Added “can people in nk have phones” to contact-outside" in html.unescape(
        done.params["text"]
    )
    assert [t for t, _ in keyboard(done)] == [messages.TEACH_UNDO]
    assert "      - can people in nk have phones\n" in place.written()
    assert place.learn("history").stdout.count("telegram") == 1


async def test_telegram_group_admin_and_forged_clicks_are_refused(
    place: Place, telegram: tuple[FakeBotApi, TelegramBot]
) -> None:
    fake, _bot = telegram
    tg = Telegram(fake)
    fake.push(message=fake.message(QUESTION, from_=ASKER))
    suggestions = await tg.sent(ASKER["id"], 1)
    await tg.click(ASKER, keyboard(suggestions)[0][1], bot_message(suggestions, 41, private(ASKER)))
    await fake.wait_for("editMessageText")
    candidate = picked_candidate(place)
    real = f"la:{candidate['id']}:{ENTRY}"
    fake.member_status = "creator"  # the group is theirs; they are not a configured moderator
    admin = {**USER, "id": 333, "first_name": "Owner"}
    shown = {"message_id": 60, "date": 0, "chat": GROUP, "from": BOT_USER, "text": "x"}
    await tg.click(admin, real, shown)
    assert await tg.alert(2) == messages.MODERATORS_ONLY
    await tg.click(admin, real, {**shown, "chat": private(admin)})  # in private: still no
    assert await tg.alert(3) == messages.MODERATORS_ONLY
    await tg.click(USER, real, shown)  # the moderator, but in a group
    assert await tg.alert(4) == messages.PRIVATE_ONLY
    for forged, expected in (
        (f"la:0badc0de:{ENTRY}", messages.TEACH_GONE),
        (f"la:{candidate['id']}:prison-camps", messages.STALE),
        ("lc:aaaaaaaaaa", messages.TEACH_EXPIRED),
        ("la:" + "9" * 70, messages.STALE),
    ):
        await tg.click(USER, forged, {**shown, "chat": private(USER)})
        assert await tg.alert(len(fake.of("answerCallbackQuery")) + 1) == expected
    assert fake.of("getChatMember") == []  # being an admin is never even asked
    assert QUESTION not in place.written().split("id: contact-outside")[1].split("answer:")[0]


# --- Discord ------------------------------------------------------------------------------

DISCORD_TOKEN = "discord-test-token.never.logged"


@pytest.fixture
async def discord_bot(place: Place) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(DISCORD_TOKEN)
    await fake.start()
    settings = DiscordSettings(
        bot_token=DISCORD_TOKEN,
        api_base_url=fake.api_url,
        gateway_url=fake.gateway_url,
        moderator_ids=[MODERATOR_ID],
    )
    moderators = Moderators.of("discord", users=settings.moderator_ids)
    bot = DiscordBot(conversation(place, moderators), settings)
    await bot.start()
    await fake.wait_ready()
    await asyncio.sleep(0.05)
    yield fake
    await bot.stop()
    await fake.stop()


def as_user(payload: dict[str, Any], user_id: str, permissions: str = "0") -> dict[str, Any]:
    payload["member"]["user"] = {**payload["member"]["user"], "id": user_id, "username": user_id}
    payload["member"]["permissions"] = permissions
    return payload


async def respond(fake: FakeDiscord, payload: dict[str, Any]) -> dict[str, Any]:
    await fake.dispatch("INTERACTION_CREATE", payload)
    (call,) = await fake.wait_for("POST", f"/interactions/{payload['id']}/", timeout=30)
    body: dict[str, Any] = call.body
    return body


def custom_ids(data: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in data.get("components", []) for c in row["components"]]


def component_click(fake: FakeDiscord, custom_id: str, user_id: str, permissions: str = "0") -> Any:
    button = {"type": 2, "style": 2, "label": "x", "custom_id": custom_id}
    shown = {**fake.message("x"), "components": [{"type": 1, "components": [button]}]}
    payload = fake.interaction(3, {"custom_id": custom_id, "component_type": 2}, message=shown)
    return as_user(payload, user_id, permissions)


async def discord_pick(fake: FakeDiscord, place: Place) -> dict[str, Any]:
    ask = {
        "id": "1",
        "name": "ask",
        "type": 1,
        "options": [{"name": "question", "type": 3, "value": QUESTION}],
    }
    body = await respond(fake, as_user(fake.interaction(2, ask), "222"))
    pick = custom_ids(body["data"])[0]
    assert pick.startswith(f"faq:s:{ENTRY}:")
    shown = await respond(fake, component_click(fake, pick, "222"))
    assert shown["data"]["embeds"][0]["title"].startswith("Can North Koreans contact")
    return picked_candidate(place)


async def test_discord_pick_then_a_moderators_confirmed_modal_writes_it(
    place: Place, discord_bot: FakeDiscord
) -> None:
    fake = discord_bot
    candidate = await discord_pick(fake, place)
    unanswered = {"id": "2", "name": "unanswered", "type": 1, "options": []}
    listing = await respond(fake, as_user(fake.interaction(2, unanswered), str(MODERATOR_ID)))
    assert listing["data"]["flags"] == EPHEMERAL and QUESTION in listing["data"]["content"]
    add = f"faq:la:{candidate['id']}:{ENTRY}"
    assert add in custom_ids(listing["data"])
    modal = await respond(fake, component_click(fake, add, str(MODERATOR_ID)))
    assert modal["type"] == 9  # a modal: the wording to confirm or change
    form = modal["data"]
    assert form["custom_id"].startswith("faq-teach:lc:")
    field = form["components"][1]["component"]
    assert field["value"] == QUESTION and field["custom_id"] == "wording"
    assert QUESTION not in place.written().split("id: contact-outside")[1].split("answer:")[0]
    submit = fake.interaction(
        5,
        {
            "custom_id": form["custom_id"],
            "components": [
                {"type": 10, "id": 1, "content": "x"},
                {
                    "type": 18,
                    "id": 2,
                    "component": {
                        "type": 4,
                        "custom_id": "wording",
                        "value": "can nk people own phones",
                    },
                },
            ],
        },
    )
    done = await respond(fake, as_user(submit, str(MODERATOR_ID)))
    assert done["data"]["flags"] == EPHEMERAL
    assert "Added “can nk people own phones” to contact-outside" in done["data"]["content"].replace(
        "\\", ""
    )
    assert any(c.startswith("faq:lu:") for c in custom_ids(done["data"]))
    assert "      - can nk people own phones\n" in place.written()
    assert "discord" in place.learn("history").stdout


async def test_discord_server_admin_and_forged_clicks_are_refused(
    place: Place, discord_bot: FakeDiscord
) -> None:
    fake = discord_bot
    candidate = await discord_pick(fake, place)
    real = f"faq:la:{candidate['id']}:{ENTRY}"
    administrator = str(1 << 3)
    refused = await respond(fake, component_click(fake, real, "333", administrator))
    assert refused["data"]["content"] == messages.MODERATORS_ONLY
    assert refused["data"]["flags"] == EPHEMERAL
    for forged, expected in (
        (f"faq:la:0badc0de:{ENTRY}", messages.TEACH_GONE),
        (f"faq:la:{candidate['id']}:prison-camps", messages.STALE),
        ("faq:lu:aaaaaaaaaa", messages.TEACH_UNDO_EXPIRED),
    ):
        body = await respond(fake, component_click(fake, forged, str(MODERATOR_ID)))
        assert body["data"]["content"] == expected and body["data"]["flags"] == EPHEMERAL
    # A modal submission for a draft nobody made is refused too.
    submit = fake.interaction(5, {"custom_id": "faq-teach:lc:aaaaaaaaaa", "components": []})
    await fake.dispatch("INTERACTION_CREATE", as_user(submit, "333"))
    await asyncio.sleep(0.3)
    assert fake.of("POST", f"/interactions/{submit['id']}/") == []  # no such form: discarded
    assert not fake.of("POST", f"/webhooks/{APP_ID}/")
    assert not fake.of("POST", f"/channels/{CHANNEL_ID}/messages")
    assert QUESTION not in place.written().split("id: contact-outside")[1].split("answer:")[0]


def test_console_unanswered_points_to_faqbot_learn(place: Place) -> None:
    from adapters.console import ConsoleChat

    chat = ConsoleChat(conversation(place, Moderators()))
    try:
        chat.handle(QUESTION)
        chat.handle("1")
        assert place.service.qlog is not None and place.service.qlog.flush()
        out = chat.handle("/unanswered") or ""
    finally:
        chat.close()
    assert f"“{QUESTION}” (picked 1 time → {ENTRY})" in out
    assert out.endswith(messages.TEACH_CONSOLE)

"""The real python-telegram-bot Application against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import html
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr
from telegram.error import InvalidToken

from adapters.platform_settings import TelegramSettings
from adapters.telegram_bot import TelegramBot
from adapters.telegram_render import reply_html, split_html
from bot import messages
from bot.conversation import Conversation, Moderators
from bot.service import FaqService
from bot.storage import QuestionLog
from tests.conftest import MINIMAL
from tests.fake_telegram import BOT_USER, USER, FakeBotApi

TOKEN = "123456:TEST-token-never-logged"
GROUP: dict[str, Any] = {"id": -100500, "type": "supergroup", "title": "Readers"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(TOKEN)
    await api.start()
    yield api
    await api.stop()


async def started(
    service: FaqService | Conversation, fake: FakeBotApi, **settings: Any
) -> TelegramBot:
    values: dict[str, Any] = {"bot_token": TOKEN, "api_base_url": fake.base_url, **settings}
    telegram = TelegramSettings(**values)
    conversation = (
        service
        if isinstance(service, Conversation)
        else Conversation(
            service,
            moderators=Moderators.of(
                "telegram", users=telegram.moderator_ids, chats=telegram.moderator_chat_ids
            ),
        )
    )
    bot = TelegramBot(conversation, telegram)
    await bot.start()
    return bot


@pytest.fixture
async def bot(service: FaqService, fake: FakeBotApi) -> AsyncIterator[TelegramBot]:
    running = await started(service, fake)
    yield running
    await running.stop()


def keyboard_data(call: Any) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_startup_registers_commands(bot: TelegramBot, fake: FakeBotApi) -> None:
    (call,) = await fake.wait_for("setMyCommands")
    names = [c["command"] for c in call.params["commands"]]
    assert names == ["ask", "topic", "topics", "sources", "privacy", "help"]


async def test_private_question_gets_cited_html_answer(bot: TelegramBot, fake: FakeBotApi) -> None:
    asked = fake.message("what happens to the family of a defector?")
    fake.push(message=asked)
    (call,) = await fake.wait_for("sendMessage")
    p = call.params
    assert int(p["chat_id"]) == USER["id"]
    assert p["parse_mode"] == "HTML"
    assert p["reply_parameters"]["message_id"] == asked["message_id"]
    assert p["text"].startswith("<b>What happens to the family of someone who escapes?</b>")
    assert (
        "<b>Sources</b>\n1. Why can&#x27;t you leave North Korea?, 2023-11-26, section “Family Punishment”"
        in p["text"]
    )
    assert "Cassie Grissom" in p["text"]
    assert keyboard_data(call) == [
        "e:family-deterrent",
        "e:prison-camps",
        "f:family-punishment:1",
        "f:family-punishment:0",
    ]
    assert all(len(d.encode()) <= 64 for d in keyboard_data(call))


async def test_group_mention_and_reply_are_answered_other_chatter_is_not(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    fake.push(message=fake.message("nice weather today", chat=GROUP))
    text = "@faq_test_bot is it illegal to leave nk"
    mention = fake.message(
        text, chat=GROUP, entities=[{"type": "mention", "offset": 0, "length": 13}]
    )
    fake.push(message=mention)
    (call,) = await fake.wait_for("sendMessage")
    assert int(call.params["chat_id"]) == GROUP["id"]
    assert call.params["reply_parameters"]["message_id"] == mention["message_id"]
    assert "Is it illegal to leave North Korea?" in call.params["text"]
    ours = {"message_id": 7, "date": 0, "chat": GROUP, "from": BOT_USER, "text": "earlier answer"}
    fake.push(message=fake.message("and what about the border?", chat=GROUP, reply_to_message=ours))
    calls = await fake.wait_for("sendMessage", 2)
    assert int(calls[1].params["chat_id"]) == GROUP["id"]
    await asyncio.sleep(0.3)
    assert len(fake.of("sendMessage")) == 2  # "nice weather today" was never answered


async def test_ask_command_and_topic_with_typo(bot: TelegramBot, fake: FakeBotApi) -> None:
    fake.push(
        message=fake.message(
            "/ask@faq_test_bot do north koreans have bank accounts",
            chat=GROUP,
            entities=[{"type": "bot_command", "offset": 0, "length": 17}],
        )
    )
    fake.push(
        message=fake.message(
            "/topic famly", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
        )
    )
    calls = await fake.wait_for("sendMessage", 2)  # two chats: answered in parallel
    first, second = sorted(calls, key=lambda c: int(c.params["chat_id"]))
    assert "Do North Koreans have bank accounts?" in first.params["text"]
    assert "Families and guilt by association" in second.params["text"]
    assert "e:family-punishment" in keyboard_data(second)


async def test_suggestion_button_edits_message_and_stale_button_is_explained(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    fake.push(message=fake.message("border"))
    (call,) = await fake.wait_for("sendMessage")
    assert call.params["text"] == html.escape(messages.SUGGEST)
    data = keyboard_data(call)
    assert data and all(d.startswith("s:") for d in data)
    shown = {
        "message_id": 41,
        "date": 0,
        "chat": {"id": USER["id"], "type": "private"},
        "from": BOT_USER,
        "text": "x",
    }
    fake.push(
        callback_query={
            "id": "cb1",
            "from": USER,
            "chat_instance": "1",
            "data": data[0],
            "message": shown,
        }
    )
    (edit,) = await fake.wait_for("editMessageText")
    assert edit.params["message_id"] == 41 and edit.params["parse_mode"] == "HTML"
    assert "<b>Sources</b>" in edit.params["text"]
    fake.push(
        callback_query={
            "id": "cb2",
            "from": USER,
            "chat_instance": "1",
            "data": "e:deleted-entry",
            "message": shown,
        }
    )
    answers = await fake.wait_for("answerCallbackQuery", 2)
    stale = next(a for a in answers if a.params["callback_query_id"] == "cb2")
    assert stale.params["text"] == messages.STALE


async def test_topics_are_buttons_and_inline_query_lists_cited_articles(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    fake.push(
        message=fake.message(
            "/topics", entities=[{"type": "bot_command", "offset": 0, "length": 7}]
        )
    )
    (call,) = await fake.wait_for("sendMessage")
    assert keyboard_data(call)[:2] == ["t:regime", "t:border"]
    fake.push(inline_query={"id": "iq1", "from": USER, "query": "family punished", "offset": ""})
    (answer,) = await fake.wait_for("answerInlineQuery")
    results = answer.params["results"]
    assert 1 <= len(results) <= 10
    assert answer.params["is_personal"] is False and answer.params["cache_time"] == 30
    first = results[0]
    assert (
        first["type"] == "article"
        and first["title"] == "What happens to the family of someone who escapes?"
    )
    assert "<b>Sources</b>" in first["input_message_content"]["message_text"]


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("<b>why</b> can't & north koreans leave", lambda t: "Why can&#x27;t North Koreans" in t),
        ("🙂🙂🙂", lambda t: html.escape(messages.HELP) in t),
    ],
    ids=["markup", "emoji-only"],
)
async def test_hostile_text_gets_escaped_reply(
    bot: TelegramBot, fake: FakeBotApi, text: str, check: Any
) -> None:
    fake.push(message=fake.message(text))
    (call,) = await fake.wait_for("sendMessage")
    assert check(call.params["text"])
    assert "<b>why</b>" not in call.params["text"]


async def test_flood_limit_429_is_waited_out_and_retried(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    fake.fail_once["sendMessage"] = {
        "error_code": 429,
        "description": "Too Many Requests",
        "parameters": {"retry_after": 1},
    }
    fake.push(message=fake.message("is it illegal to leave north korea"))
    first, second = await fake.wait_for("sendMessage", 2, timeout=15)
    assert first.params["text"] == second.params["text"]


async def test_a_flood_in_a_group_gets_one_notice(bot: TelegramBot, fake: FakeBotApi) -> None:
    entity = [{"type": "mention", "offset": 0, "length": 13}]
    for _ in range(12):
        fake.push(
            message=fake.message("@faq_test_bot why cant people leave", chat=GROUP, entities=entity)
        )
    await fake.wait_for("sendMessage", 6)
    await asyncio.sleep(0.5)
    texts = [c.params["text"] for c in fake.of("sendMessage")]
    assert len(texts) == 6  # the person's burst of 5, then one notice, then silence
    assert all("Sources" in t for t in texts[:5])
    assert texts[5].startswith("You are asking faster")


async def test_three_private_follow_ups_in_a_row_are_all_answered(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    for question in ("is it illegal to leave", "what about the border", "and families?"):
        fake.push(message=fake.message(question))
    calls = await fake.wait_for("sendMessage", 3)
    assert not any(c.params["text"].startswith("You are asking") for c in calls)


async def test_a_busy_group_does_not_delay_a_private_question(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    fake.send_delay[GROUP["id"]] = 0.5  # a group whose every message is slow to go out
    for i in range(40):
        fake.push(message=command(fake, "/topics", from_={**USER, "id": 500 + i}))
    asked = fake.message("is it illegal to leave north korea")
    started_at = time.monotonic()
    fake.push(message=asked)
    async with asyncio.timeout(5):
        while not fake.sent_to(USER["id"]):
            await asyncio.sleep(0.02)
    assert time.monotonic() - started_at < 1.0
    assert "Is it illegal to leave North Korea?" in fake.sent_to(USER["id"])[0].params["text"]
    # The group's 40 slow replies would take 20 s; the bot's stop would wait out its whole
    # grace for them. Let the rest go out at once.
    fake.send_delay[GROUP["id"]] = 0.0


async def test_polling_confirms_an_update_only_after_it_is_handled(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    fake.send_delay[USER["id"]] = 1.0
    update_id = fake.push(message=fake.message("is it illegal to leave north korea"))
    await asyncio.sleep(0.6)  # being handled: the reply is still on its way
    assert fake.confirmed_below <= update_id
    await fake.wait_for("sendMessage")
    await asyncio.sleep(0.3)
    fake.push(message=fake.message("what about the border"))
    await fake.wait_for("sendMessage", 2)
    assert fake.confirmed_below > update_id


@pytest.mark.parametrize(
    ("faults", "replies"),
    [
        (["500", "500"], 1),  # Telegram failed before acting: retried, exactly one reply
        (["drop"], 1),  # the connection died before the request arrived
        (["drop-after"], 2),  # it died after the message was sent: at most one duplicate
    ],
)
async def test_transient_failures_are_retried_not_apologised_for(
    bot: TelegramBot, fake: FakeBotApi, faults: list[str], replies: int
) -> None:
    fake.faults["sendMessage"] = list(faults)
    fake.push(message=fake.message("is it illegal to leave north korea"))
    calls = await fake.wait_for("sendMessage", replies, timeout=15)
    await asyncio.sleep(1.0)
    texts = [c.params["text"] for c in fake.of("sendMessage")]
    assert len(texts) == replies
    assert all("Is it illegal to leave North Korea?" in t for t in texts)
    assert calls


async def test_apology_only_after_retries_are_spent(
    bot: TelegramBot, fake: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    fake.faults["sendMessage"] = ["500"] * 4  # the retries (3) and the first try
    fake.push(message=fake.message("is it illegal to leave north korea"))
    (call,) = await fake.wait_for("sendMessage", timeout=20)
    assert call.params["text"] == messages.ERROR
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert errors and all(r.exc_info is None for r in errors)  # one line, no traceback


async def test_groups_outside_the_allow_list_are_left(
    service: FaqService, fake: FakeBotApi
) -> None:
    bot = await started(service, fake, allowed_chat_ids=[-42])
    try:
        entity = [{"type": "mention", "offset": 0, "length": 13}]
        fake.push(message=fake.message("@faq_test_bot hello", chat=GROUP, entities=entity))
        fake.push(message=fake.message("is it illegal to leave north korea"))
        (left,) = await fake.wait_for("leaveChat")
        assert int(left.params["chat_id"]) == GROUP["id"]
        (call,) = await fake.wait_for("sendMessage")
        assert int(call.params["chat_id"]) == USER["id"]  # private chats are always served
        assert fake.sent_to(GROUP["id"]) == []
    finally:
        await bot.stop()


async def test_webhook_refuses_a_wrong_secret(
    service: FaqService, fake: FakeBotApi, unused_tcp_port: int
) -> None:
    bot = await started(
        service,
        fake,
        webhook_url=f"http://127.0.0.1:{unused_tcp_port}",
        webhook_listen="127.0.0.1",
        webhook_port=unused_tcp_port,
        webhook_secret="right-secret",
    )
    try:
        (hook,) = await fake.wait_for("setWebhook")
        assert hook.params["secret_token"] == "right-secret"
        update = {"update_id": 1, "message": fake.message("is it illegal to leave nk")}
        url = f"http://127.0.0.1:{unused_tcp_port}/telegram"
        async with aiohttp.ClientSession() as http:
            async with http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            ) as r:
                assert r.status == 403
            async with http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "right-secret"}
            ) as r:
                assert r.status == 200
        (call,) = await fake.wait_for("sendMessage")
        assert "Is it illegal to leave North Korea?" in call.params["text"]
    finally:
        await bot.stop()


@pytest.mark.parametrize("size", [5000, 9000])
def test_long_text_splits_without_breaking_markup(size: int) -> None:
    paragraph = html.escape("A <tag> & more. " * (size // 16))
    chunks = split_html(["<b>Title</b>", paragraph, "<b>Sources</b>\n1. x"])
    assert len(chunks) >= 2 and all(len(c) <= 4096 for c in chunks)
    joined = "".join(chunks)
    assert joined.count("<b>") == joined.count("</b>") == 2
    for chunk in chunks:
        assert chunk.count("&") == chunk.count(";")  # no entity cut in half


def command(fake: FakeBotApi, text: str, **extra: Any) -> dict[str, Any]:
    word = text.split()[0]
    return fake.message(
        text,
        chat=GROUP,
        entities=[{"type": "bot_command", "offset": 0, "length": len(word)}],
        **extra,
    )


async def test_a_group_admin_who_is_not_configured_can_do_nothing(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    fake.member_status = "creator"  # they made the group themselves
    fake.push(message=command(fake, "/reload"))
    fake.push(message=command(fake, "/unanswered"))
    fake.push(message=command(fake, "/reload", sender_chat=GROUP))  # an anonymous admin
    calls = await fake.wait_for("sendMessage", 3)
    assert all("No moderators are configured" in c.params["text"] for c in calls)
    assert fake.of("getChatMember") == []  # being an admin is never even asked


async def test_configured_moderator_reloads_and_reads_the_report_only_in_private(
    service: FaqService, fake: FakeBotApi, tmp_path: Path
) -> None:
    logged = FaqService(service._snapshot, path=service._path)
    logged.qlog = QuestionLog(tmp_path / "q.sqlite3")
    bot = await started(logged, fake, moderator_ids=[USER["id"]])
    stranger: dict[str, Any] = {**USER, "id": 222}
    try:
        fake.push(message=fake.message("what is the weather in pyongyang", from_=stranger))
        await fake.wait_for("sendMessage")
        logged.qlog.flush()
        fake.push(message=command(fake, "/reload", from_=stranger))
        fake.push(message=command(fake, "/reload"))
        fake.push(message=command(fake, "/unanswered"))  # in the group: refused
        await fake.wait_for("sendMessage", 4)
        fake.push(message=fake.message("/unanswered", entities=[_CMD(11)]))  # in private
        await fake.wait_for("sendMessage", 5)
        in_group = [html.unescape(c.params["text"]) for c in fake.sent_to(GROUP["id"])]
        assert in_group[0] == messages.MODERATORS_ONLY
        assert in_group[1].startswith("FAQ reloaded:")
        assert in_group[2] == messages.PRIVATE_ONLY
        assert not any("weather" in t for t in in_group)
        (report,) = fake.sent_to(USER["id"])
        assert "weather" in report.params["text"]
    finally:
        await bot.stop()
        logged.qlog.close()


def _CMD(length: int) -> dict[str, Any]:
    return {"type": "bot_command", "offset": 0, "length": length}


async def test_feedback_counts_one_vote_per_person_per_answer(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    shown = {
        "message_id": 77,
        "date": 0,
        "chat": {"id": USER["id"], "type": "private"},
        "from": BOT_USER,
        "text": "x",
    }
    for n in (1, 2):
        fake.push(
            callback_query={
                "id": f"v{n}",
                "from": USER,
                "chat_instance": "1",
                "data": "f:banks:1",
                "message": shown,
            }
        )
    first, second = await fake.wait_for("answerCallbackQuery", 2)
    assert first.params["text"] == messages.THANKS
    assert second.params["text"] == messages.ALREADY_VOTED


async def test_5000_character_answer_is_split_into_valid_messages(
    fake: FakeBotApi, write_yaml: Callable[[str], Path]
) -> None:
    long_answer = (
        " ".join(["Paragraph <one> & more words here."] * 80)
        + "\n\n"
        + " ".join(["Second & last."] * 200)
    )
    path = write_yaml(
        MINIMAL.replace("answer: The first answer.", "answer: " + json.dumps(long_answer))
    )
    bot = await started(FaqService.from_path(path), fake)
    try:
        fake.push(message=fake.message("what is the first thing"))
        await asyncio.sleep(0.5)
        calls = await fake.wait_for("sendMessage", 2)
        texts = [c.params["text"] for c in calls]
        assert all(len(t) <= 4096 for t in texts) and len(texts) >= 2
        assert (
            texts[0].startswith("<b>What is the first thing?</b>") and "<b>Sources</b>" in texts[-1]
        )
        for t in texts:
            assert t.count("<b>") == t.count("</b>") and t.count("&") == t.count(";")
        assert "reply_markup" not in calls[0].params and keyboard_data(calls[-1])  # buttons last
    finally:
        await bot.stop()


async def test_edits_are_ignored_and_non_text_gets_a_polite_note(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    fake.push(edited_message={**fake.message("is it illegal to leave nk"), "edit_date": 1})
    fake.push(
        message=fake.message(
            None,
            sticker={
                "file_id": "s",
                "file_unique_id": "s",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            },
        )
    )
    (call,) = await fake.wait_for("sendMessage")
    assert call.params["text"] == messages.NOT_TEXT
    await asyncio.sleep(0.3)
    assert len(fake.of("sendMessage")) == 1  # the edit was not answered


async def test_at_risk_message_in_a_group_gets_a_neutral_line_and_a_private_link(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    text = "@faq_test_bot i want to escape north korea, how do i cross the river"
    asked = fake.message(
        text, chat=GROUP, entities=[{"type": "mention", "offset": 0, "length": 13}]
    )
    fake.push(message=asked)
    (public,) = await fake.wait_for("sendMessage")
    assert int(public.params["chat_id"]) == GROUP["id"]
    assert public.params["text"] == messages.SAFETY_PUBLIC
    assert "reply_parameters" not in public.params  # does not point at the person's message
    (button,) = public.params["reply_markup"]["inline_keyboard"][0]
    assert button["url"] == "https://t.me/faq_test_bot?start=safety"
    fake.push(message=fake.message("/start safety", entities=[_CMD(6)]))
    calls = await fake.wait_for("sendMessage", 2)
    private = calls[1]
    assert int(private.params["chat_id"]) == USER["id"]
    assert "<b>Sources</b>" in private.params["text"]
    assert not any(d.startswith("f:") for d in keyboard_data(private))  # no votes on it


async def test_at_risk_message_in_private_gets_the_safety_reply_at_once(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    for _ in range(8):  # never rate-limited
        fake.push(message=fake.message("i want to escape north korea, how do i cross the river"))
    calls = await fake.wait_for("sendMessage", 8)
    assert len({c.params["text"] for c in calls}) == 1
    assert "<b>Sources</b>" in calls[0].params["text"]


async def test_inline_mode_never_posts_the_safety_reply(bot: TelegramBot, fake: FakeBotApi) -> None:
    fake.push(
        inline_query={"id": "iq9", "from": USER, "query": "i want to escape nk", "offset": ""}
    )
    (answer,) = await fake.wait_for("answerInlineQuery")
    assert answer.params["results"] == []
    assert answer.params["button"]["start_parameter"] == "safety"


async def test_async_with_starts_and_always_stops(service: FaqService, fake: FakeBotApi) -> None:
    settings = TelegramSettings(bot_token=SecretStr(TOKEN), api_base_url=fake.base_url)
    async with TelegramBot(Conversation(service), settings) as bot:
        fake.push(message=fake.message("is it illegal to leave north korea"))
        await fake.wait_for("sendMessage")
    assert not bot.app.running
    await bot.stop()  # again: nothing happens


async def test_a_bad_token_leaves_nothing_open(service: FaqService, fake: FakeBotApi) -> None:
    bot = TelegramBot(
        Conversation(service),
        TelegramSettings(bot_token=SecretStr("1:wrong"), api_base_url=fake.base_url),
    )
    with pytest.raises(InvalidToken):
        await bot.start()
    assert not bot.app.running


def test_refusal_html_carries_the_out_of_scope_note_first(service: FaqService) -> None:
    reply = service.ask("Can I visit North Korea as a tourist?")
    assert reply.note is not None
    blocks = reply_html(reply)
    assert blocks[0] == html.escape(reply.note)
    assert blocks[1] == html.escape(messages.NONE)

"""`faqbot run` as a user starts it: one process, platforms from settings, clean shutdown."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.platform_settings import TelegramSettings
from adapters.runner import serve
from adapters.telegram_bot import TelegramBot
from bot.conversation import Conversation
from bot.service import FaqService
from tests.conftest import MINIMAL, ROOT, settings_free_env
from tests.fake_discord import APP_ID, FakeDiscord
from tests.fake_telegram import USER, FakeBotApi

TOKEN = "987654:RUNNER-secret-token"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(TOKEN)
    await api.start()
    yield api
    await api.stop()


async def run_faqbot(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    full = settings_free_env("FAQBOT_LOG_PATH")
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters",
        "--debug",
        *args,
        cwd=ROOT,
        env={**full, **env},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_run_with_telegram_token_answers_and_never_logs_the_token(fake: FakeBotApi) -> None:
    proc = await run_faqbot(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}, "run"
    )
    try:
        fake.push(message=fake.message("why can't north koreans just leave?"))
        (call,) = await fake.wait_for("sendMessage", timeout=30)
        assert call.params["parse_mode"] == "HTML"
        assert (
            "<b>Why can&#x27;t North Koreans just leave their country?</b>" in call.params["text"]
        )
        assert "<b>Sources</b>" in call.params["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    log = err.decode()
    assert "telegram: connected" in log and "telegram: answer why-cant-leave" in log
    assert TOKEN not in log and TOKEN not in out.decode()
    # --debug shows the bot's own debug lines, not who asked or what they asked.
    assert "Asker" not in log and "just leave" not in log
    assert "you>" not in out.decode() and "I answer questions" not in out.decode()  # no console


async def test_bad_token_is_one_clear_line(fake: FakeBotApi) -> None:
    proc = await run_faqbot(
        {"TELEGRAM_BOT_TOKEN": "111:wrong", "TELEGRAM_API_BASE_URL": fake.base_url}, "run"
    )
    _out, err = await asyncio.wait_for(proc.communicate(), 30)
    log = err.decode()
    assert proc.returncode == 1
    assert "telegram: could not start: InvalidToken" in log
    assert "111:wrong" not in log


async def test_telegram_and_discord_run_in_one_process(fake: FakeBotApi) -> None:
    discord_fake = FakeDiscord("discord-runner-token")
    await discord_fake.start()
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "DISCORD_BOT_TOKEN": "discord-runner-token",
        "DISCORD_API_BASE_URL": discord_fake.api_url,
        "DISCORD_GATEWAY_URL": discord_fake.gateway_url,
    }
    proc = await run_faqbot(env, "run")
    try:
        await discord_fake.wait_ready(timeout=30)
        ask = {
            "id": "1",
            "name": "ask",
            "type": 1,
            "options": [{"name": "question", "type": 3, "value": "is it illegal to leave nk"}],
        }
        payload = discord_fake.interaction(2, ask)
        await discord_fake.dispatch("INTERACTION_CREATE", payload)
        fake.push(message=fake.message("do north koreans have bank accounts"))
        (reply,) = await discord_fake.wait_for(
            "POST", f"/interactions/{payload['id']}/", timeout=30
        )
        (sent,) = await fake.wait_for("sendMessage", timeout=30)
        assert reply.body["data"]["embeds"][0]["title"] == "Is it illegal to leave North Korea?"
        assert "Do North Koreans have bank accounts?" in sent.params["text"]
        assert discord_fake.of("PUT", f"/applications/{APP_ID}/commands")
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
        await discord_fake.stop()
    log = err.decode()
    assert proc.returncode == 0, log
    assert "telegram: connected" in log and "discord: connected" in log
    assert "discord-runner-token" not in log and TOKEN not in log
    assert payload["token"] not in log and "asker" not in log.casefold()
    assert "bank accounts" not in log and "illegal to leave" not in log


async def test_rejected_edit_is_posted_to_moderator_chats(
    fake: FakeBotApi, write_yaml: Callable[[str], Path]
) -> None:
    path = write_yaml(MINIMAL)
    service = FaqService.from_path(path)
    conversation = Conversation(service)
    settings = TelegramSettings(
        bot_token=TOKEN, api_base_url=fake.base_url, moderator_chat_ids=[-100777]
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
        path.write_text(
            MINIMAL.replace("answer: The first answer.", "answer: no"), encoding="utf-8"
        )
        (notice,) = await fake.wait_for("sendMessage", timeout=10)
        assert int(notice.params["chat_id"]) == -100777
        assert "FAQ edit rejected" in notice.params["text"]
        assert "faq.yaml:15" in notice.params["text"] and str(path) not in notice.params["text"]
        assert service.ask("what is the first thing").entry.answer == "The first answer."  # type: ignore[union-attr]
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 10) == 0


async def test_bad_discord_token_leaves_telegram_serving_and_nothing_open(
    fake: FakeBotApi,
) -> None:
    discord_fake = FakeDiscord("the-real-discord-token")
    await discord_fake.start()
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "DISCORD_BOT_TOKEN": "a-wrong-discord-token",
        "DISCORD_API_BASE_URL": discord_fake.api_url,
        "DISCORD_GATEWAY_URL": discord_fake.gateway_url,
    }
    proc = await run_faqbot(env, "run")
    try:
        fake.push(message=fake.message("do north koreans have bank accounts"))
        (sent,) = await fake.wait_for("sendMessage", timeout=30)
        assert "Do North Koreans have bank accounts?" in sent.params["text"]
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
        await discord_fake.stop()
    log = err.decode()
    assert proc.returncode == 0, log
    assert [line for line in log.splitlines() if "discord: could not start" in line] == [
        next(line for line in log.splitlines() if "discord: could not start" in line)
    ]
    assert "LoginFailure" in log and "Unclosed" not in log
    assert "a-wrong-discord-token" not in log


def slow_env(fake: FakeBotApi, grace: float) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_STOP_GRACE_SECONDS": str(grace),
    }


def ask_from_many(fake: FakeBotApi, count: int, delay: float) -> list[int]:
    ids = []
    for i in range(count):
        user: dict[str, Any] = {"id": 7000 + i, "is_bot": False, "first_name": f"Reader {i}"}
        fake.send_delay[user["id"]] = delay
        ids.append(
            fake.push(message=fake.message("is it illegal to leave north korea", from_=user))
        )
    return ids


async def test_sigterm_with_a_backlog_stops_within_the_grace_and_nothing_is_lost(
    fake: FakeBotApi,
) -> None:
    proc = await run_faqbot(slow_env(fake, 2.0), "run")
    ids = ask_from_many(fake, 12, delay=20.0)  # replies that cannot finish in time
    await fake.wait_for("setMyCommands", timeout=30)
    await asyncio.sleep(1.5)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _out, err = await asyncio.wait_for(proc.communicate(), 30)
    took = time.monotonic() - started
    assert proc.returncode == 0, err.decode()
    assert took < 8.0  # inside a container's usual 10 s stop grace
    assert "12 updates left unanswered" in err.decode()
    assert fake.confirmed_below <= min(ids)  # none of them was confirmed to Telegram
    for user in list(fake.send_delay):
        fake.send_delay[user] = 0.0
    again = await run_faqbot(slow_env(fake, 2.0), "run")
    try:
        await fake.wait_for("sendMessage", 12, timeout=30)  # the next start answers them all
    finally:
        again.send_signal(signal.SIGTERM)
        await asyncio.wait_for(again.communicate(), 30)


async def test_kill_9_under_load_loses_no_confirmed_update(fake: FakeBotApi) -> None:
    proc = await run_faqbot(slow_env(fake, 2.0), "run")
    await fake.wait_for("setMyCommands", timeout=30)
    fast = ask_from_many(fake, 6, delay=0.0)
    await fake.wait_for("sendMessage", 6, timeout=30)
    slow = [fake.push(message=fake.message(f"why cant people leave {i}")) for i in range(3)]
    fake.send_delay[USER["id"]] = 30.0
    await asyncio.sleep(1.0)
    proc.kill()
    await proc.wait()
    confirmed = fake.confirmed_below
    answered_before = len(fake.of("sendMessage"))
    fake.send_delay[USER["id"]] = 0.0
    again = await run_faqbot(slow_env(fake, 2.0), "run")
    try:
        await fake.wait_for("sendMessage", answered_before + 1, timeout=30)
        await asyncio.sleep(1.0)
    finally:
        again.send_signal(signal.SIGTERM)
        await asyncio.wait_for(again.communicate(), 30)
    assert confirmed <= min(slow)  # the update being handled was not confirmed...
    answered = {int(c.params["reply_parameters"]["message_id"]) for c in fake.of("sendMessage")}
    handled_ids = {u["update_id"]: u["message"]["message_id"] for u in fake._updates}
    for update_id in [*fast, *slow]:  # ...so every update, confirmed or not, got its answer
        assert handled_ids[update_id] in answered

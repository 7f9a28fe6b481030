"""Readiness follows Telegram polling: failing getUpdates makes the replica unready."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from adapters.http_health import tracked
from adapters.platform_settings import TelegramSettings
from adapters.telegram_bot import TelegramBot
from bot import metrics
from bot.conversation import Conversation
from bot.service import FaqService
from tests.fake_telegram import FakeBotApi

TOKEN = "123456:READY-token"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(TOKEN)
    await api.start()
    yield api
    await api.stop()


async def states_until(want: str, history: list[tuple[str, str]], timeout: float = 20) -> None:
    async def until() -> None:
        while not any(state == want for state, _ in history):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(until(), timeout)


@pytest.fixture
def history(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    record = metrics.ADAPTERS.set

    def set_and_record(name: str, state: str, detail: str = "") -> None:
        seen.append((state, detail))
        record(name, state, detail)

    monkeypatch.setattr(metrics.ADAPTERS, "set", set_and_record)
    return seen


async def test_polling_failures_and_recovery_are_reported(
    service: FaqService, fake: FakeBotApi, history: list[tuple[str, str]]
) -> None:
    settings = TelegramSettings(bot_token=TOKEN, api_base_url=fake.base_url)
    ((_, adapter),) = tracked([("telegram", TelegramBot(Conversation(service), settings))])
    fake.faults["getUpdates"] = ["500", "500"]
    await adapter.start()
    try:
        await states_until("disconnected", history)
        fake.push(message=fake.message("is it illegal to leave north korea"))
        await fake.wait_for("sendMessage", timeout=20)  # polling works again...
    finally:
        await adapter.stop()
    states = [state for state, _ in history]
    assert ("disconnected", "polling failed: NetworkError") in history
    assert states.count("disconnected") == 1  # reported when it starts failing, not per try
    down = states.index("disconnected")
    assert "connected" in states[down:]  # ...and readiness says so


async def test_a_second_poller_is_named_in_one_line(
    service: FaqService,
    fake: FakeBotApi,
    history: list[tuple[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.fail_once["getUpdates"] = {
        "error_code": 409,
        "description": "Conflict: terminated by other getUpdates request",
    }
    bot = TelegramBot(
        Conversation(service), TelegramSettings(bot_token=TOKEN, api_base_url=fake.base_url)
    )
    with caplog.at_level(logging.ERROR, logger="adapters.telegram_updates"):
        await bot.start()
        try:
            await states_until("disconnected", history)
        finally:
            await bot.stop()
    assert ("disconnected", "another process polls with this token") in history
    (line,) = [r.getMessage() for r in caplog.records if "another process" in r.getMessage()]
    assert "TELEGRAM_WEBHOOK_URL" in line

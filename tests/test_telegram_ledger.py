"""Webhook updates answered once: claims, done marks, crashed holders, shared replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.platform_settings import TelegramSettings
from adapters.telegram_bot import TelegramBot
from adapters.telegram_ledger import Turn, UpdateLedger
from bot import metrics
from bot.conversation import Conversation
from bot.service import FaqService
from bot.state import Hasher, MemoryState
from tests.fake_telegram import FakeBotApi

TOKEN = "123456:LEDGER-token"
SECRET = "ledger-secret_1"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_one_delivery_handles_the_others_wait_for_it() -> None:
    ledger = UpdateLedger(MemoryState(), Hasher(b"k"), poll_seconds=0.01)
    assert await ledger.turn(7, wait=1.0) is Turn.HANDLE
    waiting = asyncio.create_task(ledger.turn(7, wait=5.0))  # a concurrent redelivery
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await ledger.finish(7)
    assert await waiting is Turn.DONE
    assert await ledger.turn(7, wait=0) is Turn.DONE  # a later redelivery
    assert await ledger.turn(8, wait=0) is Turn.HANDLE  # other updates are independent


async def test_a_holder_still_working_makes_a_redelivery_retry_later() -> None:
    ledger = UpdateLedger(MemoryState(), Hasher(b"k"), poll_seconds=0.01)
    assert await ledger.turn(7, wait=1.0) is Turn.HANDLE
    assert await ledger.turn(7, wait=0.05) is Turn.BUSY


async def test_a_crashed_holders_claim_expires_and_the_update_is_handled_again() -> None:
    clock = Clock()
    ledger = UpdateLedger(
        MemoryState(), Hasher(b"k"), claim_seconds=60, clock=clock, poll_seconds=0.01
    )
    assert await ledger.turn(7, wait=1.0) is Turn.HANDLE  # ... and that replica dies
    clock.now += 30
    assert await ledger.turn(7, wait=0.05) is Turn.BUSY  # Telegram retries: still claimed
    clock.now += 31
    assert await ledger.turn(7, wait=0.05) is Turn.HANDLE  # claim expired: not lost


async def test_replicas_sharing_state_agree_and_keys_are_hashed() -> None:
    shared = MemoryState()
    a = UpdateLedger(shared, Hasher(b"same-secret"), poll_seconds=0.01)
    b = UpdateLedger(shared, Hasher(b"same-secret"), poll_seconds=0.01)
    turns = await asyncio.gather(a.turn(99, wait=0.05), b.turn(99, wait=0.05))
    assert sorted(t.value for t in turns) == ["busy", "handle"]
    keys = [key for table in shared._marks.values() for key in table]
    assert keys and all(len(key) == 32 and int(key, 16) >= 0 for key in keys)  # hashes only


# --- the webhook server of the real adapter ------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(TOKEN)
    await api.start()
    yield api
    await api.stop()


def webhook_bot(
    service: FaqService, fake: FakeBotApi, port: int, state: MemoryState, **extra: Any
) -> TelegramBot:
    settings = TelegramSettings(
        bot_token=TOKEN,
        api_base_url=fake.base_url,
        webhook_url="https://bot.example.org",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=extra.pop("secret", SECRET),
        **extra,
    )
    return TelegramBot(Conversation(service, state=state, hasher=Hasher(b"shared")), settings)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_concurrent_and_later_redeliveries_to_two_replicas_get_one_answer(
    service: FaqService, fake: FakeBotApi
) -> None:
    def repeats() -> float:
        value = metrics.REGISTRY.get_sample_value(
            "faqbot_webhook_repeats_total", {"outcome": "done"}
        )
        return value or 0.0

    before = repeats()
    state = MemoryState()  # what PostgreSQL is to real replicas
    ports = [free_port(), free_port()]
    bots = [webhook_bot(service, fake, port, state) for port in ports]
    for bot in bots:
        await bot.start()
    try:
        urls = [f"http://127.0.0.1:{port}/telegram" for port in ports]
        fake.send_delay[111] = 1.0  # the first delivery is still being answered...
        update = fake.make_update(message=fake.message("is it illegal to leave north korea"))
        first = asyncio.create_task(fake.deliver(urls[0], update, secret=SECRET))
        await asyncio.sleep(0.3)
        # ...when Telegram, impatient, delivers it to the other replica too.
        second = await fake.deliver(urls[1], update, secret=SECRET)
        assert await first == 200 and second == 200  # the second waited for the first
        assert await fake.deliver(urls[1], update, secret=SECRET) == 200  # a late retry
        assert await fake.deliver(urls[0], update, secret=SECRET) == 200
        await asyncio.sleep(0.3)
        assert len(fake.sent_to(111)) == 1
        assert repeats() - before == 3  # the waiting one and both late ones, on /metrics
    finally:
        for bot in bots:
            await bot.stop()


async def test_webhook_is_registered_by_one_replica_and_again_when_the_secret_changes(
    service: FaqService, fake: FakeBotApi
) -> None:
    state = MemoryState()
    first = webhook_bot(service, fake, free_port(), state)
    await first.start()
    await first.stop()
    second = webhook_bot(service, fake, free_port(), state)
    await second.start()  # same URL and secret: Telegram already has them
    await second.stop()
    assert len(fake.of("setWebhook")) == 1
    rotated = webhook_bot(service, fake, free_port(), state, secret="a-new-secret")
    await rotated.start()  # Telegram shows the same URL, but the secret is new
    await rotated.stop()
    hooks = fake.of("setWebhook")
    assert [h.params["secret_token"] for h in hooks] == [SECRET, "a-new-secret"]
    assert hooks[0].params["url"] == "https://bot.example.org/telegram"


async def test_webhook_mode_without_a_secret_refuses_to_start(
    service: FaqService, fake: FakeBotApi
) -> None:
    bot = webhook_bot(service, fake, free_port(), MemoryState(), secret=None)
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET must be set"):
        await bot.start()
    assert fake.of("setWebhook") == []


async def test_an_update_handled_at_midnight_is_not_answered_again_after_it() -> None:
    import datetime as dt

    day = [dt.date(2026, 11, 30)]
    state = MemoryState()
    ledger = UpdateLedger(state, Hasher(b"k", today=lambda: day[0]), poll_seconds=0.01)
    assert await ledger.turn(5, wait=0) is Turn.HANDLE
    await ledger.finish(5)
    day[0] = dt.date(2026, 12, 1)  # the daily key of people's hashes changes...
    assert await ledger.turn(5, wait=0) is Turn.DONE  # ...update marks are kept


async def test_a_stop_cuts_off_an_update_in_flight_which_the_next_replica_answers(
    service: FaqService, fake: FakeBotApi
) -> None:
    import time

    state = MemoryState()
    port = free_port()
    stopping = webhook_bot(service, fake, port, state, stop_grace_seconds=1.0)
    await stopping.start()
    url = f"http://127.0.0.1:{port}/telegram"
    fake.send_delay[111] = 30.0  # its reply cannot finish within the grace
    update = fake.make_update(message=fake.message("is it illegal to leave north korea"))
    delivery = asyncio.create_task(fake.deliver(url, update, secret=SECRET))
    await asyncio.sleep(0.5)
    started = time.monotonic()
    await stopping.stop()
    assert time.monotonic() - started < 4.0  # within the grace, not the delivery's 50 s
    assert await delivery == 503  # not acknowledged: Telegram delivers it again
    fake.send_delay[111] = 0.0
    port = free_port()
    other = webhook_bot(service, fake, port, state)
    await other.start()
    try:  # the claim was given back: the redelivery is answered at once
        status = await fake.deliver(f"http://127.0.0.1:{port}/telegram", update, secret=SECRET)
        assert status == 200
        (sent,) = await fake.wait_for("sendMessage", timeout=5)
        assert "Is it illegal to leave North Korea?" in sent.params["text"]
    finally:
        await other.stop()

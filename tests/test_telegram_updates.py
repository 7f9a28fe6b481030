"""Scheduling and confirming Telegram updates, without a network."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Chat, Message, Update, User

from adapters.telegram_updates import ChatScheduler, Poller

ME = User(1, "bot", is_bot=True)


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE if chat_id > 0 else Chat.SUPERGROUP)
    message = Message(update_id, None, chat, from_user=User(chat_id, "u", is_bot=False))  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def test_one_chat_in_order_chats_in_parallel() -> None:
    log: list[tuple[str, int]] = []

    async def handle(u: Update) -> None:
        log.append(("start", u.update_id))
        await asyncio.sleep(0.05 if u.effective_chat and u.effective_chat.id == -5 else 0)
        log.append(("end", u.update_id))

    scheduler = ChatScheduler(handle, handle, concurrency=8)
    futures = [scheduler.submit(update(i, -5)) for i in (1, 2, 3)]
    futures.append(scheduler.submit(update(4, 7)))
    await asyncio.gather(*futures)
    group = [e for e in log if e[1] in (1, 2, 3)]
    assert group == [("start", 1), ("end", 1), ("start", 2), ("end", 2), ("start", 3), ("end", 3)]
    assert log.index(("end", 4)) < log.index(("end", 1))  # the other chat did not wait


async def test_over_the_backlog_updates_are_shed_not_queued() -> None:
    handled: list[int] = []
    shed: list[int] = []
    gate = asyncio.Event()

    async def handle(u: Update) -> None:
        await gate.wait()
        handled.append(u.update_id)

    async def busy(u: Update) -> None:
        shed.append(u.update_id)

    scheduler = ChatScheduler(handle, busy, concurrency=2, backlog=3)
    futures = [scheduler.submit(update(i, 100 + i)) for i in range(6)]
    await asyncio.sleep(0.05)
    assert shed == [3, 4, 5] and scheduler.shed_count == 3
    gate.set()
    await asyncio.gather(*futures)
    assert sorted(handled) == [0, 1, 2]


async def test_drain_reports_what_was_left() -> None:
    async def forever(u: Update) -> None:
        await asyncio.sleep(60)

    scheduler = ChatScheduler(forever, forever)
    for i in range(4):
        scheduler.submit(update(i, -5))  # one chat: one running, three waiting
    await asyncio.sleep(0.01)
    assert await scheduler.drain(0.1) == 4


class RecordingBot:
    """Answers getUpdates from a script and records the offsets it is sent."""

    def __init__(self, batches: list[list[Update]]) -> None:
        self.batches = batches
        self.offsets: list[int | None] = []

    async def get_updates(self, offset: int | None = None, **_: Any) -> tuple[Update, ...]:
        self.offsets.append(offset)
        if self.batches:
            return tuple(self.batches.pop(0))
        await asyncio.sleep(0.02)
        return ()


async def test_the_offset_never_passes_an_update_still_in_flight() -> None:
    release = asyncio.Event()

    async def handle(u: Update) -> None:
        if u.update_id == 10:
            await release.wait()

    first = [update(10, 1), update(11, 2)]
    bot = RecordingBot([first, first, first])
    poller = Poller(bot, ChatScheduler(handle, handle))  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run(stop))
    await asyncio.sleep(0.2)
    assert poller.watermark() == 10  # 11 is done, but 10 is not: nothing is confirmed yet
    assert all(o is None or o <= 10 for o in bot.offsets)
    release.set()
    await asyncio.sleep(0.1)
    assert poller.watermark() == 12
    stop.set()
    await task

"""Fault and load benchmark: the real adapters against loopback fakes of both platforms.

Bounded in count and time, loopback only. Each scenario reports, for the questions of
people who are *not* flooding: how many got their answer, how many got an apology, how
many were lost, how many were answered twice, and their reply latency (p50/p99).

    python -m bench.resilience [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.discord_bot import DiscordBot
from adapters.platform_settings import DiscordSettings, TelegramSettings
from adapters.telegram_bot import TelegramBot
from bench.markers import replace_section
from bot import messages
from bot.conversation import Conversation
from bot.service import FaqService
from tests.fake_discord import BOT, CHANNEL_ID, USER, FakeDiscord
from tests.fake_telegram import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
FAQ = ROOT / "knowledge" / "faq.yaml"
QUESTION = "is it illegal to leave north korea"
TG_TOKEN = "123:bench-token"
DC_TOKEN = "bench-discord-token"
START, END = "<!-- resilience:start -->", "<!-- resilience:end -->"


@dataclass
class Row:
    platform: str
    scenario: str
    asked: int
    answered: int
    apologies: int
    lost: int
    duplicates: int
    p50_ms: float
    p99_ms: float


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


# --- Telegram -------------------------------------------------------------------------


async def _telegram(
    scenario: str, *, probes: int, setup: Callable[[FakeBotApi], Awaitable[None]], rate: float = 0
) -> Row:
    fake = FakeBotApi(TG_TOKEN)
    await fake.start()
    fake.fault_rate = rate
    bot = TelegramBot(
        Conversation(FaqService.from_path(FAQ)),
        TelegramSettings(bot_token=TG_TOKEN, api_base_url=fake.base_url),
    )
    await bot.start()
    try:
        await setup(fake)
        asked: dict[int, float] = {}
        for i in range(probes):
            user: dict[str, Any] = {"id": 10_000 + i, "is_bot": False, "first_name": "Reader"}
            fake.push(message=fake.message(QUESTION, from_=user))
            asked[user["id"]] = time.monotonic()
            await asyncio.sleep(0.02)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(fake.sent_to(u) for u in asked):
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.0)  # late duplicates
        return _tally("telegram", scenario, asked, lambda u: fake.sent_to(u), _tg_text)
    finally:
        await bot.stop()
        await fake.stop()


def _tg_text(call: Any) -> str:
    return str(call.params.get("text", ""))


async def _no_setup(fake: Any) -> None:
    return None


async def _busy_group(fake: FakeBotApi) -> None:
    group: dict[str, Any] = {"id": -100_500, "type": "supergroup", "title": "Busy"}
    fake.send_delay[group["id"]] = 0.5
    entity = [{"type": "bot_command", "offset": 0, "length": 7}]
    for i in range(40):
        sender: dict[str, Any] = {"id": 500 + i % 3, "is_bot": False, "first_name": "Chatter"}
        fake.push(message=fake.message("/topics", chat=group, entities=entity, from_=sender))


async def _private_flooder(fake: FakeBotApi) -> None:
    flooder: dict[str, Any] = {"id": 666, "is_bot": False, "first_name": "Flood"}

    async def flood() -> None:
        for _ in range(200):  # 40 a second for 5 s
            fake.push(message=fake.message("why cant people leave", from_=flooder))
            await asyncio.sleep(0.025)

    asyncio.get_running_loop().create_task(flood())


# --- Discord --------------------------------------------------------------------------


async def _discord(
    scenario: str, *, probes: int, setup: Callable[[FakeDiscord], Awaitable[None]], rate: float = 0
) -> Row:
    fake = FakeDiscord(DC_TOKEN)
    await fake.start()
    bot = DiscordBot(
        Conversation(FaqService.from_path(FAQ)),
        DiscordSettings(
            bot_token=DC_TOKEN, api_base_url=fake.api_url, gateway_url=fake.gateway_url
        ),
    )
    await bot.start()
    await fake.wait_ready()
    await asyncio.sleep(0.1)
    fake.fault_rate = rate
    try:
        await setup(fake)
        asked: dict[int, float] = {}
        for i in range(probes):
            channel = str(80_000 + i)
            author = {**USER, "id": str(20_000 + i), "username": f"reader{i}"}
            message = {**fake.message(QUESTION, dm=True), "channel_id": channel, "author": author}
            asked[int(channel)] = time.monotonic()
            await fake.dispatch("MESSAGE_CREATE", message)
            await asyncio.sleep(0.02)

        def replies(channel: int) -> list[Any]:
            return fake.of("POST", f"/channels/{channel}/messages")

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(replies(c) for c in asked):
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.0)
        return _tally("discord", scenario, asked, replies, _dc_text)
    finally:
        fake.fault_rate = 0.0
        await bot.stop()
        await fake.stop()


def _dc_text(call: Any) -> str:
    body = call.body if isinstance(call.body, dict) else {}
    embeds = body.get("embeds") or []
    return str(embeds[0].get("title", "")) if embeds else str(body.get("content", ""))


async def _busy_channel(fake: FakeDiscord) -> None:
    fake.delays[f"/channels/{CHANNEL_ID}/"] = 0.5
    flooder: dict[str, Any] = {**USER, "id": "222", "username": "flooder"}
    for i in range(40):
        text = f"<@{BOT['id']}> is it illegal to leave nk {i}"
        await fake.dispatch("MESSAGE_CREATE", fake.message(text, mentions=[BOT]))
        await fake.dispatch(
            "MESSAGE_CREATE", {**fake.message("why cant people leave", dm=True), "author": flooder}
        )


def _tally(
    platform: str,
    scenario: str,
    asked: dict[int, float],
    replies: Callable[[int], list[Any]],
    text: Callable[[Any], str],
) -> Row:
    answered = apologies = lost = duplicates = 0
    latencies: list[float] = []
    for key, at in asked.items():
        got = replies(key)
        answers = [c for c in got if text(c) and text(c) != messages.ERROR]
        if answers:
            answered += 1
            duplicates += len(answers) - 1
            latencies.append(answers[0].at - at)
        elif any(text(c) == messages.ERROR for c in got):
            apologies += 1
        else:
            lost += 1
    return Row(
        platform,
        scenario,
        len(asked),
        answered,
        apologies,
        lost,
        duplicates,
        _pct(latencies, 0.5),
        _pct(latencies, 0.99),
    )


# --- kill -9 and restart ----------------------------------------------------------------


async def _kill_and_restart() -> Row:
    fake = FakeBotApi(TG_TOKEN)
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TG_TOKEN,
            TELEGRAM_API_BASE_URL=fake.base_url,
            FAQBOT_LOG_PATH=str(Path(tmp) / "q.sqlite3"),
            FAQBOT_WATCH="false",
        )

        async def run() -> asyncio.subprocess.Process:
            return await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "adapters",
                "run",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )

        asked: dict[int, float] = {}
        updates: dict[int, int] = {}
        proc = await run()
        await fake.wait_for("setMyCommands", timeout=30)
        for i in range(60):
            user: dict[str, Any] = {"id": 30_000 + i, "is_bot": False, "first_name": "Reader"}
            fake.send_delay[user["id"]] = 0.3 + (i % 5) * 0.2
            update_id = fake.push(message=fake.message(QUESTION, from_=user))
            asked[user["id"]] = time.monotonic()
            updates[user["id"]] = update_id
            await asyncio.sleep(0.03)
        await asyncio.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        confirmed = fake.confirmed_below
        proc = await run()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not all(fake.sent_to(u) for u in asked):
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)
        finally:
            proc.send_signal(signal.SIGTERM)
            await proc.wait()
        await fake.stop()
        unanswered_confirmed = sum(
            1 for u, uid in updates.items() if uid < confirmed and not fake.sent_to(u)
        )
        row = _tally("telegram", "kill -9, then restart", asked, fake.sent_to, _tg_text)
        row.scenario += f" ({unanswered_confirmed} confirmed but unanswered)"
        return row


# --- report -------------------------------------------------------------------------------


async def run_all() -> list[Row]:
    rows = [
        await _telegram("baseline: 40 people, no faults", probes=40, setup=_no_setup),
        await _telegram("40 commands flood one slow group", probes=40, setup=_busy_group),
        await _telegram("one private flooder at 40/s", probes=40, setup=_private_flooder),
        await _telegram("10% 5xx and dropped connections", probes=200, setup=_no_setup, rate=0.1),
        await _kill_and_restart(),
        await _discord("baseline: 40 people, no faults", probes=40, setup=_no_setup),
        await _discord("busy channel and a DM flooder", probes=40, setup=_busy_channel),
        await _discord("10% 5xx and dropped connections", probes=200, setup=_no_setup, rate=0.1),
    ]
    return rows


def render(rows: list[Row], seconds: float) -> str:
    lines = [
        START,
        "## Resilience under load and faults (`python -m bench.resilience`)",
        "",
        f"Real adapters against the loopback fakes; {seconds:.0f} s on this machine. Figures",
        "are for the people who were *not* flooding; 'lost' means no reply within 60 s.",
        "Dropped connections are split between drops before the request was read and drops",
        "after it was carried out (the reply exists, the bot never heard): only the second",
        "kind can produce a duplicate.",
        "",
        "| platform | scenario | asked | answered | apologies | lost | duplicates | p50 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.platform} | {r.scenario} | {r.asked} | {r.answered} | {r.apologies} | "
            f"{r.lost} | {r.duplicates} | {r.p50_ms:.0f} | {r.p99_ms:.0f} |"
        )
    lines.append(END)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    started = time.monotonic()
    rows = asyncio.run(run_all())
    report = render(rows, time.monotonic() - started)
    print(report)
    replace_section(args.out, START, END, report)


if __name__ == "__main__":
    main()

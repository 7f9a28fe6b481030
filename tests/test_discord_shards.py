"""Discord at scale: processes split the gateway by shard; readiness follows the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from adapters import discord_bot
from adapters.discord_bot import DiscordBot
from adapters.http_health import tracked
from adapters.platform_settings import DiscordSettings, PlatformSettingError
from bot import metrics
from bot.conversation import Conversation
from bot.service import FaqService
from tests.fake_discord import APP_ID, BOT, USER, FakeDiscord

TOKEN = "discord-shard-token"
GUILD_ON_0 = str(5000)  # (id >> 22) % 2 == 0
GUILD_ON_1 = str((1 << 22) + 5000)  # (id >> 22) % 2 == 1


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(autouse=True)
def _no_identify_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    # discord.py waits 5 s between two IDENTIFYs of one process (Discord's limit); the
    # fake has no such limit, so tests need not wait.
    async def immediately(self: Any, shard_id: int | None, *, initial: bool = False) -> None:
        return None

    monkeypatch.setattr(discord_bot._ShardedClient, "before_identify_hook", immediately)


def settings(fake: FakeDiscord, **values: Any) -> DiscordSettings:
    return DiscordSettings(
        bot_token=TOKEN, api_base_url=fake.api_url, gateway_url=fake.gateway_url, **values
    )


def counted(bot: DiscordBot, seen: list[str]) -> None:
    """Record which process answered each question."""
    ask = bot.conversation.ask

    async def ask_and_count(who: Any, text: str) -> Any:
        seen.append(text)
        return await ask(who, text)

    bot.conversation.ask = ask_and_count  # type: ignore[method-assign]


def in_guild(fake: FakeDiscord, guild: str, question: str) -> dict[str, Any]:
    ask = {
        "id": "1",
        "name": "ask",
        "type": 1,
        "options": [{"name": "question", "type": 3, "value": question}],
    }
    payload = fake.interaction(2, ask)
    payload["guild_id"] = payload["channel"]["guild_id"] = guild
    payload["authorizing_integration_owners"] = {"0": guild}
    return payload


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"shard_ids": "0"}, "DISCORD_SHARD_IDS=0 needs DISCORD_SHARD_COUNT"),
        ({"shard_count": 2, "shard_ids": "0,2"}, "shards are numbered 0 to 1"),
        ({"shard_count": 2, "shard_ids": "one"}, "expected shard numbers such as 0,1"),
        ({"shard_count": 4, "shard_ids": "1,1"}, "a shard is listed twice"),
    ],
)
def test_shard_settings_are_checked_with_one_line_naming_the_variable(
    env: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(f"DISCORD_{name.upper()}", str(value))
    with pytest.raises(PlatformSettingError, match=message) as caught:
        DiscordSettings()
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "shards", "syncs"),
    [("0,1", (0, 1), True), ("[3, 1]", (1, 3), False), (None, (0, 1, 2, 3), True)],
)
def test_shard_ids_forms_and_who_syncs(
    raw: str | None, shards: tuple[int, ...], syncs: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")
    if raw is not None:
        monkeypatch.setenv("DISCORD_SHARD_IDS", raw)
    found = DiscordSettings()
    assert (found.shards, found.syncs_commands) == (shards, syncs)


async def test_two_processes_split_the_gateway_and_only_shard_0_syncs(
    service: FaqService, fake: FakeDiscord
) -> None:
    answered: dict[int, list[str]] = {0: [], 1: []}
    bots = []
    for shard in (0, 1):
        bot = DiscordBot(Conversation(service), settings(fake, shard_count=2, shard_ids=[shard]))
        counted(bot, answered[shard])
        await bot.start()
        bots.append(bot)
    try:
        await fake.wait_ready(shards=2, timeout=20)
        await asyncio.sleep(0.1)
        assert sorted(tuple(i["shard"]) for i in fake.identified) == [(0, 2), (1, 2)]
        questions = [
            (GUILD_ON_0, "is it illegal to leave nk"),
            (GUILD_ON_1, "do north koreans have bank accounts"),
            (GUILD_ON_1, "why cant people just leave"),
        ]
        payloads = [in_guild(fake, guild, text) for guild, text in questions]
        for payload in payloads:
            await fake.dispatch("INTERACTION_CREATE", payload)
        dm = {**fake.message(f"<@{BOT['id']}> what is songbun", dm=True), "author": USER}
        await fake.dispatch("MESSAGE_CREATE", dm)  # DMs arrive on shard 0
        for payload in payloads:
            await fake.wait_for("POST", f"/interactions/{payload['id']}/", timeout=20)
        await fake.wait_for("POST", "/channels/7001/messages", timeout=20)
    finally:
        for bot in bots:
            await bot.stop()
    assert sorted(answered[0]) == ["is it illegal to leave nk", "what is songbun"]
    assert sorted(answered[1]) == [
        "do north koreans have bank accounts",
        "why cant people just leave",
    ]
    assert len(fake.of("PUT", f"/applications/{APP_ID}/commands")) == 1
    assert fake.refused_acks == []


async def wait_state(name: str, want: Callable[[metrics.AdapterState], bool]) -> None:
    async def until() -> None:
        while True:
            state = metrics.ADAPTERS.snapshot().get(name)
            if state is not None and want(state):
                return
            await asyncio.sleep(0.02)

    await asyncio.wait_for(until(), 20)


@pytest.mark.parametrize("sharded", [False, True], ids=["one-connection", "two-shards"])
async def test_readiness_follows_gateway_disconnects_and_resumes(
    service: FaqService, fake: FakeDiscord, sharded: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    history: list[tuple[str, str]] = []
    record = metrics.ADAPTERS.set

    def set_and_record(name: str, state: str, detail: str = "") -> None:
        history.append((state, detail))
        record(name, state, detail)

    monkeypatch.setattr(metrics.ADAPTERS, "set", set_and_record)
    values: dict[str, Any] = {"shard_count": 2, "shard_ids": [0, 1]} if sharded else {}
    (entry,) = tracked([("discord", DiscordBot(Conversation(service), settings(fake, **values)))])
    _, adapter = entry
    await adapter.start()
    try:
        await fake.wait_ready(shards=2 if sharded else 1, timeout=20)
        await wait_state("discord", lambda s: s.connected)
        lost = 1 if sharded else 0
        await fake.drop_gateway(lost)
        await wait_state("discord", lambda s: s.connected and bool(fake.resumed))
    finally:
        await adapter.stop()
    assert fake.resumed == [lost]  # discord.py resumed the session by itself
    states = [state for state, _ in history]
    # Started is not connected: readiness waited for the gateway's READY...
    assert states[:2] == ["starting", "connecting"]
    first_up = states.index("connected")
    # ...then the dropped shard was reported, and the resume made it ready again.
    assert ("disconnected", f"shard {lost} not connected") in history[first_up:]
    assert states[-3:] == ["connected", "stopping", "stopped"]

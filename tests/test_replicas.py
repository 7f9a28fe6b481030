"""Two `faqbot run` replicas on one PostgreSQL: Telegram webhooks, Discord shards, one log.

The fake Telegram posts webhook updates to both replicas and delivers some of them again
to the other one (while the first is still answering, and after); the fake Discord gives
each replica a range of two shards and routes each guild's events by
`(guild_id >> 22) % 4`. Every
update must be answered once, every question logged once, and a person flooding both
replicas gets one budget.
"""

from __future__ import annotations

import asyncio
import html
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from bot import messages
from bot.service import FaqService
from tests.fake_discord import APP_ID, USER, FakeDiscord
from tests.fake_telegram import FakeBotApi
from tests.postgres import PostgresCluster
from tests.replicas import ROOT, Replica, free_port, replica_env

TG_TOKEN = "424242:REPLICA-telegram-token"
DC_TOKEN = "replica-discord-token"
SECRET = "replica-webhook-secret"
HASH_SECRET = "0123456789abcdef" * 4
PUBLIC_URL = "https://bot.example.org"
SHARDS = 4  # two per replica: 0,1 and 2,3
GUILDS = {shard: str((shard << 22) + 5000) for shard in range(SHARDS)}  # (id >> 22) % 4


def questions(service: FaqService, count: int) -> list[str]:
    """Distinct questions the FAQ answers (entry questions and their alternates)."""
    kb = service.kb
    found = [p for e in kb.entries for p in (e.question, *e.alternates)]
    return found[:count]


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(TG_TOKEN)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(DC_TOKEN)
    await server.start()
    yield server
    await server.stop()


def env(
    url: str, telegram: FakeBotApi, webhook_port: int, discord: FakeDiscord | None, shard: int
) -> dict[str, str]:
    settings = {
        "FAQBOT_DATABASE_URL": url,
        "FAQBOT_HASH_SECRET": HASH_SECRET,
        "FAQBOT_LOG_LEVEL": "INFO",
        # One question budget per person for the whole test: 5, then nothing for an hour.
        "FAQBOT_QUESTION_INTERVAL_SECONDS": "3600",
        "TELEGRAM_BOT_TOKEN": TG_TOKEN,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "TELEGRAM_WEBHOOK_URL": PUBLIC_URL,
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(webhook_port),
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    if discord is not None:
        settings |= {
            "DISCORD_BOT_TOKEN": DC_TOKEN,
            "DISCORD_API_BASE_URL": discord.api_url,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
            "DISCORD_SHARD_COUNT": str(SHARDS),
            "DISCORD_SHARD_IDS": f"{2 * shard},{2 * shard + 1}",
        }
    return replica_env(**settings)


def person(n: int) -> dict[str, Any]:
    return {"id": 50_000 + n, "is_bot": False, "first_name": "Reader"}


def ask_in_guild(fake: FakeDiscord, guild: str, user: int, question: str) -> dict[str, Any]:
    data = {
        "id": "1",
        "name": "ask",
        "type": 1,
        "options": [{"name": "question", "type": 3, "value": question}],
    }
    payload = fake.interaction(2, data)
    payload["guild_id"] = payload["channel"]["guild_id"] = guild
    payload["authorizing_integration_owners"] = {"0": guild}
    payload["member"]["user"] = {**USER, "id": str(user), "username": f"reader{user}"}
    return payload


def report(url: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "adapters", "report", "--json"],
        cwd=ROOT,
        env=replica_env(FAQBOT_DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def logged_questions(url: str) -> list[str]:
    with psycopg.connect(url) as db:
        return [row[0] for row in db.execute("SELECT question FROM questions").fetchall()]


async def test_two_replicas_answer_and_log_each_update_once_and_share_limits(
    pg_url: str, telegram: FakeBotApi, discord_fake: FakeDiscord, service: FaqService
) -> None:
    ports = [free_port(), free_port()]
    replicas = [
        Replica(f"replica-{i}", env(pg_url, telegram, ports[i], discord_fake, shard=i))
        for i in (0, 1)
    ]
    hooks = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    texts = questions(service, 80)
    tg_texts, dc_texts = texts[:40], texts[40:60]
    tg_flood, dc_flood = texts[60:72], texts[72:80]  # distinct texts: rows can be told apart
    try:
        for replica in replicas:  # one after the other: the second finds the webhook set
            await replica.start()
            await replica.wait_ready()
        await discord_fake.wait_ready(shards=SHARDS)
        identified = sorted(tuple(i["shard"]) for i in discord_fake.identified)
        assert identified == [(shard, SHARDS) for shard in range(SHARDS)]

        # --- Telegram: 40 people; a quarter redelivered to the other replica while the
        # first still answers, a quarter redelivered after it answered.
        deliveries: list[Any] = []
        for n, text in enumerate(tg_texts):
            who = person(n)
            update = telegram.make_update(message=telegram.message(text, from_=who))
            first, other = hooks[n % 2], hooks[(n + 1) % 2]
            if n % 4 == 1:
                telegram.send_delay[who["id"]] = 0.6  # still answering when it comes again
                deliveries.append(telegram.deliver(first, update, secret=SECRET))
                deliveries.append(_later(0.2, telegram.deliver(other, update, secret=SECRET)))
            elif n % 4 == 2:
                deliveries.append(_twice(telegram, first, other, update))
            else:
                deliveries.append(telegram.deliver(first, update, secret=SECRET))

        # --- Discord: 20 people asking in servers on all four shards.
        payloads = [
            ask_in_guild(discord_fake, GUILDS[n % SHARDS], 70_000 + n, text)
            for n, text in enumerate(dc_texts)
        ]
        for payload in payloads:
            await discord_fake.dispatch("INTERACTION_CREATE", payload)

        # --- One person floods both replicas on each platform: one budget of 5.
        flooder = person(999)
        for n in range(12):
            update = telegram.make_update(message=telegram.message(tg_flood[n], from_=flooder))
            deliveries.append(telegram.deliver(hooks[n % 2], update, secret=SECRET))
        flood_payloads = [
            ask_in_guild(discord_fake, GUILDS[n % SHARDS], 99_999, dc_flood[n]) for n in range(8)
        ]
        for payload in flood_payloads:
            await discord_fake.dispatch("INTERACTION_CREATE", payload)

        statuses = await asyncio.gather(*deliveries)
        for payload in [*payloads, *flood_payloads]:
            await discord_fake.wait_for("POST", f"/interactions/{payload['id']}/", timeout=60)
        await asyncio.sleep(1.0)  # late duplicates, if any, would arrive now
    finally:
        codes = [await replica.stop() for replica in replicas]
    assert codes == [0, 0], [r.log[-3000:] for r in replicas]

    # Acknowledged only once handled: every delivery got its 200.
    assert set(_flat(statuses)) == {200}
    # Every Telegram update answered exactly once, whichever replica(s) it reached.
    for n in range(len(tg_texts)):
        assert len(telegram.sent_to(person(n)["id"])) == 1, n
    # Every Discord interaction answered once (a second answer would have been refused).
    assert discord_fake.refused_acks == []
    for payload in payloads:
        (answer,) = discord_fake.of("POST", f"/interactions/{payload['id']}/")
        assert answer.body["data"]["embeds"], payload["id"]

    # The flooder got 5 answers and one notice on Telegram, across both replicas...
    flood = [html.unescape(c.params["text"]) for c in telegram.sent_to(flooder["id"])]
    notices = [text for text in flood if text.startswith(messages.COOLDOWN.split("{")[0])]
    assert len(flood) == 6 and len(notices) == 1, flood
    # ...and 5 answers on Discord, across the shards of both replicas.
    answered = [
        discord_fake.of("POST", f"/interactions/{p['id']}/")[0].body["data"].get("embeds")
        for p in flood_payloads
    ]
    assert sum(bool(embeds) for embeds in answered) == 5

    # The webhook was registered by one replica; commands synced by the one on shard 0.
    assert len(telegram.of("setWebhook")) == 1
    assert len(discord_fake.of("PUT", f"/applications/{APP_ID}/commands")) == 1
    assert replicas[1].count("commands are synced by the process holding shard 0") == 1

    # Every question logged exactly once, and the report sees both replicas' questions.
    logged = logged_questions(pg_url)
    assert len(logged) == len(set(logged)) == 40 + 20 + 5 + 5
    assert report(pg_url)["asked"] == 70
    for replica in replicas:  # secrets never reach a log
        assert TG_TOKEN not in replica.log and DC_TOKEN not in replica.log
        assert SECRET not in replica.log and HASH_SECRET not in replica.log


async def _later(delay: float, work: Any) -> int:
    await asyncio.sleep(delay)
    status: int = await work
    return status


async def _twice(telegram: FakeBotApi, first: str, other: str, update: dict[str, Any]) -> list[int]:
    """Deliver, then deliver again to the other replica (a retry after a lost 200)."""
    return [
        await telegram.deliver(first, update, secret=SECRET),
        await telegram.deliver(other, update, secret=SECRET),
    ]


def _flat(statuses: list[Any]) -> list[int]:
    return [s for item in statuses for s in (item if isinstance(item, list) else [item])]


async def test_stopping_postgresql_mid_load_costs_no_answer_and_logging_resumes(
    own_postgres: PostgresCluster, telegram: FakeBotApi, service: FaqService
) -> None:
    url = own_postgres.create_database()
    ports = [free_port(), free_port()]
    replicas = [Replica(f"replica-{i}", env(url, telegram, ports[i], None, 0)) for i in (0, 1)]
    hooks = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    texts = questions(service, 90)
    asked = 0

    async def ask(batch: list[str]) -> list[int]:
        nonlocal asked
        work = []
        for text in batch:
            who = person(asked)
            update = telegram.make_update(message=telegram.message(text, from_=who))
            work.append(telegram.deliver(hooks[asked % 2], update, secret=SECRET))
            asked += 1
            await asyncio.sleep(0.02)  # a steady load, not one burst
        return list(await asyncio.gather(*work))

    try:
        for replica in replicas:
            await replica.start()
            await replica.wait_ready()
        statuses = await ask(texts[:20])
        stopping = asyncio.create_task(asyncio.to_thread(own_postgres.stop))
        statuses += await ask(texts[20:50])  # PostgreSQL goes away in the middle of these
        await stopping
        statuses += await ask(texts[50:60])
        await asyncio.to_thread(own_postgres.start)
        # Keep asking until both replicas' question logs have written again.
        rest = iter(texts[60:])
        while not all(r.count("works again") for r in replicas):
            batch = [text for _, text in zip(range(2), rest, strict=False)]
            assert batch, [r.log[-3000:] for r in replicas]
            statuses += await ask(batch)
            await asyncio.sleep(0.5)
        after = await ask([next(rest), next(rest)])  # logging has resumed on both
        statuses += after
    finally:
        codes = [await replica.stop() for replica in replicas]
    assert codes == [0, 0], [r.log[-3000:] for r in replicas]
    assert set(statuses) == {200}
    for n in range(asked):  # every question answered, exactly once
        assert len(telegram.sent_to(person(n)["id"])) == 1, n
    for replica in replicas:  # the outage logged once per replica, and its end once
        assert replica.count("replies go on without it") == 1, replica.log[-3000:]
        assert replica.count("works again") == 1
        assert replica.count("shared state:") <= 2  # unreachable once, back once
    logged = logged_questions(url)
    assert len(logged) == len(set(logged))  # nothing twice
    assert set(texts[:20]) <= set(logged)  # before the outage
    assert texts[asked - 1] in logged and texts[asked - 2] in logged  # after it

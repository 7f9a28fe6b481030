"""`faqbot doctor` against the fake Telegram and Discord servers and real databases."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.doctor import (
    DiscordExpectations,
    Finding,
    check_database,
    check_discord,
    check_semantic,
    check_telegram,
    discord_expectations,
)
from adapters.platform_settings import DiscordSettings, TelegramSettings
from bot.service import FaqService
from bot.settings import Settings
from tests.conftest import FAQ, ROOT, settings_free_env
from tests.fake_discord import APP_ID, GUILD_ID, FakeDiscord
from tests.fake_telegram import FakeBotApi

TG_TOKEN = "123456:DOCTOR-telegram-token"
DC_TOKEN = "discord-doctor-token"
COMMANDS = frozenset({"ask", "topic", "topics", "sources", "reload", "unanswered"})
MESSAGE_CONTENT = 1 << 18


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(TG_TOKEN)
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(DC_TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


def levels(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.level, f.message) for f in findings]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def tg_check(api: FakeBotApi, token: str = TG_TOKEN, **extra: object) -> list[Finding]:
    settings = TelegramSettings(bot_token=token, api_base_url=api.base_url, **extra)  # type: ignore[arg-type]
    async with httpx.AsyncClient(timeout=10) as client:
        return await check_telegram(settings, client)


async def dc_check(
    fake: FakeDiscord, expected: DiscordExpectations | None, token: str = DC_TOKEN, **extra: object
) -> list[Finding]:
    settings = DiscordSettings(bot_token=token, api_base_url=fake.api_url, **extra)  # type: ignore[arg-type]
    async with httpx.AsyncClient(timeout=10) as client:
        return await check_discord(settings, client, expected)


# --- Telegram -----------------------------------------------------------------------------


async def test_telegram_bad_token_says_what_to_fix(telegram: FakeBotApi) -> None:
    (finding,) = await tg_check(telegram, token="111:wrong")
    assert finding.level == "fail" and "rejected TELEGRAM_BOT_TOKEN (401" in finding.message
    assert "@BotFather" in finding.fix
    assert "111:wrong" not in str(finding)


async def offline_check(token: str, webhook_url: str) -> list[Finding]:
    """Check Telegram with nothing listening where the Bot API should be."""
    settings = TelegramSettings(
        bot_token=token,
        api_base_url=f"http://127.0.0.1:{closed_port()}/bot",
        webhook_url=webhook_url,
    )
    async with httpx.AsyncClient(timeout=5) as client:
        return await check_telegram(settings, client)


@pytest.mark.parametrize("token", ["abc", "123456", "123456:with space", ":ABC"])
async def test_telegram_token_of_the_wrong_shape_is_named_without_the_network(
    token: str,
) -> None:
    # The shape alone decides, and the token is not shown.
    findings = await offline_check(token, "https://bot.example.org")
    assert "not shaped like a bot token" in findings[0].message
    assert "@BotFather" in findings[0].fix
    # The webhook's own settings are checked offline too.
    assert any("without TELEGRAM_WEBHOOK_SECRET" in f.message for f in findings)
    assert all(token not in str(f) for f in findings)


async def test_webhook_settings_are_checked_when_the_bot_api_is_unreachable() -> None:
    findings = await offline_check(TG_TOKEN, "http://bot.example.org")
    assert "cannot reach the Bot API" in findings[0].message
    messages = " / ".join(f.message for f in findings)
    assert "is not HTTPS" in messages and "without TELEGRAM_WEBHOOK_SECRET" in messages


@pytest.mark.parametrize(
    ("webhook_set", "configured", "expected"),
    [
        ("", {}, ("ok", "polling mode, no webhook set")),
        ("https://old.example.org/telegram", {}, ("warn", "a webhook is set")),
        (
            "",
            {"webhook_url": "https://bot.example.org", "webhook_secret": "s3"},
            ("ok", "not registered yet"),
        ),
        (
            "https://bot.example.org/telegram",
            {"webhook_url": "https://bot.example.org", "webhook_secret": "s3"},
            ("ok", "webhook registered at https://bot.example.org/telegram"),
        ),
        (
            "https://elsewhere.example.org/telegram",
            {"webhook_url": "https://bot.example.org", "webhook_secret": "s3"},
            ("warn", "points at https://elsewhere.example.org/telegram"),
        ),
        (
            "",
            {"webhook_url": "https://bot.example.org"},
            ("fail", "without TELEGRAM_WEBHOOK_SECRET"),
        ),
        (
            "",
            {"webhook_url": "http://bot.example.org", "webhook_secret": "s3"},
            ("fail", "is not HTTPS"),
        ),
    ],
    ids=[
        "polling",
        "polling-but-webhook-set",
        "webhook-unregistered",
        "webhook-ok",
        "webhook-elsewhere",
        "no-secret",
        "not-https",
    ],
)
async def test_telegram_webhook_state(
    telegram: FakeBotApi, webhook_set: str, configured: dict[str, str], expected: tuple[str, str]
) -> None:
    telegram.webhook_info["url"] = webhook_set
    findings = await tg_check(telegram, **configured)
    assert findings[0] == Finding("ok", "telegram", "token valid for @faq_test_bot")
    level, text = expected
    assert any(f.level == level and text in f.message for f in findings), levels(findings)


async def test_telegram_delivery_error_points_at_the_proxy(telegram: FakeBotApi) -> None:
    telegram.webhook_info.update(
        url="https://bot.example.org/telegram",
        last_error_message="Wrong response from the webhook: 502 Bad Gateway",
    )
    findings = await tg_check(telegram, webhook_url="https://bot.example.org", webhook_secret="s3")
    (error,) = [f for f in findings if "last webhook delivery failed" in f.message]
    assert "502 Bad Gateway" in error.message and "reverse proxy" in error.fix


# --- Discord ------------------------------------------------------------------------------


async def test_discord_bad_token_says_what_to_fix(discord_fake: FakeDiscord) -> None:
    (finding,) = await dc_check(
        discord_fake, DiscordExpectations(frozenset(), COMMANDS), token="nope"
    )
    assert finding.level == "fail" and "rejected DISCORD_BOT_TOKEN" in finding.message
    assert "Reset Token" in finding.fix


@pytest.mark.parametrize(
    ("flags", "wanted", "expected"),
    [
        (0, frozenset(), ("ok", "privileged intents: none needed")),
        (0, frozenset({"message_content"}), ("fail", "asks for the Message Content Intent")),
        (
            MESSAGE_CONTENT,
            frozenset({"message_content"}),
            ("ok", "privileged intents: Message Content Intent"),
        ),
        (
            1 << 19,
            frozenset({"message_content"}),
            ("ok", "privileged intents: Message Content Intent"),
        ),
    ],
    ids=["none-needed", "missing-intent", "intent-on", "limited-intent-on"],
)
async def test_discord_intents(
    discord_fake: FakeDiscord, flags: int, wanted: frozenset[str], expected: tuple[str, str]
) -> None:
    discord_fake.app_flags = flags
    findings = await dc_check(discord_fake, DiscordExpectations(wanted, COMMANDS))
    level, text = expected
    assert any(f.level == level and text in f.message for f in findings), levels(findings)
    if level == "fail":
        (missing,) = [f for f in findings if f.level == "fail"]
        assert "Privileged Gateway Intents" in missing.fix


async def test_discord_command_sync(discord_fake: FakeDiscord) -> None:
    expected = DiscordExpectations(frozenset(), COMMANDS)
    findings = await dc_check(discord_fake, expected)
    assert any(
        f.level == "warn" and "no slash commands registered (global)" in f.message for f in findings
    )
    discord_fake.commands["global"] = [
        {"name": n} for n in [*sorted(COMMANDS - {"unanswered"}), "old"]
    ]
    findings = await dc_check(discord_fake, expected)
    (stale,) = [f for f in findings if "out of date" in f.message]
    assert "missing: /unanswered" in stale.message and "no longer served: /old" in stale.message
    discord_fake.commands[GUILD_ID] = [{"name": n} for n in COMMANDS]
    findings = await dc_check(discord_fake, expected, guild_id=int(GUILD_ID))
    assert ("ok", f"6 slash commands synced (server {GUILD_ID})") in levels(findings)


def test_expectations_come_from_the_discord_adapter(service: FaqService) -> None:
    expected = discord_expectations(service, DiscordSettings(bot_token=DC_TOKEN))
    assert expected is not None
    assert expected.intents == frozenset()  # no privileged intent (README: Discord)
    assert {"ask", "topic", "topics", "sources"} <= expected.commands


# --- database -----------------------------------------------------------------------------


def test_unreachable_database_says_what_to_fix() -> None:
    url = f"postgresql://faqbot:hunter2@127.0.0.1:{closed_port()}/faqbot"
    findings = check_database(Settings(_env_file=None, database_url=url))
    (finding, *_) = findings
    assert finding.level == "fail" and "unreachable" in finding.message
    assert "FAQBOT_DATABASE_URL" in finding.fix
    assert "hunter2" not in str(finding)


def test_semantic_turned_off_is_reported() -> None:
    findings = check_semantic(Settings(_env_file=None, semantic_model="off"))
    assert [(f.level, f.subject) for f in findings] == [("ok", "semantic")]
    assert "lexical" in findings[0].message


def test_sqlite_not_created_yet_is_fine(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, log_path=tmp_path / "q.sqlite3")
    assert levels(check_database(settings)) == [
        ("ok", f"sqlite:///{tmp_path}/q.sqlite3: created (0600) at the first faqbot run")
    ]
    assert not (tmp_path / "q.sqlite3").exists()


# --- the whole command --------------------------------------------------------------------


async def test_doctor_command_reports_every_problem(
    telegram: FakeBotApi, discord_fake: FakeDiscord, tmp_path: Path
) -> None:
    broken = tmp_path / "faq.yaml"
    broken.write_text(FAQ.read_text(encoding="utf-8").replace("version: 1", "version: 7", 1))
    env = settings_free_env()
    env |= {
        "TELEGRAM_BOT_TOKEN": "111:wrong",
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "DISCORD_BOT_TOKEN": DC_TOKEN,
        "DISCORD_API_BASE_URL": discord_fake.api_url,
        "FAQBOT_DATABASE_URL": f"postgresql://faqbot@127.0.0.1:{closed_port()}/faqbot",
        "FAQBOT_KNOWLEDGE": str(broken),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters",
        "doctor",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = out.decode()
    assert proc.returncode == 1, err.decode()
    assert "FAIL faq:" in text and "faqbot validate" in text
    assert "FAIL database: unreachable" in text
    assert "FAIL telegram: Telegram rejected TELEGRAM_BOT_TOKEN" in text
    assert "OK   discord: token valid for faqbot" in text
    assert "WARN discord: intents and commands not checked (the FAQ or the Discord adapter" in text
    assert "3 problem(s) to fix" in text
    assert "111:wrong" not in text + err.decode()
    assert APP_ID  # the fake answered the application lookup


@pytest.mark.parametrize(
    ("recommended", "configured", "expected"),
    [
        (1, {}, ("ok", "gateway: unsharded (Discord recommends 1); this process syncs commands")),
        (
            2,
            {"shard_count": 2, "shard_ids": [1]},
            ("ok", "gateway: shards 1 of 2 (Discord recommends 2); this process does not sync"),
        ),
        (4, {"shard_count": 2}, ("warn", "Discord recommends 4 shards for this bot")),
    ],
    ids=["unsharded", "second-replica", "too-few"],
)
async def test_discord_shard_count_against_the_recommendation(
    discord_fake: FakeDiscord,
    recommended: int,
    configured: dict[str, Any],
    expected: tuple[str, str],
) -> None:
    discord_fake.recommended_shards = recommended
    findings = await dc_check(
        discord_fake, DiscordExpectations(frozenset(), COMMANDS), **configured
    )
    level, text = expected
    (shards,) = [f for f in findings if "gateway:" in f.message or "recommends" in f.message]
    assert shards.level == level and text in shards.message, levels(findings)
    if level == "warn":
        assert "DISCORD_SHARD_COUNT=4" in shards.fix

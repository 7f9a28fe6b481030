"""The real discord.py client against a fake Discord (REST + gateway) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.discord_bot import DiscordBot
from adapters.discord_render import reply_embed
from adapters.platform_settings import DiscordSettings
from bot import messages
from bot.conversation import Conversation, Moderators
from bot.reply import Reply
from bot.service import FaqService
from tests.conftest import FAQ
from tests.fake_discord import APP_ID, BOT, CHANNEL_ID, GUILD_ID, USER, FakeDiscord

TOKEN = "discord-test-token.never.logged"
EPHEMERAL = 64


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(TOKEN)
    await server.start()
    yield server
    await server.stop()


async def started(service: FaqService, fake: FakeDiscord, **settings: Any) -> DiscordBot:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "api_base_url": fake.api_url,
        "gateway_url": fake.gateway_url,
        **settings,
    }
    discord_settings = DiscordSettings(**values)
    moderators = Moderators.of(
        "discord",
        users=discord_settings.moderator_ids,
        roles=discord_settings.moderator_role_ids,
        chats=discord_settings.moderator_channel_ids,
    )
    bot = DiscordBot(Conversation(service, moderators=moderators), discord_settings)
    await bot.start()
    await fake.wait_ready()
    await asyncio.sleep(0.05)  # let discord.py process READY
    return bot


@pytest.fixture
async def bot(service: FaqService, fake: FakeDiscord) -> AsyncIterator[DiscordBot]:
    running = await started(service, fake)
    yield running
    await running.stop()


def slash(command: str, **options: Any) -> dict[str, Any]:
    return {
        "id": "1",
        "name": command,
        "type": 1,
        "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()],
    }


async def respond(fake: FakeDiscord, payload: dict[str, Any]) -> dict[str, Any]:
    await fake.dispatch("INTERACTION_CREATE", payload)
    (call,) = await fake.wait_for("POST", f"/interactions/{payload['id']}/")
    body: dict[str, Any] = call.body
    return body


def custom_ids(data: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in data.get("components", []) for c in row["components"]]


def check_embed_limits(embed: dict[str, Any]) -> None:
    assert len(embed.get("title", "")) <= 256 and len(embed.get("description", "")) <= 4096
    assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in embed.get("fields", []))
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    assert total <= 6000


async def test_commands_synced_in_setup_hook_without_privileged_intents(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    (sync,) = fake.of("PUT", f"/applications/{APP_ID}/commands")
    by_name = {c["name"]: c for c in sync.body}
    assert set(by_name) == {
        "ask",
        "topic",
        "topics",
        "sources",
        "privacy",
        "help",
        "reload",
        "unanswered",
    }
    assert by_name["unanswered"]["contexts"] == [0, 1, 2]  # also in a DM with the bot
    assert by_name["ask"]["description"].startswith("Ask why North Koreans cannot simply leave")
    assert by_name["topic"]["options"][0]["autocomplete"] is True
    assert not fake.identified_with["intents"] & (1 << 15)  # no message-content intent


async def test_guild_id_syncs_to_one_guild(service: FaqService, fake: FakeDiscord) -> None:
    bot = await started(service, fake, guild_id=5000)
    try:
        assert fake.of("PUT", f"/applications/{APP_ID}/guilds/5000/commands")
        assert not fake.of("PUT", f"/applications/{APP_ID}/commands")
    finally:
        await bot.stop()


async def test_ask_answers_with_a_cited_embed(bot: DiscordBot, fake: FakeDiscord) -> None:
    body = await respond(
        fake, fake.interaction(2, slash("ask", question="what happens to the family of a defector"))
    )
    assert body["type"] == 4
    data = body["data"]
    (embed,) = data["embeds"]
    assert embed["title"] == "What happens to the family of someone who escapes?"
    assert embed["description"].startswith("Relatives who stay behind")
    sources = next(f for f in embed["fields"] if f["name"] == "Sources")["value"]
    assert sources.startswith(
        "1. *Why can't you leave North Korea?*, 2023-11-26, section “Family Punishment”"
    )
    assert "Cassie Grissom" in sources
    assert data["allowed_mentions"]["parse"] == []
    assert custom_ids(data) == [
        "faq:e:family-deterrent",
        "faq:e:prison-camps",
        "faq:f:family-punishment:1",
        "faq:f:family-punishment:0",
    ]
    check_embed_limits(embed)


async def test_long_question_is_capped_and_answered_safely(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    question = "is leaving north korea illegal? " + "x" * 3000
    body = await respond(fake, fake.interaction(2, slash("ask", question=question[:3000])))
    (embed,) = body["data"]["embeds"]
    check_embed_limits(embed)


async def test_topic_autocomplete_and_typed_value(bot: DiscordBot, fake: FakeDiscord) -> None:
    focused = {
        "id": "2",
        "name": "topic",
        "type": 1,
        "options": [{"name": "name", "type": 3, "value": "fam", "focused": True}],
    }
    body = await respond(fake, fake.interaction(4, focused))
    assert body["type"] == 8
    choices = body["data"]["choices"]
    assert 1 <= len(choices) <= 25 and all(
        len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices
    )
    assert {"name": "Families and guilt by association", "value": "family"} in choices
    body = await respond(fake, fake.interaction(2, slash("topic", name="famly")))
    (embed,) = body["data"]["embeds"]
    assert embed["title"] == "Families and guilt by association"
    assert "faq:e:family-punishment" in custom_ids(body["data"])
    body = await respond(fake, fake.interaction(2, slash("topic", name="entry:banks")))
    assert body["data"]["embeds"][0]["title"] == "Do North Koreans have bank accounts?"


async def test_topics_and_sources(bot: DiscordBot, fake: FakeDiscord) -> None:
    body = await respond(fake, fake.interaction(2, slash("topics")))
    assert custom_ids(body["data"])[:2] == ["faq:t:regime", "faq:t:border"]
    body = await respond(fake, fake.interaction(2, slash("sources")))
    fields = body["data"]["embeds"][0]["fields"]
    assert len(fields) == 4 and "Relatives' Safety" in fields[0]["value"]


async def click(fake: FakeDiscord, custom_id: str) -> dict[str, Any]:
    """Click a button on one of the bot's messages (the message carries that button)."""
    button = {"type": 2, "style": 2, "label": "x", "custom_id": custom_id}
    shown = {
        **fake.message("x"),
        "author": BOT,
        "components": [{"type": 1, "components": [button]}],
    }
    return await respond(
        fake, fake.interaction(3, {"custom_id": custom_id, "component_type": 2}, message=shown)
    )


async def test_buttons_show_entries_and_stale_ones_say_so(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    body = await click(fake, "faq:e:banks")
    assert body["data"]["embeds"][0]["title"] == "Do North Koreans have bank accounts?"
    body = await click(fake, "faq:t:money")
    assert body["data"]["embeds"][0]["title"] == "Money and work"
    body = await click(fake, "faq:e:removed-entry")
    assert body["data"]["content"] == messages.STALE and body["data"]["flags"] == EPHEMERAL


async def test_mention_is_answered_without_pinging_anyone(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    await fake.dispatch("MESSAGE_CREATE", fake.message("just chatting about the weather"))
    text = f"<@{BOT['id']}> @everyone <@&777> is it illegal to leave nk?"
    asked = fake.message(text, mentions=[BOT], mention_everyone=True, mention_roles=["777"])
    await fake.dispatch("MESSAGE_CREATE", asked)
    (call,) = await fake.wait_for("POST", f"/channels/{CHANNEL_ID}/messages")
    assert str(call.body["message_reference"]["message_id"]) == asked["id"]
    assert call.body["allowed_mentions"]["parse"] == []
    assert not call.body["allowed_mentions"].get("replied_user", False)
    assert call.body["embeds"][0]["title"] == "Is it illegal to leave North Korea?"
    await asyncio.sleep(0.2)
    assert len(fake.of("POST", "/channels/")) == 1  # the unaddressed message was not answered


async def test_dm_is_answered(bot: DiscordBot, fake: FakeDiscord) -> None:
    await fake.dispatch(
        "MESSAGE_CREATE", fake.message("do north koreans have bank accounts", dm=True)
    )
    (call,) = await fake.wait_for("POST", "/channels/7001/messages")
    assert call.body["embeds"][0]["title"] == "Do North Koreans have bank accounts?"


async def test_a_flood_of_asks_gets_one_ephemeral_notice(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    bodies = [
        await respond(fake, fake.interaction(2, slash("ask", question="is it illegal to leave nk")))
        for _ in range(7)
    ]
    assert all(b["data"]["embeds"] for b in bodies[:5])
    assert bodies[5]["data"]["flags"] == EPHEMERAL
    assert bodies[5]["data"]["content"].startswith("You are asking faster")
    assert bodies[6]["data"]["flags"] == EPHEMERAL
    assert bodies[6]["data"]["content"] == messages.SLOW_DOWN


async def test_three_questions_in_a_row_by_dm_and_ask_are_all_answered(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    body = await respond(fake, fake.interaction(2, slash("ask", question="is it illegal to leave")))
    assert body["data"]["embeds"]
    for question in ("what about the border", "and families?"):
        await fake.dispatch("MESSAGE_CREATE", fake.message(question, dm=True))
    calls = await fake.wait_for("POST", "/channels/7001/messages", 2)
    assert all(c.body.get("embeds") for c in calls)


MANAGE_GUILD = str(1 << 5)
ADMINISTRATOR = str(1 << 3)


def member_interaction(fake: FakeDiscord, command: str, *, user_id: str, roles: list[str]) -> Any:
    payload = fake.interaction(2, slash(command), permissions=ADMINISTRATOR)
    payload["member"]["user"] = {**payload["member"]["user"], "id": user_id}
    payload["member"]["roles"] = roles
    return payload


async def test_server_admins_who_are_not_configured_are_refused(
    service: FaqService, fake: FakeDiscord
) -> None:
    bot = await started(service, fake, moderator_role_ids=[777])
    try:
        for command in ("reload", "unanswered"):
            payload = member_interaction(fake, command, user_id="111", roles=["1"])
            body = await respond(fake, payload)
            assert body["data"]["content"] == messages.MODERATORS_ONLY
            assert body["data"]["flags"] == EPHEMERAL
    finally:
        await bot.stop()


async def test_moderator_role_reloads_and_reads_the_report_privately(
    service: FaqService, fake: FakeDiscord
) -> None:
    bot = await started(service, fake, moderator_role_ids=[777])
    try:
        payload = member_interaction(fake, "reload", user_id="111", roles=["777"])
        body = await respond(fake, payload)
        assert body["data"]["content"].startswith("FAQ reloaded:")
        assert body["data"]["flags"] == EPHEMERAL
        payload = member_interaction(fake, "unanswered", user_id="111", roles=["777"])
        body = await respond(fake, payload)
        assert body["data"]["flags"] == EPHEMERAL  # only the moderator sees it
        assert body["data"]["content"] == messages.LOG_OFF  # the test service keeps no log
    finally:
        await bot.stop()


async def test_without_configured_moderators_the_reply_says_how(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    body = await respond(fake, fake.interaction(2, slash("reload"), permissions=MANAGE_GUILD))
    assert "DISCORD_MODERATOR_IDS" in body["data"]["content"]


async def test_servers_outside_the_allow_list_are_left(
    service: FaqService, fake: FakeDiscord
) -> None:
    bot = await started(service, fake, allowed_guild_ids=[4444])
    try:
        await fake.dispatch("GUILD_CREATE", guild(GUILD_ID))
        await fake.dispatch("GUILD_CREATE", guild("4444"))
        (left,) = await fake.wait_for("DELETE", "/users/@me/guilds/")
        assert left.path == f"/users/@me/guilds/{GUILD_ID}"
        asked = fake.message(f"<@{BOT['id']}> is it illegal to leave nk?", mentions=[BOT])
        await fake.dispatch("MESSAGE_CREATE", asked)
        await asyncio.sleep(0.3)
        assert fake.of("POST", f"/channels/{CHANNEL_ID}/messages") == []
    finally:
        await bot.stop()


def guild(guild_id: str) -> dict[str, Any]:
    return {
        "id": guild_id,
        "name": f"server {guild_id}",
        "icon": None,
        "owner_id": "1",
        "roles": [],
        "emojis": [],
        "features": [],
        "channels": [],
        "members": [],
        "threads": [],
        "member_count": 2,
        "unavailable": False,
        "joined_at": "2026-01-01T00:00:00+00:00",
        "large": False,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "system_channel_flags": 0,
    }


async def test_topic_does_not_echo_markdown_or_links(bot: DiscordBot, fake: FakeDiscord) -> None:
    name = "[click me](https://evil.example) **loud** @everyone"
    body = await respond(fake, fake.interaction(2, slash("topic", name=name)))
    description = body["data"]["embeds"][0]["description"]
    assert "\\[click me](https://evil.example)" in description  # escaped: no link
    assert "\\*\\*loud" in description
    assert body["data"]["allowed_mentions"]["parse"] == []


@pytest.mark.parametrize(
    ("fault", "replies"),
    [("503", 1), ("drop", 1), ("drop-after", 2)],
)
async def test_dropped_mention_replies_are_retried(
    bot: DiscordBot, fake: FakeDiscord, fault: str, replies: int
) -> None:
    fake.faults[f"/channels/{CHANNEL_ID}/messages"] = [fault]
    asked = fake.message(f"<@{BOT['id']}> is it illegal to leave nk?", mentions=[BOT])
    await fake.dispatch("MESSAGE_CREATE", asked)
    calls = await fake.wait_for("POST", f"/channels/{CHANNEL_ID}/messages", replies, timeout=15)
    await asyncio.sleep(1.5)
    posts = fake.of("POST", f"/channels/{CHANNEL_ID}/messages")
    assert len(posts) == replies and all(p.body.get("embeds") for p in posts)
    assert calls


async def test_dropped_interaction_answer_is_retried_once_without_duplicates(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    fake.faults["/interactions/"] = ["drop"]
    payload = fake.interaction(2, slash("ask", question="is it illegal to leave nk"))
    await fake.dispatch("INTERACTION_CREATE", payload)
    (call,) = await fake.wait_for("POST", f"/interactions/{payload['id']}/", timeout=15)
    assert call.body["data"]["embeds"]


async def test_feedback_button_counts_once(bot: DiscordBot, fake: FakeDiscord) -> None:
    first = await click(fake, "faq:f:banks:1")
    assert first["data"]["content"] == messages.THANKS and first["data"]["flags"] == EPHEMERAL
    button = {"type": 2, "style": 2, "label": "x", "custom_id": "faq:f:banks:0"}
    shown = {
        **fake.message("x"),
        "author": BOT,
        "components": [{"type": 1, "components": [button]}],
    }
    shown["id"] = "123"
    for expected in (messages.THANKS, messages.ALREADY_VOTED):
        body = await respond(
            fake,
            fake.interaction(3, {"custom_id": "faq:f:banks:0", "component_type": 2}, message=shown),
        )
        assert body["data"]["content"] == expected


class SlowService(FaqService):
    """A service whose answers take longer than Discord's 3-second deadline allows."""

    def ask(self, text: str, **kwargs: Any) -> Reply:
        time.sleep(2.3)
        return super().ask(text, **kwargs)


class BrokenService(FaqService):
    def ask(self, text: str, **kwargs: Any) -> Reply:
        raise RuntimeError("internal detail that must not reach users")


async def test_slow_answer_defers_then_follows_up(fake: FakeDiscord) -> None:
    bot = await started(SlowService.from_path(FAQ), fake)
    try:
        payload = fake.interaction(2, slash("ask", question="is it illegal to leave nk"))
        body = await respond(fake, payload)
        assert body["type"] == 5  # deferred in time
        (follow,) = await fake.wait_for("POST", f"/webhooks/{APP_ID}/{payload['token']}")
        assert follow.body["embeds"][0]["title"] == "Is it illegal to leave North Korea?"
    finally:
        await bot.stop()


async def test_command_error_is_logged_and_answered_privately(
    fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await started(BrokenService.from_path(FAQ), fake)
    try:
        body = await respond(fake, fake.interaction(2, slash("ask", question="anything")))
        assert body["data"]["content"] == messages.ERROR and body["data"]["flags"] == EPHEMERAL
        failure = next(r for r in caplog.records if r.getMessage().startswith("discord: /ask"))
        assert failure.getMessage() == "discord: /ask failed: RuntimeError"
        assert failure.exc_info is None  # one line; the traceback is at debug level
        assert "internal detail" not in str(body)
    finally:
        await bot.stop()


async def test_a_busy_channel_and_a_dm_flooder_do_not_delay_another_dm(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    fake.delays[f"/channels/{CHANNEL_ID}/"] = 0.5  # a slow, busy server channel
    flooder = {**USER, "id": "222", "username": "flooder"}
    for i in range(40):
        text = f"<@{BOT['id']}> is it illegal to leave nk {i}"
        await fake.dispatch("MESSAGE_CREATE", fake.message(text, mentions=[BOT]))
        await fake.dispatch(
            "MESSAGE_CREATE", {**fake.message("why cant people leave", dm=True), "author": flooder}
        )
    other = {**USER, "id": "333", "username": "reader"}
    asked = {**fake.message("do north koreans have bank accounts", dm=True), "channel_id": "7333"}
    asked["author"] = other
    started_at = time.monotonic()
    await fake.dispatch("MESSAGE_CREATE", asked)
    (call,) = await fake.wait_for("POST", "/channels/7333/messages", timeout=5)
    assert time.monotonic() - started_at < 1.0
    assert call.body["embeds"][0]["title"] == "Do North Koreans have bank accounts?"


async def test_interaction_answer_dropped_after_delivery_is_not_duplicated(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    fake.faults["/interactions/"] = ["drop-after"]
    payload = fake.interaction(2, slash("ask", question="is it illegal to leave nk"))
    await fake.dispatch("INTERACTION_CREATE", payload)
    (call,) = await fake.wait_for("POST", f"/interactions/{payload['id']}/", timeout=15)
    await asyncio.sleep(2.0)
    assert len(fake.of("POST", f"/interactions/{payload['id']}/")) == 1
    assert fake.of("POST", f"/webhooks/{APP_ID}/") == []  # no apology follow-up either
    assert call.body["data"]["embeds"]


async def test_at_risk_mention_is_answered_by_dm_with_a_neutral_public_line(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    text = f"<@{BOT['id']}> i want to escape north korea, how do i cross the river"
    await fake.dispatch("MESSAGE_CREATE", fake.message(text, mentions=[BOT]))
    (dm_open,) = await fake.wait_for("POST", "/users/@me/channels")
    (public,) = await fake.wait_for("POST", f"/channels/{CHANNEL_ID}/messages")
    assert public.body["content"] == messages.SAFETY_PUBLIC
    assert "message_reference" not in public.body  # does not point at the person's message
    private = [c for c in fake.of("POST", "/channels/") if c.path != public.path]
    assert private and private[0].body["embeds"][0]["fields"][0]["name"] == "Sources"
    assert str(dm_open.body["recipient_id"]) == USER["id"]


async def test_at_risk_slash_question_in_a_server_is_answered_ephemerally(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    question = "i want to escape north korea, how do i cross the river"
    body = await respond(fake, fake.interaction(2, slash("ask", question=question)))
    assert body["data"]["flags"] == EPHEMERAL
    assert body["data"]["embeds"] and custom_ids(body["data"]) == []  # no votes on it


async def test_a_mention_whose_reply_keeps_failing_gets_an_apology(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    # The answer fails twice (a drop may have delivered it: one retry only), the apology once.
    fake.faults[f"/channels/{CHANNEL_ID}/messages"] = ["drop", "drop", "drop"]
    asked = fake.message(f"<@{BOT['id']}> is it illegal to leave nk?", mentions=[BOT])
    await fake.dispatch("MESSAGE_CREATE", asked)
    (apology,) = await fake.wait_for("POST", f"/channels/{CHANNEL_ID}/messages", timeout=20)
    assert apology.body["content"] == messages.ERROR


def test_refusal_embed_carries_the_out_of_scope_note_first(service: FaqService) -> None:
    reply = service.ask("Can I visit North Korea as a tourist?")
    assert reply.note is not None
    description = reply_embed(reply).description or ""
    assert description.index(reply.note) < description.index("I don't know that one")

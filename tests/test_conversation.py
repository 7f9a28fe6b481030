"""The conversation layer: the rules every platform shares, without any platform."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot import messages
from bot.conversation import (
    Action,
    Asker,
    Conversation,
    Moderators,
    Notice,
    Report,
    Show,
    ShowSources,
    ShowTopic,
    ShowTopics,
    Silence,
)
from bot.reply import Outcome
from bot.service import FaqService
from bot.storage import QuestionLog
from tests.conftest import FAQ, MINIMAL

DM = Asker("telegram", user_id="1", chat_id="1", private=True)
STRANGER_IN_GROUP = Asker("telegram", user_id="2", chat_id="-100", private=False)
MOD = Asker("telegram", user_id="42", chat_id="42", private=True)
MOD_IN_GROUP = Asker("telegram", user_id="42", chat_id="-100", private=False)
MOD_CHAT = Asker("telegram", user_id="42", chat_id="-900", private=False)
DISCORD_ROLE = Asker(
    "discord",
    user_id="7",
    chat_id="5",
    private=False,
    whisper=True,
    guild_id="9",
    role_ids=frozenset({"77"}),
)
DISCORD_ADMIN = Asker(
    "discord",
    user_id="8",
    chat_id="5",
    private=False,
    whisper=True,
    guild_id="9",
    role_ids=frozenset({"1"}),
)
CONSOLE = Asker("console", local=True)
MODERATORS = Moderators.of("telegram", users=[42], chats=[-900]) | Moderators.of(
    "discord", roles=[77]
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def conv(service: FaqService, clock: Clock) -> Conversation:
    return Conversation(service, moderators=MODERATORS, clock=clock)


async def test_question_is_answered(conv: Conversation) -> None:
    result = await conv.ask(DM, "what happens to the family of someone who escapes")
    assert isinstance(result, Show)
    assert result.reply.outcome is Outcome.ANSWER
    assert result.reply.citations


async def test_three_follow_ups_in_five_seconds_are_all_answered(
    conv: Conversation, clock: Clock
) -> None:
    for question in ("is it illegal to leave", "what about the border", "and families?"):
        assert isinstance(await conv.ask(DM, question), Show)
        clock.now += 1.5


async def test_a_flood_gets_one_notice_then_silence_then_answers_again(
    conv: Conversation, clock: Clock
) -> None:
    results = [await conv.ask(DM, "is it illegal to leave") for _ in range(8)]
    assert all(isinstance(r, Show) for r in results[:5])
    assert isinstance(results[5], Notice) and "wait" in results[5].text
    assert all(isinstance(r, Silence) for r in results[6:])
    clock.now += 11
    assert isinstance(await conv.ask(DM, "is it illegal to leave"), Show)


async def test_one_person_flooding_does_not_limit_another(conv: Conversation) -> None:
    for _ in range(10):
        await conv.ask(DM, "border")
    assert isinstance(await conv.ask(MOD, "is it illegal to leave"), Show)


async def test_a_busy_group_is_limited_as_a_whole(conv: Conversation) -> None:
    people = [Asker("telegram", user_id=str(i), chat_id="-5", private=False) for i in range(30)]
    results = [await conv.ask(p, "is it illegal to leave") for p in people]
    shown = [r for r in results if isinstance(r, Show)]
    notices = [r for r in results if isinstance(r, Notice)]
    assert len(shown) == 10  # the group's burst
    assert len(notices) <= 1  # notices spend the group's budget too
    assert isinstance(await conv.ask(DM, "is it illegal to leave"), Show)


async def test_buttons_have_their_own_more_generous_budget(conv: Conversation) -> None:
    for _ in range(6):
        await conv.ask(DM, "border")
    assert isinstance(await conv.topics(DM), ShowTopics)
    results = [await conv.sources(DM) for _ in range(15)]
    assert all(isinstance(r, ShowSources) for r in results[:14])


async def test_console_operator_is_never_limited(conv: Conversation) -> None:
    results = [await conv.ask(CONSOLE, "is it illegal to leave") for _ in range(30)]
    assert all(isinstance(r, Show) for r in results)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("e:family-punishment", Show),
        ("s:family-punishment", Show),
        ("t:family", ShowTopic),
        ("e:no-such-entry", Notice),
        ("t:no-such-topic", Notice),
        ("x:family", Notice),
        ("e:../../etc", Notice),
        ("f:family-punishment", Notice),
        ("", Notice),
        (None, Notice),
    ],
)
async def test_buttons(conv: Conversation, data: str | None, expected: type) -> None:
    result = await conv.click(DM, data)
    assert isinstance(result, expected)
    if isinstance(result, Notice):
        assert result.text == messages.STALE and result.private


async def test_picked_suggestion_replaces_the_message(conv: Conversation) -> None:
    picked = await conv.click(DM, str(Action.suggestion("family-punishment")))
    opened = await conv.click(DM, str(Action.entry("family-punishment")))
    assert isinstance(picked, Show) and picked.replace
    assert isinstance(opened, Show) and not opened.replace


async def test_one_vote_per_person_per_answer(
    service: FaqService, tmp_path: Path, clock: Clock
) -> None:
    service_with_log = FaqService(service._snapshot)
    service_with_log.qlog = QuestionLog(tmp_path / "q.sqlite3")
    conv = Conversation(service_with_log, clock=clock)
    vote = str(Action.feedback("family-punishment", True))
    first = await conv.click(DM, vote, message_key="1/10")
    again = await conv.click(DM, vote, message_key="1/10")
    other = await conv.click(MOD, vote, message_key="1/10")
    service_with_log.qlog.close()
    assert [r.text for r in (first, again, other) if isinstance(r, Notice)] == [
        messages.THANKS,
        messages.ALREADY_VOTED,
        messages.THANKS,
    ]
    assert service_with_log.qlog.votes(0) == {"family-punishment": (2, 0)}


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (MOD, True),
        (MOD_IN_GROUP, True),
        (CONSOLE, True),
        (DISCORD_ROLE, True),
        (DM, False),
        (STRANGER_IN_GROUP, False),
        (DISCORD_ADMIN, False),  # Manage Server in some server is not enough
        (Asker("discord", user_id="42", private=True), False),  # same id, other platform
    ],
)
async def test_only_configured_moderators_reload(
    conv: Conversation, who: Asker, allowed: bool
) -> None:
    result = await conv.reload(who)
    assert isinstance(result, Notice)
    assert (result.text != messages.MODERATORS_ONLY) is allowed


async def test_without_moderators_the_reply_says_how_to_configure_them(
    service: FaqService,
) -> None:
    result = await Conversation(service).reload(DM)
    assert isinstance(result, Notice)
    assert "TELEGRAM_MODERATOR_IDS" in result.text


async def test_reload_has_a_cooldown_and_shows_no_paths(
    write_yaml: Callable[[str], Path], clock: Clock
) -> None:
    path = write_yaml(MINIMAL)
    conv = Conversation(FaqService.from_path(path), moderators=MODERATORS, clock=clock)
    first = await conv.reload(MOD)
    assert isinstance(first, Notice) and "2 entries" in first.text
    assert isinstance(await conv.reload(MOD), Notice | Silence)
    assert not isinstance(await conv.reload(MOD), Show)
    path.write_text(MINIMAL.replace("answer: The first answer.", "answer: no"))
    clock.now += 31
    broken = await conv.reload(MOD)
    assert isinstance(broken, Notice)
    assert "faq.yaml:" in broken.text and str(path.parent) not in broken.text
    assert (await conv.ask(DM, "what is the first thing")).reply.matched  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("who", "shown"),
    [(MOD, True), (MOD_CHAT, True), (DISCORD_ROLE, True), (MOD_IN_GROUP, False)],
)
async def test_unanswered_goes_only_to_private_places(
    service: FaqService, tmp_path: Path, who: Asker, shown: bool
) -> None:
    service_with_log = FaqService(service._snapshot)
    qlog = QuestionLog(tmp_path / "q.sqlite3")
    service_with_log.qlog = qlog
    conv = Conversation(service_with_log, moderators=MODERATORS)
    await conv.ask(DM, "what is the weather in pyongyang tomorrow")
    qlog.flush()
    result = await conv.unanswered(who)
    qlog.close()
    if shown:
        assert isinstance(result, Report) and "weather" in result.text
    else:
        assert isinstance(result, Notice) and result.text == messages.PRIVATE_ONLY


async def test_strangers_never_see_the_report(conv: Conversation) -> None:
    for who in (DM, STRANGER_IN_GROUP, DISCORD_ADMIN):
        result = await conv.unanswered(who)
        assert isinstance(result, Notice) and result.text == messages.MODERATORS_ONLY


async def test_topic_without_a_name_lists_the_topics(conv: Conversation) -> None:
    result = await conv.topic(DM, "  ")
    assert isinstance(result, ShowTopics) and result.message == messages.TOPIC_NAME_MISSING


async def test_privacy_says_what_is_kept(service: FaqService, tmp_path: Path) -> None:
    service_with_log = FaqService(service._snapshot)
    service_with_log.qlog = QuestionLog(tmp_path / "q.sqlite3", retention_days=14)
    result = await Conversation(service_with_log).privacy(DM)
    service_with_log.qlog.close()
    assert isinstance(result, Notice)
    assert "14 days" in result.text and "not who you are" in result.text
    silent = await Conversation(FaqService.from_path(FAQ)).privacy(DM)
    assert isinstance(silent, Notice) and "keeps no log" in silent.text

"""Teaching from chat, without any platform: who may write, checked at every click."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import messages
from bot.conversation import (
    Asker,
    AskWording,
    Conversation,
    Moderators,
    Notice,
    Report,
    Result,
    Show,
    TeachAction,
)
from bot.learn import Change, LearnConfig, Learner
from bot.service import FaqService
from bot.state import Hasher, MemoryState
from bot.storage import QuestionLog
from bot.watch import reload_once
from tests.conftest import FAQ

MOD = Asker("telegram", user_id="42", chat_id="42", private=True, name="Min-ji")
OTHER_MOD = Asker("telegram", user_id="43", chat_id="43", private=True, name="Sam")
MOD_IN_GROUP = Asker("telegram", user_id="42", chat_id="-100", private=False)
MOD_CHAT = Asker("telegram", user_id="42", chat_id="-900", private=False, name="Min-ji")
GROUP_ADMIN = Asker("telegram", user_id="7", chat_id="7", private=True)  # not configured
ASKER = Asker("telegram", user_id="1", chat_id="1", private=True)
MODERATORS = Moderators.of("telegram", users=[42, 43], chats=[-900])


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Setup:
    conv: Conversation
    faq: Path
    clock: Clock
    told: list[str]


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    faq = Path(shutil.copy(FAQ, tmp_path / "faq.yaml"))
    service = FaqService.from_path(faq)
    service.qlog = QuestionLog(tmp_path / "q.sqlite3")
    clock = Clock()
    conv = Conversation(
        service,
        moderators=MODERATORS,
        clock=clock,
        learner=Learner(LearnConfig(faq, devset=None)),
        undo_seconds=300,
    )
    told: list[str] = []

    async def tell(text: str) -> None:
        told.append(text)

    conv.notify = tell
    yield Setup(conv, faq, clock, told)
    service.qlog.close()


async def picked(conv: Conversation) -> None:
    """Someone asks, gets "did you mean", and picks contact-outside."""
    shown = await conv.ask(ASKER, "do north koreans have phones")
    assert isinstance(shown, Show) and shown.evidence
    await conv.click(ASKER, f"s:contact-outside:{shown.evidence}")
    assert conv.service.qlog is not None and conv.service.qlog.flush()


async def listed(conv: Conversation, who: Asker = MOD) -> Report:
    result = await conv.unanswered(who)
    assert isinstance(result, Report)
    return result


def add_button(report: Report) -> str:
    return next(b.action for b in report.buttons if b.action.startswith("la:"))


async def test_a_moderators_confirmed_click_writes_and_can_be_undone(setup: Setup) -> None:
    await picked(setup.conv)
    report = await listed(setup.conv)
    assert "“do north koreans have phones” (picked 1 time → contact-outside)" in report.text
    labels = [b.label for b in report.buttons]
    assert labels[:2] == [
        "1 · add to: Can North Koreans contact people outsid…",
        "1 · out of scope",
    ]
    ask = await setup.conv.click(MOD, add_button(report))
    assert isinstance(ask, AskWording) and ask.wording == "do north koreans have phones"
    assert messages.TEACH_PRIVACY in ask.prompt
    assert "do north koreans have phones" not in setup.faq.read_text(encoding="utf-8")  # not yet
    done = await setup.conv.click(MOD, ask.confirm.action)
    assert isinstance(done, Report)
    assert done.text.startswith("Added “do north koreans have phones” to contact-outside")
    assert "Now: answered with contact-outside" in done.text
    assert "      - do north koreans have phones" in setup.faq.read_text(encoding="utf-8")
    reply = await setup.conv.ask(ASKER, "do north koreans have phones")
    assert isinstance(reply, Show) and reply.reply.entry is not None
    assert reply.reply.entry.id == "contact-outside"  # the running bot answers it at once
    assert setup.told and "+ contact-outside: “do north koreans have phones”" in setup.told[0]
    (undo,) = done.buttons
    undone = await setup.conv.click(MOD, undo.action)
    assert isinstance(undone, Report) and undone.text.startswith("Removed “do north koreans")
    assert "do north koreans have phones" not in setup.faq.read_text(encoding="utf-8")
    assert "- contact-outside: “do north koreans have phones”" in setup.told[-1]


async def test_a_reworded_draft_writes_the_new_wording(setup: Setup) -> None:
    await picked(setup.conv)
    ask = await setup.conv.click(MOD, add_button(await listed(setup.conv)))
    assert isinstance(ask, AskWording)
    again = await setup.conv.reword(MOD, "do nk people have mobile phones", ask.confirm.action)
    assert isinstance(again, AskWording) and again.wording == "do nk people have mobile phones"
    assert await setup.conv.reword(MOD, "is it illegal to leave", None) is None  # a question
    done = await setup.conv.click(MOD, again.confirm.action)
    assert isinstance(done, Report)
    text = setup.faq.read_text(encoding="utf-8")
    assert "do nk people have mobile phones" in text and "have phones\n" not in text


async def test_a_modal_confirmation_writes_the_wording_it_carries(setup: Setup) -> None:
    await picked(setup.conv)
    ask = await setup.conv.click(MOD, add_button(await listed(setup.conv)))
    assert isinstance(ask, AskWording)
    done = await setup.conv.confirm(MOD, ask.confirm.action, "can north koreans own a phone")
    assert isinstance(done, Report) and "can north koreans own a phone" in done.text


def notice(result: Result | None) -> str:
    assert isinstance(result, Notice) and result.private
    return result.text


async def test_only_the_moderator_in_private_can_click_at_every_step(setup: Setup) -> None:
    await picked(setup.conv)
    report = await listed(setup.conv)
    action = add_button(report)
    # The list was shown to a moderator; a click from anyone else is refused when it comes.
    assert notice(await setup.conv.click(GROUP_ADMIN, action)) == messages.MODERATORS_ONLY
    assert notice(await setup.conv.click(MOD_IN_GROUP, action)) == messages.PRIVATE_ONLY
    ask = await setup.conv.click(MOD, action)
    assert isinstance(ask, AskWording)
    assert (
        notice(await setup.conv.click(GROUP_ADMIN, ask.confirm.action)) == messages.MODERATORS_ONLY
    )
    assert notice(await setup.conv.click(OTHER_MOD, ask.confirm.action)) == messages.TEACH_NOT_OWNER
    assert notice(await setup.conv.confirm(GROUP_ADMIN, ask.confirm.action, "x y z")) == (
        messages.MODERATORS_ONLY
    )
    assert await setup.conv.reword(GROUP_ADMIN, "x y z", ask.confirm.action) == Notice(
        messages.MODERATORS_ONLY, private=True
    )
    assert "do north koreans have phones" not in setup.faq.read_text(encoding="utf-8")
    done = await setup.conv.click(MOD_CHAT, ask.confirm.action)  # the moderator chat is private
    assert isinstance(done, Report)
    (undo,) = done.buttons
    assert notice(await setup.conv.click(OTHER_MOD, undo.action)) == messages.TEACH_NOT_OWNER


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("la:0badc0de:contact-outside", messages.TEACH_GONE),  # no such candidate
        ("lo:0badc0de", messages.TEACH_GONE),
        ("lc:aaaaaaaaaa", messages.TEACH_EXPIRED),  # no such draft
        ("lu:aaaaaaaaaa", messages.TEACH_UNDO_EXPIRED),
        ("la:zz", messages.STALE),  # malformed
        ("la:0badc0de", messages.STALE),  # "add" without an entry
        ("la:0badc0de:" + "x" * 60, messages.STALE),  # longer than a button can carry
    ],
)
async def test_forged_button_data_is_refused(setup: Setup, data: str, expected: str) -> None:
    await picked(setup.conv)
    assert notice(await setup.conv.click(MOD, data)) == expected
    assert "do north koreans have phones" not in setup.faq.read_text(encoding="utf-8")


async def test_a_real_candidate_with_an_entry_it_was_not_offered_for_is_refused(
    setup: Setup,
) -> None:
    await picked(setup.conv)
    real = TeachAction.parse(add_button(await listed(setup.conv)))
    assert real is not None
    forged = f"la:{real.key}:prison-camps"
    assert notice(await setup.conv.click(MOD, forged)) == messages.STALE


async def test_drafts_and_undo_expire(setup: Setup) -> None:
    await picked(setup.conv)
    ask = await setup.conv.click(MOD, add_button(await listed(setup.conv)))
    assert isinstance(ask, AskWording)
    setup.clock.now += 16 * 60
    assert notice(await setup.conv.click(MOD, ask.confirm.action)) == messages.TEACH_EXPIRED
    ask = await setup.conv.click(MOD, add_button(await listed(setup.conv)))
    assert isinstance(ask, AskWording)
    done = await setup.conv.click(MOD, ask.confirm.action)
    assert isinstance(done, Report)
    setup.clock.now += 301
    assert (
        notice(await setup.conv.click(MOD, done.buttons[0].action)) == messages.TEACH_UNDO_EXPIRED
    )
    assert "do north koreans have phones" in setup.faq.read_text(encoding="utf-8")
    assert notice(await setup.conv.click(MOD, ask.confirm.action)) == messages.TEACH_EXPIRED


async def test_a_refused_change_is_said_in_one_line_and_writes_nothing(setup: Setup) -> None:
    await picked(setup.conv)
    ask = await setup.conv.click(MOD, add_button(await listed(setup.conv)))
    assert isinstance(ask, AskWording)
    again = await setup.conv.reword(MOD, "i want to escape north korea", ask.confirm.action)
    assert "gets the safety reply" in notice(again)
    again = await setup.conv.reword(MOD, "is it illegal to leave north korea", ask.confirm.action)
    assert "already belongs to entry 'leaving-illegal'" in notice(again)


async def test_out_of_scope_from_chat(setup: Setup) -> None:
    for text in ("what is the weather in pyongyang", "whats the weather in pyongyang"):
        await setup.conv.ask(ASKER, text)
    assert setup.conv.service.qlog is not None and setup.conv.service.qlog.flush()
    report = await listed(setup.conv)
    action = next(b.action for b in report.buttons if b.action.startswith("lo:"))
    ask = await setup.conv.click(MOD, action)
    assert isinstance(ask, AskWording) and ask.title == "Out of scope"
    done = await setup.conv.click(MOD, ask.confirm.action)
    assert isinstance(done, Report) and "Now: refused as out of scope." in done.text
    shown = await setup.conv.ask(ASKER, "what's the weather like in pyongyang")
    assert isinstance(shown, Show) and shown.reply.note


async def test_without_a_learner_the_report_has_no_buttons(
    service: FaqService, tmp_path: Path
) -> None:
    logged = FaqService(service._snapshot)
    logged.qlog = QuestionLog(tmp_path / "q.sqlite3")
    try:
        conv = Conversation(logged, moderators=MODERATORS)
        await picked(conv)
        report = await listed(conv)
        assert report.buttons == () and "Teach the bot" not in report.text
    finally:
        logged.qlog.close()


async def test_replicas_tell_the_moderators_about_a_change_once(tmp_path: Path) -> None:
    faq = Path(shutil.copy(FAQ, tmp_path / "faq.yaml"))
    state, hasher = MemoryState(), Hasher(b"shared secret")  # what replicas share
    told: list[str] = []

    async def tell(text: str) -> None:
        told.append(text)

    replicas = []
    for _ in range(2):
        conv = Conversation(FaqService.from_path(faq), state=state, hasher=hasher)
        conv.notify = tell
        replicas.append(conv)
    Learner(LearnConfig(faq, devset=None)).apply(
        Change.add("banks", "nk bank accounts?"), moderator="m", platform="cli"
    )
    text = faq.read_text(encoding="utf-8")
    faq.write_text(text.replace("      - banks north korea\n", "", 1), encoding="utf-8")  # by hand
    for conv in replicas:
        await conv.reloaded(await reload_once(conv.service))
    (text,) = told
    assert text.startswith("FAQ reloaded:")
    assert "+ banks: “nk bank accounts?”" in text  # a learned change
    assert "- banks: “banks north korea”" in text  # and a hand edit, in the same diff

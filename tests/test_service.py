from __future__ import annotations

import asyncio
import importlib
import pkgutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import bot
from bench.datasets import write_faq
from bench.synthetic import synthetic_kb
from bot import messages, text
from bot.errors import KnowledgeError
from bot.reply import Outcome
from bot.service import FaqService, Thresholds
from bot.text import question_sentences
from tests.conftest import MINIMAL
from tests.long_messages import AUNT, QUIZ, SOURDOUGH, TOURISTS


def test_answer_carries_resolved_citations_and_related(service: FaqService) -> None:
    reply = service.ask("what happens to the family of a defector")
    assert reply.outcome is Outcome.ANSWER and reply.matched
    assert reply.entry is not None and reply.entry.id == "family-punishment"
    assert 0.0 <= reply.score <= 1.0
    titles = {c.title for c in reply.citations}
    assert "Why can't you leave North Korea?" in titles
    cited = {(c.source_id, c.section) for c in reply.citations}
    assert ("why-cant-you-leave", "Family Punishment") in cited
    dated = next(c for c in reply.citations if c.source_id == "why-cant-you-leave")
    assert dated.published is not None and dated.published.isoformat() == "2023-11-26"
    assert [r.entry_id for r in reply.related] == ["family-deterrent", "prison-camps"]


def test_vague_question_gets_up_to_three_suggestions(service: FaqService) -> None:
    reply = service.ask("border")
    assert reply.outcome is Outcome.SUGGEST and not reply.matched and reply.entry is None
    assert 1 <= len(reply.suggestions) <= 3
    assert all(s.score is not None and 0 <= s.score <= 1 for s in reply.suggestions)
    assert reply.message == messages.SUGGEST


def test_unknown_question_is_refused_with_topics(service: FaqService) -> None:
    reply = service.ask("how do I bake sourdough bread")
    assert reply.outcome is Outcome.NONE and reply.entry is None and not reply.suggestions
    assert reply.message == messages.NONE
    assert [t.id for t in reply.topics] == [t.id for t in service.topics()]


@pytest.mark.parametrize("text", ["", "   ", "\x00\x07", "hi", "ok"])
def test_empty_or_greeting_returns_help(service: FaqService, text: str) -> None:
    reply = service.ask(text)
    assert reply.is_help and reply.outcome is Outcome.NONE and reply.message == messages.HELP


@pytest.mark.parametrize("text", ["thanks!", "Thank you so much", "thx", "ty that helps"])
def test_thanks_gets_a_short_welcome_not_the_introduction(service: FaqService, text: str) -> None:
    reply = service.ask(text)
    assert reply.message == messages.WELCOME and not reply.topics and reply.is_help


def test_thanks_with_a_question_is_still_answered(service: FaqService) -> None:
    reply = service.ask("thanks! and is it illegal to leave north korea?")
    assert reply.outcome is Outcome.ANSWER


@pytest.mark.parametrize(
    "text",
    [
        "why can't\u200b north\u202e koreans leave\x1b",
        "ＷＨＹ　ＣＡＮ'Ｔ　ＮＯＲＴＨ　ＫＯＲＥＡＮＳ　ＬＥＡＶＥ",
        "why can't north koreans\n\n\tleave?!",
        "why c\x07an't north kor\u00adeans le\u200bave",
        "why c\x07an't north\x0bkor\x7feans\r\nle\x00ave",
    ],
    ids=["control-and-bidi", "fullwidth", "whitespace", "inside-words", "ascii-controls"],
)
def test_disguised_question_is_still_answered(service: FaqService, text: str) -> None:
    reply = service.ask(text)
    assert reply.outcome is Outcome.ANSWER and reply.entry is not None
    assert reply.entry.id == "why-cant-leave"


@pytest.mark.parametrize(
    "text",
    [
        "why can't north koreans leave " + "a" * 10_000,
        "word " * 5_000,
        "<b>why</b> can't @everyone <@&123> north koreans &amp; leave",
        "\x00\x1b[31m" * 300,
    ],
    ids=["huge-word", "many-words", "markup-and-mentions", "escape-codes"],
)
def test_hostile_input_gets_a_safe_reply(service: FaqService, text: str) -> None:
    reply = service.ask(text)
    assert len(reply.query) <= service.max_chars
    assert all(ch.isprintable() for ch in reply.query)
    assert reply.message


def test_emoji_only_is_refused_not_crashed(service: FaqService) -> None:
    assert service.ask("🙂🇰🇵🔥").outcome is Outcome.NONE


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("family", "family"),
        ("Families and guilt by association", "family"),
        ("famly", "family"),
        ("bord", "border"),
        ("surveilance", "surveillance"),
        ("MONEY", "money"),
        ("guilt", "family"),
    ],
)
def test_topic_lookup_tolerates_typos_and_prefixes(
    service: FaqService, name: str, expected: str
) -> None:
    found = service.topic(name)
    assert found.topic is not None and found.topic.id == expected
    assert [s.entry_id for s in found.entries] == [e.id for e in service.kb.entries_in(expected)]


@pytest.mark.parametrize("name", ["", "quantum physics", "zz"])
def test_unknown_topic_lists_the_topics(service: FaqService, name: str) -> None:
    found = service.topic(name)
    assert found.topic is None and found.alternatives == service.topics()


def test_show_entry_and_stale_id(service: FaqService) -> None:
    reply = service.show("banks")
    assert reply is not None and reply.entry is not None and reply.citations
    assert service.show("no-such-entry") is None


def test_reload_swaps_and_invalid_edit_keeps_last_good(write_yaml: Callable[[str], Path]) -> None:
    path = write_yaml(MINIMAL)
    service = FaqService.from_path(path)
    assert service.ask("what is the first thing").entry.answer == "The first answer."  # type: ignore[union-attr]
    write_yaml(MINIMAL.replace("The first answer.", "An edited answer."))
    service.reload()
    assert service.ask("what is the first thing").entry.answer == "An edited answer."  # type: ignore[union-attr]
    write_yaml(MINIMAL.replace("answer: The first answer.", "answer: no"))
    with pytest.raises(KnowledgeError) as caught:
        service.reload()
    assert f"{path}:15" in str(caught.value)
    assert service.ask("what is the first thing").entry.answer == "An edited answer."  # type: ignore[union-attr]


async def test_reload_runs_off_the_event_loop(write_yaml: Callable[[str], Path]) -> None:
    """While a big FAQ is loaded and indexed, the loop keeps ticking and old answers work."""
    path = write_yaml(MINIMAL)
    service = FaqService.from_path(path)
    big, _ = synthetic_kb(2000)
    write_faq(path.parent, "faq", [(e.id, list(e.phrasings), e.answer) for e in big.entries])
    gaps: list[float] = []

    async def heartbeat() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
            assert service.ask("what is the first thing").outcome.value in ("answer", "none")

    beat = asyncio.create_task(heartbeat())
    began = time.perf_counter()
    try:
        await service.reload_async()
    finally:
        beat.cancel()
    took = time.perf_counter() - began
    assert len(service.kb.entries) == 2000
    assert len(gaps) > 5  # the loop kept running while the index was built
    # A loop blocked by the reload waits about as long as the reload takes; on a busy shared
    # machine a single pause of the whole process can reach half a second on its own.
    assert max(gaps) < max(0.5, took / 2)


@pytest.mark.parametrize(
    ("text", "answered", "offered"),
    [
        # Context, then two questions: the first is answered, the second offered first.
        (
            "Hi! I'm a student writing an essay. I read that people could just walk across "
            "to China. What is actually stopping them? Also, what happens to their families?",
            {"why-cant-leave"},
            {"family-punishment"},
        ),
        # Two questions the whole message could answer: one answered, the other offered.
        (
            "Is it illegal to leave North Korea? And do people get paid enough to save up?",
            {"leaving-illegal", "wages"},
            {"leaving-illegal", "wages"},
        ),
    ],
)
def test_each_question_of_a_long_message_is_matched(
    service: FaqService, text: str, answered: set[str], offered: set[str]
) -> None:
    reply = service.ask(text)
    assert reply.outcome is Outcome.ANSWER and reply.entry is not None
    assert reply.entry.id in answered
    first_related = reply.related[0].entry_id
    assert first_related in offered and first_related != reply.entry.id
    assert reply.query == text


@pytest.mark.parametrize(
    ("text", "note"),
    [
        # The question sentence alone would be answered, but the message names another
        # country: the look-alike guard sees the whole message.
        ("I am asking about Cuba. Why can't they leave their country?", False),
        # An out-of-scope question refuses the message with its note.
        ("Can I visit North Korea as a tourist? Why can't north koreans leave?", True),
    ],
)
def test_a_long_message_keeps_the_guards(service: FaqService, text: str, note: bool) -> None:
    reply = service.ask(text)
    assert reply.outcome is not Outcome.ANSWER
    assert (reply.note is not None) is note


def test_safety_is_checked_on_each_question_of_a_long_message(service: FaqService) -> None:
    text = "I am doing a school project on borders. It is for history class. How do I cross the river without the guards seeing me?"
    assert service.ask(text).is_safety


def test_a_wall_of_questions_is_matched_a_few_at_a_time(service: FaqService) -> None:
    text = " ".join(f"Why can't people leave, question {n}?" for n in range(40))
    assert len(question_sentences(text)) == 3
    reply = service.ask(text)
    assert len(reply.related) <= 5


@pytest.mark.parametrize(
    ("text", "questions"),
    [
        ("why can't north koreans leave", []),
        (
            "why can't they leave? what about their families?",
            ["why can't they leave?", "what about their families?"],
        ),
        ("I read a lot about it. Why can't they leave", ["Why can't they leave"]),
        ("They are poor. The border is guarded.", []),
        ("Why? Really? Why can't they leave?", ["Why can't they leave?"]),
        ("Why can't they leave? Why can't they leave?", ["Why can't they leave?"]),
    ],
)
def test_question_sentences(text: str, questions: list[str]) -> None:
    assert question_sentences(text) == questions


@pytest.mark.parametrize(
    ("text", "novelty"),
    [
        ("why can't north koreans leave", 0.0),
        ("is kim jong un married", 0.25),  # married: in no phrasing, answer or title
        ("hello?", 0.0),  # no content words
        ("zorblax quibbling", 1.0),
        ("do they read peoples messages", 0.0),  # "peoples" is a stopword's form
    ],
)
def test_novelty_is_the_share_of_words_the_faq_never_uses(
    service: FaqService, text: str, novelty: float
) -> None:
    assert service.snapshot.novelty(text) == pytest.approx(novelty)


@pytest.mark.parametrize(
    ("text", "outcome", "entry"),
    [
        (AUNT, Outcome.ANSWER, "family-punishment"),
        (TOURISTS, Outcome.SUGGEST, "legal-travel"),
        (QUIZ, Outcome.NONE, None),
    ],
)
def test_a_long_story_is_judged_by_the_long_thresholds(
    service: FaqService, text: str, outcome: Outcome, entry: str | None
) -> None:
    reply = service.ask(text)
    assert reply.outcome is outcome and reply.note is None
    offered = [s.entry_id for s in reply.suggestions]
    assert (reply.entry.id if reply.entry else next(iter(offered), None)) == entry
    # With the plain thresholds alone, every one of them was refused.
    plain = FaqService(service.snapshot, thresholds=Thresholds(long_words=10**9))
    assert plain.ask(text).outcome is Outcome.NONE


def test_long_chatter_about_something_else_is_refused_without_suggestions(
    service: FaqService,
) -> None:
    assert service.ask(SOURDOUGH).outcome is Outcome.NONE
    # Most of its words are new to the FAQ; without that check it would be offered entries.
    anything = FaqService(service.snapshot, thresholds=Thresholds(long_novelty=1.0))
    assert anything.ask(SOURDOUGH).outcome is Outcome.SUGGEST


def test_stricter_settings_keep_long_messages_strict(service: FaqService) -> None:
    # The long thresholds scale with the operator's: raising them must not let a long
    # message be answered by an entry the default thresholds would not give it.
    text = (
        "Hi! I'm a student writing an essay. I read that people could just walk across to "
        "China. What is actually stopping them? Also, what happens to their families?"
    )
    strict = FaqService(service.snapshot, thresholds=Thresholds(0.9, 0.8)).ask(text)
    assert strict.outcome is not Outcome.ANSWER


@pytest.mark.parametrize(
    ("count", "novelty", "long"),
    [(7, 0.0, False), (8, 0.0, True), (8, 0.45, True), (8, 0.46, False), (40, 0.2, True)],
)
def test_a_message_is_long_from_long_words_on_our_subject(
    count: int, novelty: float, long: bool
) -> None:
    assert Thresholds(long_words=8, long_novelty=0.45).is_long(count, novelty) is long


def test_long_thresholds_are_the_plain_ones_scaled() -> None:
    scaled = Thresholds(0.6, 0.4, 0.02, long_scale=0.5).scaled()
    assert (scaled.answer, scaled.suggest, scaled.margin) == (0.3, 0.2, 0.02)


@pytest.mark.parametrize("bad", [{"long_words": 0}, {"long_scale": 0.0}, {"long_scale": 1.5}])
def test_nonsense_long_thresholds_are_rejected(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="long_"):
        Thresholds(**bad)  # type: ignore[arg-type]


def test_no_cache_keeps_what_people_type(service: FaqService) -> None:
    # Message texts and words are remembered only while one message is answered
    # (bot.text.one_message); the caches that outlive it hold the FAQ's own text only.
    service.ask("my neighbour zqxwv in hyesan asked why can't north koreans leave")
    assert text._SPLITS.get() is None and text._STEMS.get() is None
    modules = [importlib.import_module(m.name) for m in pkgutil.walk_packages(bot.__path__, "bot.")]
    cached = {
        f"{module.__name__}.{name}"
        for module in modules
        for name, value in vars(module).items()
        if hasattr(value, "cache_info") and getattr(value, "__module__", None) == module.__name__
    }
    assert cached == {"bot.guard.countries", "bot.guard._vocabulary_of", "bot.safety_model._train"}

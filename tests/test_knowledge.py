"""The shipped FAQ as a reader meets it: faithful, safe, in scope, and easy to tell apart."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot import messages
from bot.contract import reply_to_json
from bot.conversation import Asker, Conversation
from bot.loader import load_knowledge
from bot.models import SAFETY_ID
from bot.reply import Outcome
from bot.service import FaqService, Thresholds
from bot.storage import QuestionLog
from tests.conftest import FAQ, ROOT

KB = load_knowledge(FAQ)
SEEDS = ROOT.parent / "shared" / "seeds"
COPY_LIMIT = 8  # words in a row an answer may not share with an article


# Written by us to show where the line runs; the independent probes are someone else's.
AT_RISK = [
    "i am north korean and i want to leave, what do i do",
    "can you help me get my family out",
    "what is the best route to get out",
    "how can i bribe a border guard",
    "i want to escape",
    "im in nk and wanna leave",
    "i wnat to escpae north korea",
    "hw can i find a brokr",
    "what happens to my family if i defect",
    "my brother wants to defect",
    "my mother is still in north korea, how can she leave",
    "where is the border least guarded",
    "how much should i pay a smuggler",
    "where can i hide in china",
    "how do i get fake papers",
    "how to escape north korea",
    "is it possible for me to get out",
    "what happens if i get caught crossing the border",
    "how do you plan an escape from north korea",
    "will china send me back",
    "asking for a friend who wants to leave nk",
    "what time do the guards change shifts",
    "탈북하고 싶어요",
    "엄마를 데리고 나오고 싶어요",
    "도와주세요 북한에 있어요",
    "어떻게 하면 북한을 나갈 수 있어요",
]

# Third-person and factual questions keep their answers (question, entry).
EDUCATIONAL = [
    ("how do people escape north korea", "how-people-escaped"),
    ("how do you escape north korea", "how-people-escaped"),
    ("what do brokers do", "brokers"),
    ("why is crossing the border dangerous", "border-security"),
    ("how much does an escape cost", "cost-of-escape"),
    ("what happens to people who get caught escaping", "punishment-if-caught"),
    ("what happens to the families of defectors", "family-punishment"),
    ("do defectors pay smugglers", "brokers"),
    ("does china send defectors back", "china-repatriation"),
    ("how can i help north korean refugees", "how-to-help"),
    ("my cousin defected, what happens to his parents", "family-punishment"),
    ("why can't north koreans leave", "why-cant-leave"),
]

VISITORS = [
    "can i visit north korea as a tourist",
    "how do i get a visa to north korea",
    "can foreigners leave north korea",
    "can an american tourist get out of north korea again",
    "is it safe to go to pyongyang on a tour",
    "how much is a tour to north korea",
]


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", text.lower().replace("’", "'"))


@pytest.mark.parametrize("entry", KB.entries, ids=[e.id for e in KB.entries])
def test_each_entry_answers_its_own_question(service: FaqService, entry: object) -> None:
    question = entry.question  # type: ignore[attr-defined]
    reply = service.ask(question)
    assert reply.matched and reply.entry is not None, (question, reply.outcome)
    assert reply.entry.id == entry.id  # type: ignore[attr-defined]


def test_no_answer_copies_eight_words_from_an_article() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"the articles are not here ({SEEDS}), so copying cannot be checked")
    runs = set()
    for seed in SEEDS.glob("*.txt"):
        w = words_of(seed.read_text(encoding="utf-8"))
        runs |= {tuple(w[i : i + COPY_LIMIT]) for i in range(len(w) - COPY_LIMIT + 1)}
    assert KB.safety is not None
    copied = []
    for entry in (*KB.entries, KB.safety.entry):
        w = words_of(entry.answer)
        copied += [
            (entry.id, " ".join(w[i : i + COPY_LIMIT]))
            for i in range(len(w) - COPY_LIMIT + 1)
            if tuple(w[i : i + COPY_LIMIT]) in runs
        ]
    assert not copied


@pytest.mark.parametrize("question", AT_RISK)
def test_people_at_risk_get_the_safety_reply(service: FaqService, question: str) -> None:
    reply = service.ask(question)
    assert reply.is_safety and reply.matched and reply.entry is not None, question
    assert reply.entry.id == SAFETY_ID and reply.citations
    obj = reply_to_json(reply)
    assert obj["outcome"] == "answer" and obj["matched"] and obj["is_safety"]
    assert obj["entry"]["id"] == "safety"


@pytest.mark.parametrize(("question", "expected"), EDUCATIONAL)
def test_educational_questions_keep_their_answers(
    service: FaqService, question: str, expected: str
) -> None:
    reply = service.ask(question)
    assert not reply.is_safety, question
    assert reply.entry is not None and reply.entry.id == expected, (question, reply.outcome)


@pytest.mark.parametrize("question", VISITORS)
def test_visitors_questions_are_refused_with_a_note(service: FaqService, question: str) -> None:
    reply = service.ask(question)
    assert reply.outcome is Outcome.NONE and not reply.is_safety, (question, reply.entry)
    assert reply.note and "North Korean citizens" in reply.note


def test_nothing_overrides_the_safety_reply(tmp_path: Path) -> None:
    text = FAQ.read_text(encoding="utf-8").replace(
        "      - can foreigners leave north korea\n",
        "      - can foreigners leave north korea\n      - i want to leave north korea now\n",
    )
    (tmp_path / "faq.yaml").write_text(text, encoding="utf-8")
    strict = FaqService.from_path(tmp_path / "faq.yaml", thresholds=Thresholds(1.0, 1.0, 1.0))
    for question in ("i want to leave north korea now", "how do i get out of nk"):
        assert strict.ask(question).is_safety
        assert [r.is_safety for r in strict.search(question)] == [True]
    shown = strict.show("safety")
    assert shown is not None and shown.is_safety and shown.entry is not None


def test_safety_questions_are_logged_without_their_text(tmp_path: Path) -> None:
    service = FaqService.from_path(FAQ)
    service.qlog = QuestionLog(tmp_path / "q.sqlite3", store_text=True)
    try:
        conversation = Conversation(service)
        who = Asker("test", user_id="1", chat_id="1")
        asyncio.run(conversation.ask(who, "i want to escape north korea"))
        asyncio.run(conversation.ask(who, "is it illegal to leave north korea"))
        service.qlog.flush()
        rows = service.qlog.questions(0.0)
    finally:
        service.qlog.close()
    assert [(r.entry_id, r.question) for r in rows] == [
        ("safety", None),
        ("leaving-illegal", "is it illegal to leave north korea"),
    ]


@pytest.mark.parametrize(
    "text", ["북한에 대해 알려주세요", "Почему люди не уезжают?", "朝鲜为什么这样"]
)
def test_other_languages_get_a_note_in_english_and_korean(service: FaqService, text: str) -> None:
    reply = service.ask(text)
    assert reply.outcome is Outcome.NONE and reply.message == messages.ENGLISH_ONLY
    assert "English" in reply.message and "영어" in reply.message


@pytest.mark.parametrize(("old", "new"), KB.retired)
def test_retired_ids_open_the_entry_that_replaced_them(
    service: FaqService, old: str, new: str
) -> None:
    reply = service.show(old)
    assert reply is not None and reply.entry is not None and reply.entry.id == new


def test_the_file_keeps_its_promises() -> None:
    assert KB.safety is not None
    korean = [t for t in KB.safety.triggers if re.search("[\uac00-\ud7a3]", t)]
    assert len(korean) >= 12
    assert all(len(e.alternates) >= 10 for e in KB.entries)
    cited = {(r.source, r.section) for e in KB.entries for r in e.sources}
    sections = {(s.id, x) for s in KB.sources for x in (*s.sections, *s.untitled_sections)}
    assert sections <= cited, f"sections nobody cites: {sections - cited}"
    # Answers flow: a line break only ever separates paragraphs.
    assert not [e.id for e in KB.entries if re.search(r"(?<!\n)\n(?!\n)", e.answer)]


def test_corrections_of_the_articles_are_kept_and_marked() -> None:
    who = KB.entry("who-rules")
    assert who is not None
    assert "General knowledge, not from the articles: the founder was Kim Il-sung" in who.answer
    assert "Kim Jong-un, the current leader, is the third" in who.answer
    for entry in KB.entries:
        text = entry.answer.lower()
        assert "island" not in text or "not an island" in text, entry.id
        assert "founder kim jong" not in text, entry.id

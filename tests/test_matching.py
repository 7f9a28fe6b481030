"""The shipped FAQ answers questions as people type them, and refuses what it does not cover."""

from __future__ import annotations

import numpy as np
import pytest

from bot.matcher import _by_entry
from bot.reply import Outcome
from bot.service import FaqService
from bot.text import phrasing_key

# Written as users type: none of these is one of the FAQ's phrasings (a test checks).
ANSWERED = [
    ("why can't north koreans leave the country", "why-cant-leave"),
    ("why dont ppl just leave nk", "why-cant-leave"),
    ("what keeps people stuck in north korea", "why-cant-leave"),
    ("why do north koreans stay", "why-cant-leave"),
    ("is it a crime to leave north korea", "leaving-illegal"),
    ("is leaving nk illegal", "leaving-illegal"),
    ("r north koreans allowed to leave their country", "leaving-illegal"),
    ("why does kim jong un not let people leave", "regime-motive"),
    ("why does the regime want to keep people in", "regime-motive"),
    ("can north koreans move to another city", "movement-inside"),
    ("freedom of movement inside north korea", "movement-inside"),
    ("who is the leader of the dprk", "who-rules"),
    ("who founded nk", "who-rules"),
    ("is kim jong un the founder of north korea", "who-rules"),
    ("is it even possible to leave north korea", "anyone-leave"),
    ("can a normal citizen ever leave the dprk", "anyone-leave"),
    ("what countries border nk", "borders-where"),
    ("is north korea on an island", "borders-where"),
    ("are there mines at the border", "border-security"),
    ("how is the border with china guarded", "border-security"),
    ("border fences north korea", "border-security"),
    ("what happens to your family if you defect", "family-punishment"),
    ("will they punish my parents if i escape", "safety"),
    ("do relatives of defectors go to prison camps", "family-punishment"),
    ("what is guilt by association", "family-punishment"),
    ("guilt association policy meaning", "family-punishment"),
    ("why don't people leave their family behind and escape", "family-deterrent"),
    ("is family the reason ppl dont escape", "family-deterrent"),
    ("how much money do you need to escape north korea", "cost-of-escape"),
    ("is it expensive to defect", "cost-of-escape"),
    ("do north koreans have a bank account", "banks"),
    ("can north koreans withdraw money from the bank", "banks"),
    ("how much do north korean workers earn", "wages"),
    ("are salaries low in north korea", "wages"),
    ("are north koreans watched all the time", "surveillance"),
    ("does the dprk government monitor its people", "surveillance"),
    ("are there snitches in north korea", "informants"),
    ("do neighbours report you in nk", "informants"),
    ("can north koreans call someone abroad", "contact-outside"),
    ("can you contact people outside nk", "contact-outside"),
    ("why do escape attempts fail", "failed-attempts"),
    ("how do you plan an escape", "safety"),
    ("what do kids learn at school in north korea", "education"),
    ("are north korean kids brainwashed at school", "education"),
    ("do north koreans have access to the internet", "outside-knowledge"),
    ("do north koreans know about the outside world", "outside-knowledge"),
    ("what happens if you get caught escaping north korea", "punishment-if-caught"),
    ("are people executed for trying to defect", "punishment-if-caught"),
    ("are people too scared to escape", "fear"),
    ("is fear why north koreans dont leave", "fear"),
    ("how did defectors escape", "how-people-escaped"),
    ("what route do people take to get out of nk", "how-people-escaped"),
    ("does china send north koreans back", "china-repatriation"),
    ("is it safe for defectors in china", "china-repatriation"),
    ("do people pay smugglers to escape north korea", "brokers"),
    ("what do brokers do for defectors", "brokers"),
    ("have officials ever defected from north korea", "anyone-leave"),
    ("how many north koreans escape", "anyone-leave"),
    ("how many defectors are there", "anyone-leave"),
    ("what is life like after escaping north korea", "after-escape"),
    ("do defectors have trauma", "after-escape"),
    ("where do defectors go", "how-people-escaped"),
    ("can defectors get asylum in south korea", "how-people-escaped"),
    ("why are other countries worried about north korean refugees", "neighbours-concerns"),
    ("is the international community pressuring north korea", "international-pressure"),
    ("how can i help north korean defectors", "how-to-help"),
    ("do north koreans love their country", "national-pride"),
    ("are north koreans proud of their country", "national-pride"),
    ("can a north korean get a passport", "legal-travel"),
    ("can north koreans travel abroad", "legal-travel"),
    ("famly punishmnt after defecting", "family-punishment"),
    ("whats the punishmant for escaping", "punishment-if-caught"),
    # Swapped letters in a five-letter word: the ratio alone counts two edits.
    ("why cant nroth koreans laeve", "why-cant-leave"),
    # Fact-check forms (issue 10, point 3).
    ("true or false: north koreans need permission to leave the country", "leaving-illegal"),
    ("true or false, leaving north korea is a crime", "leaving-illegal"),
    ("is it true that families of defectors get punished", "family-punishment"),
    ("myth or fact: china sends defectors back", "china-repatriation"),
    ("how heavily guarded is the dmz", "border-security"),
]

REFUSED = [
    "can i leave japan as a citizen",
    "true or false: kimchi is the national dish",
    "how do I leave a telegram group",
    "why do people leave their jobs",
    "what's the weather in seoul tomorrow",
    "how do i cook kimchi",
    "who won the world cup",
    "how do i get a passport in canada",
    "what is the capital of france",
    "can you help me with my homework",
    "how to escape a room puzzle",
    "why do people leave facebook",
    "best way to travel to japan",
    "how much does a flight to tokyo cost",
    "what is bitcoin",
    "write me a poem",
    "how do i leave a discord server",
    "is python a good language",
    "why did my family move to texas",
    "how do i renew my us passport",
    "what time is it",
    "tell me a joke",
    "how do I delete my account",
]


@pytest.mark.parametrize(("question", "expected"), ANSWERED)
def test_answers_the_right_entry(service: FaqService, question: str, expected: str) -> None:
    reply = service.ask(question)
    got = reply.entry.id if reply.entry else [s.entry_id for s in reply.suggestions]
    assert reply.outcome is Outcome.ANSWER and got == expected, (
        question,
        reply.outcome,
        got,
        reply.score,
    )


@pytest.mark.parametrize("question", REFUSED)
def test_refuses_what_the_faq_does_not_cover(service: FaqService, question: str) -> None:
    reply = service.ask(question)
    assert reply.outcome is not Outcome.ANSWER, (
        question,
        reply.entry and reply.entry.id,
        reply.score,
    )


def test_table_is_not_copied_from_the_faq(service: FaqService) -> None:
    phrasings = {phrasing_key(p) for e in service.kb.entries for p in e.phrasings}
    copied = [q for q, _ in ANSWERED if phrasing_key(q) in phrasings]
    assert not copied
    assert len(ANSWERED) >= 60 and len(REFUSED) >= 20


@pytest.mark.parametrize("values", [[3], [5, 1, 5, 2, 1, 1], [0, 0, 0], list(range(40, 0, -3)) * 2])
def test_candidates_group_by_entry_as_numpy_unique_finds(values: list[int]) -> None:
    array = np.asarray(values, dtype=np.int32)
    relative = np.linspace(0.2, 1.0, len(values))
    distinct, inverse, order, starts = _by_entry(array, relative)
    expected, expected_inverse = np.unique(array, return_inverse=True)
    assert distinct.tolist() == expected.tolist()
    assert inverse.tolist() == expected_inverse.tolist()
    # In group order, each entry's candidates come together, the best BM25 first.
    assert array[order][starts].tolist() == expected.tolist()
    for group, (a, b) in enumerate(zip(starts, [*starts[1:], len(order)], strict=True)):
        members = order[a:b]
        assert (array[members] == expected[group]).all()
        assert relative[members].tolist() == sorted(relative[members], reverse=True)


@pytest.mark.parametrize(
    "question",
    ["are defectors ever sued", "what dose of radiation near the border", "what form do i fill"],
)
def test_a_real_word_is_not_repaired_into_another(service: FaqService, question: str) -> None:
    # "sued" is "used" swapped, "dose" is "does", "form" is "from": four-letter swaps are
    # real words too often to repair.
    assert service.ask(question).outcome is not Outcome.ANSWER


def test_no_candidates_are_asked_for(service: FaqService) -> None:
    assert service.rank("why can't north koreans leave", limit=0) == []

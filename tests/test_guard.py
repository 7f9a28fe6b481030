from __future__ import annotations

import pytest

from bot import messages
from bot.guard import countries
from bot.reply import Outcome
from bot.service import FaqService


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        ("can i leave japan as a citizen", False),
        ("can american tourists leave north korea whenever they want", False),
        ("is it illegal to leave north korea", True),
        ("can north koreans travel to china legally", True),  # China is in the entry
        # Countries come from ISO's list, not only the few listed by hand.
        ("is it illegal to leave turkmenistan", False),
        ("is leaving nigeria illegal", False),
        ("what happens to families of defectors in the united states", False),
        ("are there landmines on the border with south korea", True),
        ("is it illegal to leave bosnia", False),  # "Bosnia and Herzegovina" by one part
        # Where the asker is (a state, a first name) is not what they ask about.
        ("i'm a student in georgia. why can't north koreans leave?", True),
        ("jordan here. why cant north koreans leave", True),
        ("i'm a student in texas. why can't north koreans leave?", True),
        ("I'm asking about Cuba. Why can't they leave?", False),
        # The neighbours' people, when nothing points to North Koreans.
        ("do chinese citizens need permission to leave china", False),
        ("can south korean men travel abroad freely before military service", False),
        ("what do chinese police do with north koreans they catch", True),
        ("why is the chinese border easier to cross than the dmz", True),
        ("why do south koreans help defectors", True),
        ("why do chinese people send escapers back", True),
        ("do chinese people report border crossers", True),
        ("what do south koreans think of people who escaped", True),
        ("i'm a chinese student. why can't they leave?", True),
        ("is it illegal for a chinese person to leave china", False),
    ],
)
def test_a_question_about_another_place_or_person_is_not_answered(
    service: FaqService, question: str, answered: bool
) -> None:
    assert (service.ask(question).outcome is Outcome.ANSWER) is answered


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("can people leave eritrea", "eritrea"),
        ("do chinese citizens need permission to leave china", "chinese citizens"),
        ("why couldnt east germans leave", "germans"),
        # About North Koreans, or the asker describing themselves: the plain "did you mean".
        ("do north koreans escape through russia or is china the main route", None),
        ("is it true defectors go from china through laos and thailand", None),
        (
            "I'm a freelance journalist writing an explainer, so what is the actual punishment "
            "for someone caught crossing without permission?",
            None,
        ),
    ],
)
def test_the_did_you_mean_says_which_place_or_people_the_faq_is_not_about(
    service: FaqService, question: str, named: str | None
) -> None:
    reply = service.ask(question)
    assert reply.outcome is Outcome.SUGGEST and reply.suggestions
    expected = messages.NOT_COVERED.format(key=named) if named else messages.SUGGEST
    assert reply.message == expected


@pytest.mark.parametrize("keyword", ["escape", "leave", "north korea", "dprk", "money"])
def test_a_keyword_of_our_subject_gets_suggestions_not_a_refusal(
    service: FaqService, keyword: str
) -> None:
    reply = service.ask(keyword)
    assert reply.outcome is not Outcome.NONE and (reply.suggestions or reply.entry)


@pytest.mark.parametrize("keyword", ["pizza", "weather", "kpop"])
def test_a_keyword_the_faq_never_uses_is_still_refused(service: FaqService, keyword: str) -> None:
    assert service.ask(keyword).outcome is Outcome.NONE


def test_country_names_are_iso_short_names_without_our_own_places() -> None:
    names = {" ".join(name) for group in countries().values() for name in group}
    assert {"qatar", "turkmenistan", "united states", "bolivia", "iran"} <= names
    assert {"bosnia", "falkland islands", "curacao", "curaçao", "holy see"} <= names
    assert not names & {"north korea", "south korea", "china", "korea", "georgia", "jordan"}

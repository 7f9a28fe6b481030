from __future__ import annotations

import pytest

from bot.reply import Outcome
from bot.service import FaqService


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        ("can i leave japan as a citizen", False),
        ("can american tourists leave north korea whenever they want", False),
        ("is it illegal to leave north korea", True),
        ("can north koreans travel to china legally", True),  # China is in the entry
    ],
)
def test_a_question_about_another_place_or_person_is_not_answered(
    service: FaqService, question: str, answered: bool
) -> None:
    assert (service.ask(question).outcome is Outcome.ANSWER) is answered

"""The safety classifier's fast scorer gives scikit-learn's own probabilities."""

from __future__ import annotations

import pytest

from bot.service import FaqService
from tests.conftest import ROOT

PROBES = sorted((ROOT / "tests" / "independent").glob("safety_probes*.yaml"))


def messages(service: FaqService) -> list[str]:
    kb = service.kb
    assert kb.safety is not None
    texts = [*kb.safety.triggers, *kb.safety.not_triggers]
    texts += [p for e in kb.entries for p in e.phrasings][::7]
    texts += [
        "",
        "!!!",
        "ＦＵＬＬＷＩＤＴＨ text and emoji 🙂",
        "탈북하고 싶어요 how do i leave",
        "word " * 200,
        "i want to leave, what do i do",
    ]
    return texts


def test_fast_scorer_matches_predict_proba(service: FaqService) -> None:
    check = service.snapshot.safety
    assert check is not None
    model = check.model
    assert model is not None
    for text in messages(service):
        assert model.probability(text) == pytest.approx(
            model.probability_by_pipeline(text), abs=1e-9
        ), text
    assert PROBES  # the probe sets exist; tests/test_safety_probes.py scores them

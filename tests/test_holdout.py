"""Leave-one-phrasing-out: near-duplicates leave the index with the phrasing they copy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.analyzer import Analyzer
from bot.holdout import holdouts, leave_one_out, near_duplicates, without_phrasings
from bot.loader import load_knowledge
from bot.models import KnowledgeBase
from bot.reply import Reply
from bot.service import FaqService, Snapshot

TWINS_FAQ = """\
version: 1
sources:
  - id: src
    title: A source
topics:
  - id: tp
    title: A topic
    summary: About leaving.
synonyms:
  - [north korea, nk, dprk]
entries:
  - id: illegal
    topic: tp
    question: Is it illegal to leave North Korea?
    alternates:
      - is leaving nk illegal
      - is leaving the dprk illegal
      - can the police arrest people who go
    answer: Yes.
    sources: [{source: src}]
  - id: family
    topic: tp
    question: What happens to the family of someone who escapes?
    alternates:
      - are relatives punished after an escape
      - what happens to the family of an escapee
    answer: They are punished.
    sources: [{source: src}]
"""


@pytest.fixture
def twins_kb(write_yaml: Callable[[str, str], Path]) -> KnowledgeBase:
    return load_knowledge(write_yaml(TWINS_FAQ, "faq.yaml"))


@pytest.mark.parametrize(
    ("target", "other", "twin"),
    [
        ("is leaving nk illegal", "is leaving north korea illegal", True),  # synonym group
        ("is leaving nk illegal", "Is leaving NK illegal?", True),  # case and punctuation
        ("is leaving nk illegal", "is it illegal to leave the dprk", True),  # stems
        ("is leaving nk illegal", "what happens to families", False),
        ("is leaving nk illegal", "can the police arrest people who go", False),
    ],
)
def test_near_duplicates(target: str, other: str, twin: bool) -> None:
    analyzer = Analyzer([["north korea", "nk", "dprk"]], ())
    assert near_duplicates(analyzer, target, [other]) == ([other] if twin else [])


def test_twins_are_held_out_together(twins_kb: KnowledgeBase) -> None:
    cases = {h.phrasing: h for h in holdouts(twins_kb)}
    assert len(cases) == twins_kb.alternate_count
    held = cases["is leaving nk illegal"]
    # The canonical question and the other twin go with it: no copy is left to answer.
    assert held.removed == {
        "Is it illegal to leave North Korea?",
        "is leaving nk illegal",
        "is leaving the dprk illegal",
    }
    entry = held.kb.entry("illegal")
    assert entry is not None and entry.phrasings == ("can the police arrest people who go",)
    # Twin groups that are the same share one reduced FAQ (one index build).
    assert cases["is leaving the dprk illegal"].kb is held.kb
    assert cases["can the police arrest people who go"].removed == {
        "can the police arrest people who go"
    }


def test_without_every_phrasing_the_entry_stays(twins_kb: KnowledgeBase) -> None:
    entry = twins_kb.entries[0]
    reduced = without_phrasings(twins_kb, entry.id, entry.phrasings)
    kept = reduced.entry(entry.id)
    assert kept is not None and kept.phrasings == ("",)
    assert len(reduced.entries) == len(twins_kb.entries)


def test_leave_one_out_gives_every_alternate_one_verdict(twins_kb: KnowledgeBase) -> None:
    asked: list[KnowledgeBase] = []

    def ask_with(kb: KnowledgeBase) -> Callable[[str], Reply]:
        asked.append(kb)
        return FaqService(Snapshot.build(kb)).ask

    report = leave_one_out(twins_kb, ask_with)
    assert len(report.cases) == twins_kb.alternate_count
    verdicts = ("right", "first", "other", "refused", "wrong")
    assert sum(report.count(v) for v in verdicts) == len(report.cases)
    assert report.answered_right <= report.first_right <= 1.0
    assert report.mean_removed > 1.0
    assert len(asked) < len(report.cases)  # twins share a build

"""What the re-ranker's tuning may use (bench/semantic.py), on hand-made records."""

from __future__ import annotations

from pathlib import Path

from bench.datasets import Dataset, write_faq
from bench.semantic import Record, replayable
from bench.semantic_sets import paraphrases
from bot.evaluate import EvalCase
from bot.loader import load_knowledge
from bot.matcher import Candidate
from bot.reply import Outcome

INPUTS = (Outcome.SUGGEST, [Candidate("a", 0.4)], [Candidate("a", 0.4)], {"a": 0.8}, 0.3, 0.0)


def record(question: str, *, several: bool = False, safety: bool = False) -> Record:
    inputs = None if several or safety else INPUTS
    return Record(EvalCase(question, "a"), inputs, "wrong" if safety else "first", several)


def test_tuning_leaves_out_untuned_questions_and_unreplayable_messages() -> None:
    records = [
        record("Is it illegal to leave North Korea?"),  # in the untuned set, spelt otherwise
        record("I read about it. Why can't they leave? And their families?", several=True),
        record("why cant ppl just walk to china"),
        record("can they google how to escape", safety=True),  # its verdict is fixed: kept
    ]
    untuned = [EvalCase("is it illegal to leave north korea", "leaving-illegal")]
    kept = replayable(records, untuned)
    assert [r.case.question for r in kept] == [
        "why cant ppl just walk to china",
        "can they google how to escape",
    ]


def test_stackfaq_paraphrases_are_a_split_apart_from_what_is_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "stackfaq"
    folder.mkdir()
    kb = load_knowledge(
        write_faq(
            tmp_path, "mini", [("q000", ["How do I delete my account?", "remove my account"], "x")]
        )
    )
    (folder / "StackFAQ-paraphrases.tsv").write_text(
        "How do I delete my account?\tHow can I permanently delete my account?\n"
        "How do I delete my account?\tRemove my account\n"  # an indexed phrasing: left out
        "Some question not in the FAQ?\tWhatever\n",
        encoding="utf-8",
    )
    split = paraphrases(tmp_path, Dataset("StackFAQ", kb, []))
    assert split == [("How can I permanently delete my account?", "q000")]

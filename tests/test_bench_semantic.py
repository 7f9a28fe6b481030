"""What the re-ranker's tuning may use (bench/semantic.py), on hand-made records."""

from __future__ import annotations

from pathlib import Path

from bench.datasets import Dataset, write_faq
from bench.semantic import GRID, Record, Verdicts, choose, cross_validate, replayable
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


def _unique_winners(n: int) -> tuple[list[Record], Verdicts]:
    """n in-scope records; grid point i answers record i right and no other."""
    records = [Record(EvalCase(f"question {i}", "a"), None, "other") for i in range(n)]
    table: Verdicts = {t: ["other"] * n for t in (None, *GRID)}
    for i in range(n):
        table[GRID[i]] = ["other"] * n
        table[GRID[i]][i] = "right"
    return records, table


def test_choose_looks_only_at_the_rows_it_is_given() -> None:
    records, table = _unique_winners(6)
    assert choose(records, table, [4]) == GRID[4]
    assert choose(records, table, [2, 5]) in (GRID[2], GRID[5])


def test_cross_validation_never_chooses_with_the_fold_it_measures() -> None:
    # Each point is right on one record only, so a choice made without a record can never
    # be right on it: any "right" held-out verdict means the fold leaked into the choice.
    records, table = _unique_winners(10)
    held, base, picks = cross_validate(records, table, folds=5)
    assert len(held) == len(base) == 10 and len(picks) == 5
    assert [v for _, v in held].count("right") == 0
    assert {id(r) for r, _ in held} == {id(r) for r in records}


def test_the_choice_refuses_no_less_than_the_lexical_matcher() -> None:
    inside = Record(EvalCase("in", "a"), None, "other")
    outside = Record(EvalCase("out", "none"), None, "refused")
    table: Verdicts = {t: ["other", "refused"] for t in (None, *GRID)}
    table[GRID[0]] = ["right", "wrong"]  # answers the in-scope one, and the look-alike too
    table[GRID[1]] = ["first", "refused"]
    assert choose([inside, outside], table) == GRID[1]

"""The semantic re-ranker on the public sets, beside the lexical matcher in the same run.

    python -m bench.semantic_sets [--data ../shared/benchmarks]   # needs the [semantic] extra

What is measured is what a person is shown first: the answer, or else the first "did you
mean" (the re-ranker puts suggestions in blended order). StackFAQ and CovidFAQ use the
shipped thresholds (chosen on our FAQ); StackFAQ is also measured with the re-ranker's blend
and swap chosen on its published paraphrases (a separate split: none is a test query; those
equal to an indexed phrasing are left out). On CLINC150 the lexical thresholds and the
re-ranker's are both chosen on `val` + `oos_val` only (as `bench.run` does), then measured
on `test` + `oos_test`. Writes its own section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.datasets import ROOT, Dataset, Query, clinc150, covidfaq, stackfaq
from bench.markers import publish
from bench.run import MIN_VAL_RECALL, tune
from bot.matcher import Candidate
from bot.reply import Outcome
from bot.rerank import SemanticThresholds, rerank
from bot.semantic import SemanticIndex, SemanticModel
from bot.service import Snapshot, Thresholds, decide
from bot.text import phrasing_key

START = "<!-- semantic-sets:start -->"
END = "<!-- semantic-sets:end -->"

BLENDS = (0.5, 1.0, 1.5, 2.0)
SWAPS = (math.inf, 0.15, 0.1, 0.05, 0.0)

# The re-ranker's thresholds tried on CLINC150's validation split.
CLINC_GRID = tuple(
    SemanticThresholds(confirm, lead, 1.01, veto, 3, novel, blend, swap)
    for confirm in (0.45, 0.55, 0.65)
    for lead in (0.0, 0.05)
    for veto in (0.0, 0.3)
    for novel in (0.0, 1.0)
    for blend in BLENDS
    for swap in SWAPS
)


@dataclass
class Asked:
    """One query: its lexical ranking, its cosines with every entry, its new words' share."""

    gold: str | None
    ranked: list[Candidate]
    similarity: dict[str, float]
    novelty: float


def ask_all(snapshot: Snapshot, index: SemanticIndex, queries: Sequence[Query]) -> list[Asked]:
    vectors = index.model.encode([q for q, _ in queries])
    return [
        Asked(gold, snapshot.matcher.rank(q, 10), index.similarities_to(v), snapshot.novelty(q))
        for (q, gold), v in zip(queries, vectors, strict=True)
    ]


def shown(a: Asked, t: Thresholds, st: SemanticThresholds | None) -> tuple[Outcome, str | None]:
    """The outcome and the entry shown first (answer or first suggestion)."""
    outcome, chosen = decide(a.ranked[:4], t)
    if st is not None:
        outcome, chosen = rerank(
            outcome, chosen, a.ranked, a.similarity, st, t.suggest, novelty=a.novelty
        )
    first = chosen[0].entry_id if chosen else (a.ranked[0].entry_id if a.ranked else None)
    return outcome, first


def p_at_1(asked: Sequence[Asked], t: Thresholds, st: SemanticThresholds | None) -> float:
    scored = [a for a in asked if a.gold is not None]
    return sum(shown(a, t, st)[1] == a.gold for a in scored) / max(len(scored), 1)


def refusal(
    asked: Sequence[Asked], t: Thresholds, st: SemanticThresholds | None
) -> tuple[float, float]:
    """In-scope answered right, out-of-scope refused."""
    right = ins = refused = oos = 0
    for a in asked:
        outcome, first = shown(a, t, st)
        if a.gold is None:
            oos += 1
            refused += outcome is not Outcome.ANSWER
        else:
            ins += 1
            right += outcome is Outcome.ANSWER and first == a.gold
    return right / max(ins, 1), refused / max(oos, 1)


def tune_semantic(asked: Sequence[Asked], t: Thresholds) -> SemanticThresholds:
    """Best in-scope accuracy among re-ranker settings refusing MIN_VAL_RECALL of val's OOS."""
    scored = [(refusal(asked, t, st), st) for st in CLINC_GRID]
    passing = [(acc, st) for (acc, rec), st in scored if rec >= MIN_VAL_RECALL]
    if passing:
        return max(passing, key=lambda p: p[0])[1]
    return max(scored, key=lambda p: p[0][0] + p[0][1])[1]


def paraphrases(data: Path, ds: Dataset) -> list[Query]:
    """StackFAQ's published paraphrases of its canonical questions, as a tuning split.

    Those equal to an indexed phrasing would only measure lookup, and are left out.
    """
    by_question = {phrasing_key(e.question): e.id for e in ds.kb.entries}
    indexed = {phrasing_key(t) for e in ds.kb.entries for t in e.phrasings}
    split: list[Query] = []
    path = data / "stackfaq" / "StackFAQ-paraphrases.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        canonical, _, paraphrase = line.partition("\t")
        gold = by_question.get(phrasing_key(canonical))
        if gold is not None and paraphrase and phrasing_key(paraphrase) not in indexed:
            split.append((paraphrase, gold))
    return split


def tune_order(asked: Sequence[Asked], t: Thresholds) -> SemanticThresholds:
    """The blend and swap with the best P@1 on a tuning split (other thresholds as shipped)."""
    grid = [SemanticThresholds(blend=b, swap=s) for b in BLENDS for s in SWAPS]
    return max(grid, key=lambda st: p_at_1(asked, t, st))


def bench(ds: Dataset, model: SemanticModel, tuning: Sequence[Query] = ()) -> list[str]:
    began = time.perf_counter()
    snapshot = Snapshot.build(ds.kb)
    index = SemanticIndex.build(ds.kb, model)
    built = time.perf_counter() - began
    test = ask_all(snapshot, index, ds.test)
    shipped = Thresholds()
    if not ds.val:
        lexical = sum(a.ranked[:1] != [] and a.ranked[0].entry_id == a.gold for a in test)
        lexical_p1 = lexical / max(sum(a.gold is not None for a in test), 1)
        semantic_p1 = p_at_1(test, shipped, SemanticThresholds())
        rows = [
            f"| {ds.name} | P@1 {lexical_p1:.3f} | P@1 {semantic_p1:.3f} | shipped thresholds; "
            f"{len(index.ids)} entries embedded in {built:.1f} s |"
        ]
        if tuning:
            st = tune_order(ask_all(snapshot, index, tuning), shipped)
            rows.append(
                f"| {ds.name}, blend tuned on its paraphrases | P@1 {lexical_p1:.3f} "
                f"| P@1 {p_at_1(test, shipped, st):.3f} | blend {st.blend}, swap {st.swap} "
                f"chosen on {len(tuning)} paraphrases |"
            )
        return rows
    val = ask_all(snapshot, index, ds.val)
    t = tune([a.ranked for a in val], [a.gold for a in val])
    st = tune_semantic(val, t)
    lex_acc, lex_rec = refusal(test, t, None)
    sem_acc, sem_rec = refusal(test, t, st)
    return [
        f"| {ds.name} | in-scope {lex_acc:.3f} at OOS recall {lex_rec:.3f} "
        f"| in-scope {sem_acc:.3f} at OOS recall {sem_rec:.3f} "
        f"| val-tuned: answer >= {t.answer:.3g}, margin {t.margin}; re-ranker confirm "
        f"{st.confirm}, lead {st.lead}, veto {st.veto}, novel {st.novel}, blend {st.blend}, "
        f"swap {st.swap}; "
        f"{len(index.ids)} entries embedded "
        f"in {built:.1f} s |"
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    model = SemanticModel()
    if not model.load():
        print(f"no semantic model: {model.error}", file=sys.stderr)
        return 1
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for load in (stackfaq, covidfaq, clinc150):
            ds = load(args.data, Path(tmp))
            print(f"{ds.name} ...", file=sys.stderr, flush=True)
            tuning = paraphrases(args.data, ds) if load is stackfaq else []
            rows += bench(ds, model, tuning)
    lines = [
        START,
        "### The re-ranker on the public sets",
        "",
        f"Generated by `python -m bench.semantic_sets` in {time.perf_counter() - began:.0f} s. "
        "What a person is shown first (the answer, or the first suggestion), lexical matcher "
        "alone and with the re-ranker, same run.",
        "",
        "| set | lexical | + semantic | notes |",
        "|---|---|---|---|",
        *rows,
        END,
    ]
    return publish(args.out, lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

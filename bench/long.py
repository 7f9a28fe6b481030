"""Thresholds for long messages (issue 10, point 3), chosen on one half and measured on the other.

    python -m bench.long [--out docs/benchmarks.md]

A message of ten distinct content words or more ("my teacher showed us a film and ..., so
what actually stops them?") scores low against every entry, because most of its words tell
a story the FAQ does not. Its ranking is often right while its score is far under the answer
and suggest thresholds, so it used to be refused. When such a message is on our subject (at
most `long_novelty` of its content words new to the FAQ), it is answered and offered from
the thresholds times `long_scale` (`Thresholds.long_*`).

- Tuning pool: the even half of knowledge/eval/longset.yaml (long messages written from the
  articles by someone who had not seen the FAQ) plus the tuning set's long questions.
- Choice: the grid point with the most right minus wrong answers in scope among those that
  answer no more out-of-scope messages than the plain thresholds do; ties go to the most
  right first suggestions less suggestions offered to out-of-scope messages, then to the
  stricter point. 5-fold cross-validation over the pool reports the rule's held-out worth.
- Measured, never chosen on: the odd half of longset.yaml, the untuned set and the dev set.
  Each row gives the plain thresholds alone ("before") beside the shipped ones. Safety
  replies are counted apart: thresholds do not decide them.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import astuple, dataclass, replace
from itertools import product
from pathlib import Path

from bench.datasets import ROOT
from bench.markers import publish
from bench.thresholds import _Memo
from bot.evaluate import EvalCase, load_cases
from bot.models import SAFETY_ID
from bot.reply import Outcome
from bot.service import FaqService, Snapshot, Thresholds
from bot.text import content_words
from bot.untuned import load_untuned

START, END = "<!-- long:start -->", "<!-- long:end -->"
WORDS = (8, 10, 12, 14)
SCALE = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8)
NOVELTY = (0.4, 0.45, 0.5, 0.55, 0.6, 1.0)
OFF = 10**9  # long_words no message reaches: the short thresholds alone


@dataclass(frozen=True, slots=True)
class Count:
    """Outcomes on a set of labelled messages (`safety`: got the safety reply)."""

    in_scope: int = 0
    right: int = 0
    first: int = 0
    wrong: int = 0
    out_of_scope: int = 0
    answered: int = 0
    offered: int = 0
    safety: int = 0

    def __add__(self, other: Count) -> Count:
        return Count(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def line(self) -> str:
        n, m = max(self.in_scope, 1), max(self.out_of_scope, 1)
        return (
            f"{self.in_scope} | {self.right / n:.3f} | {(self.right + self.first) / n:.3f} "
            f"| {self.wrong / n:.3f} | {self.out_of_scope} | {self.answered / m:.3f} "
            f"| {self.offered / m:.3f} | {self.safety} |"
        )


def outcome(service: FaqService, case: EvalCase, flagged: frozenset[str]) -> Count:
    """Ask one labelled message and count what it got (`flagged`: got the safety reply)."""
    scope = Count(out_of_scope=1) if case.expect == "none" else Count(in_scope=1)
    if case.question in flagged:  # decided before any threshold applies
        return scope + (Count(right=1) if SAFETY_ID in case.accepted else Count(safety=1))
    reply = service.ask(case.question)
    got = reply.entry.id if reply.entry is not None and reply.outcome is Outcome.ANSWER else None
    first = reply.suggestions[0].entry_id if reply.suggestions else None
    if case.expect == "none":
        return scope + Count(answered=got is not None, offered=first is not None)
    ok = case.accepted
    return scope + Count(
        right=got in ok,
        first=got is None and first in ok,
        wrong=got is not None and got not in ok,
    )


def count(
    snapshot: Snapshot, flagged: frozenset[str], thresholds: Thresholds, cases: Sequence[EvalCase]
) -> Count:
    """Ask every case with these thresholds (the safety check's verdicts come from `flagged`)."""
    service = FaqService(replace(snapshot, safety=None), thresholds=thresholds)
    total = Count()
    for case in cases:
        total += outcome(service, case, flagged)
    return total


def grid(base: Thresholds) -> list[Thresholds]:
    return [
        replace(base, long_words=w, long_scale=k, long_novelty=v)
        for w, k, v in product(WORDS, SCALE, NOVELTY)
    ]


def choose(
    snapshot: Snapshot, flagged: frozenset[str], points: list[Thresholds], pool: Sequence[EvalCase]
) -> Thresholds:
    """The pool's best point (see the module docstring for the rule)."""
    floor = count(snapshot, flagged, replace(points[0], long_words=OFF), pool).answered
    scored = [(count(snapshot, flagged, t, pool), t) for t in points]
    allowed = [(c, t) for c, t in scored if c.answered <= floor]

    def key(item: tuple[Count, Thresholds]) -> tuple[float, ...]:
        c, t = item
        return (
            c.right - c.wrong,
            c.right + c.first - c.offered,
            t.long_scale,
            -t.long_novelty,
            t.long_words,
        )

    return max(allowed, key=key)[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    service = FaqService.from_path(ROOT / "knowledge" / "faq.yaml")
    # Thresholds do not change a ranking: each message is ranked once for the whole grid.
    snapshot = replace(service.snapshot, matcher=_Memo(service.snapshot.matcher))
    shipped = Thresholds()
    before = replace(shipped, long_words=OFF)
    longset = load_untuned(ROOT / "knowledge" / "eval" / "longset.yaml")
    tune = load_untuned(ROOT / "knowledge" / "eval" / "tuneset.yaml")
    # Only messages that some grid point calls long can change with it.
    pool = [c for c in longset[0::2] + tune if len(set(content_words(c.question))) >= min(WORDS)]
    sets = [
        ("tuning pool (chosen on)", pool),
        ("longset odd half (held out)", longset[1::2]),
        ("untuned set (never tuned on)", load_untuned(ROOT / "tests" / "untuned.yaml")),
        ("dev set", load_cases(ROOT / "knowledge" / "eval" / "devset.yaml")),
    ]
    flagged = frozenset(
        c.question for _, cases in sets for c in cases if service.ask(c.question).is_safety
    )
    points = grid(shipped)
    chosen = choose(snapshot, flagged, points, pool)
    held, base = Count(), Count()
    picks = []
    for k in range(args.folds):
        test = pool[k :: args.folds]
        train = [c for i, c in enumerate(pool) if i % args.folds != k]
        pick = choose(snapshot, flagged, points, train)
        picks.append(pick)
        held += count(snapshot, flagged, pick, test)
        base += count(snapshot, flagged, before, test)
    cv = f"{args.folds}-fold CV over the pool, held out"
    rows = [f"| {cv} | before | {base.line()}", f"| {cv} | chosen per fold | {held.line()}"]
    for name, cases in sets:
        for label, t in (("before", before), ("shipped", shipped)):
            rows.append(f"| {name} | {label} | {count(snapshot, flagged, t, cases).line()}")
    lines = [
        START,
        "## Long messages (`python -m bench.long`)",
        "",
        "A message with `long_words` distinct content words or more, at most `long_novelty` of "
        "them new to the FAQ, is answered and offered from the thresholds times `long_scale`. "
        f"{len(points)} grid points, {time.perf_counter() - began:.0f} s. 'before' is the "
        "plain thresholds alone. Out of scope: 'answered' = given an entry's answer; "
        "'offered' = given a \"did you mean\" (not answered, not a plain refusal either). "
        "'safety' = messages given the safety reply when they do not ask for it (before "
        "any threshold; counted in neither right nor wrong nor answered).",
        "",
        f"Chosen on the pool ({len(pool)}): {_short(chosen)}; shipped: {_short(shipped)}. "
        "Per fold: " + "; ".join(_short(p) for p in picks) + ".",
        "",
        "| set | thresholds | in scope | right | right or first | wrong | out of scope "
        "| answered | offered | safety |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        END,
    ]
    return publish(args.out, lines)


def _short(t: Thresholds) -> str:
    return f"from {t.long_words} words, scale {t.long_scale:.2f}, novelty <= {t.long_novelty:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())

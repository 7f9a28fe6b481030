"""Thresholds for long messages (issue 10, point 3), chosen on one half and measured on the other.

    python -m bench.long [--out docs/benchmarks.md]

A message of twenty words or more ("my teacher showed us a film and ..., so what actually
stops them?") scores low against every entry, because most of its words tell a story the
FAQ does not. Its ranking is often right while its score is far under the answer and
suggest thresholds, so it used to be refused. `Thresholds.long_*` judge such messages.

- Tuning pool: the even half of knowledge/eval/longset.yaml (long messages written from the
  articles by someone who had not seen the FAQ) plus the tuning set's long questions.
- Choice: the grid point with the most right minus wrong answers in scope among those that
  answer no more out-of-scope messages than the short thresholds do; ties go to more right
  first suggestions, then to fewer suggestions for out-of-scope messages, then to the
  higher thresholds. 5-fold cross-validation over the pool reports the choice's held-out
  figure too.
- Measured, never chosen on: the odd half of longset.yaml, the untuned set and the dev set.
  Each row gives the short thresholds alone ("before") beside the shipped long ones.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path

from bench.markers import publish
from bench.thresholds import _Memo
from bot.evaluate import EvalCase, load_cases
from bot.models import SAFETY_ID
from bot.reply import Outcome
from bot.service import FaqService, Snapshot, Thresholds
from bot.text import words
from bot.untuned import load_untuned

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- long:start -->", "<!-- long:end -->"
WORDS = (20, 25, 30)
SUGGEST = (0.12, 0.14, 0.16, 0.18, 0.2, 0.24, 0.3)
ANSWER = (0.18, 0.2, 0.22, 0.24, 0.26, 0.28, 0.3, 0.34, 0.4, 0.48)
MARGIN = (0.01, 0.03, 0.05, 0.07, 0.1)
OFF = 10**9  # long_words no message reaches: the short thresholds alone


@dataclass(frozen=True, slots=True)
class Count:
    """Outcomes on a set of labelled messages."""

    in_scope: int = 0
    right: int = 0
    first: int = 0
    wrong: int = 0
    out_of_scope: int = 0
    answered: int = 0
    offered: int = 0

    def __add__(self, other: Count) -> Count:
        return Count(*(a + b for a, b in zip(_fields(self), _fields(other), strict=True)))

    def line(self) -> str:
        n, m = max(self.in_scope, 1), max(self.out_of_scope, 1)
        return (
            f"{self.in_scope} | {self.right / n:.3f} | {(self.right + self.first) / n:.3f} "
            f"| {self.wrong / n:.3f} | {self.out_of_scope} | {1 - self.answered / m:.3f} "
            f"| {self.offered / m:.3f}"
        )


def _fields(c: Count) -> tuple[int, ...]:
    return (c.in_scope, c.right, c.first, c.wrong, c.out_of_scope, c.answered, c.offered)


def outcome(service: FaqService, case: EvalCase, flagged: frozenset[str]) -> Count:
    """Ask one labelled message and count what it got (`flagged`: got the safety reply)."""
    if case.question in flagged:  # decided before any threshold applies
        got: str | None = SAFETY_ID
        first = None
    else:
        reply = service.ask(case.question)
        answered = reply.entry is not None and reply.outcome is Outcome.ANSWER
        got = reply.entry.id if reply.entry is not None and answered else None
        first = reply.suggestions[0].entry_id if reply.suggestions else None
    if case.expect == "none":
        return Count(out_of_scope=1, answered=got is not None, offered=first is not None)
    ok = case.accepted
    return Count(
        in_scope=1,
        right=got in ok,
        first=got is None and first in ok,
        wrong=got is not None and got not in ok,
    )


def count(snapshot: Snapshot, thresholds: Thresholds, cases: Sequence[EvalCase]) -> Count:
    service = FaqService(replace(snapshot, safety=None), thresholds=thresholds)
    flagged = _flagged(snapshot, tuple(c.question for c in cases))
    total = Count()
    for case in cases:
        total += outcome(service, case, flagged)
    return total


_FLAGGED: dict[tuple[int, str], bool] = {}


def _flagged(snapshot: Snapshot, questions: tuple[str, ...]) -> frozenset[str]:
    """The questions that get the safety reply (asked once per snapshot and question)."""
    service = FaqService(snapshot)
    for q in questions:
        if (id(snapshot), q) not in _FLAGGED:
            _FLAGGED[id(snapshot), q] = service.ask(q).is_safety
    return frozenset(q for q in questions if _FLAGGED[id(snapshot), q])


def grid(base: Thresholds) -> list[Thresholds]:
    return [
        replace(base, long_words=w, long_answer=a, long_suggest=s, long_margin=m)
        for w, s, a, m in product(WORDS, SUGGEST, ANSWER, MARGIN)
        if a >= s
    ]


def choose(snapshot: Snapshot, points: list[Thresholds], pool: Sequence[EvalCase]) -> Thresholds:
    """The pool's best point (see the module docstring for the rule)."""
    floor = count(snapshot, replace(points[0], long_words=OFF), pool).answered
    scored = [(count(snapshot, t, pool), t) for t in points]
    allowed = [(c, t) for c, t in scored if c.answered <= floor]

    def key(item: tuple[Count, Thresholds]) -> tuple[float, ...]:
        c, t = item
        return (
            c.right - c.wrong,
            c.right + c.first,
            -c.offered,
            t.long_answer,
            t.long_suggest,
            t.long_margin,
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
    pool = longset[0::2] + [c for c in tune if len(words(c.question)) >= min(WORDS)]
    points = grid(shipped)
    chosen = choose(snapshot, points, pool)
    held, base = Count(), Count()
    picks = []
    for k in range(args.folds):
        test = pool[k :: args.folds]
        train = [c for i, c in enumerate(pool) if i % args.folds != k]
        pick = choose(snapshot, points, train)
        picks.append(pick)
        held += count(snapshot, pick, test)
        base += count(snapshot, before, test)
    sets = [
        ("tuning pool (chosen on)", pool),
        ("longset odd half (held out)", longset[1::2]),
        ("untuned set (never tuned on)", load_untuned(ROOT / "tests" / "untuned.yaml")),
        ("dev set", load_cases(ROOT / "knowledge" / "eval" / "devset.yaml")),
    ]
    rows = [f"| {args.folds}-fold CV over the pool, held out | before | {base.line()} |"]
    rows.append(
        f"| {args.folds}-fold CV over the pool, held out | chosen per fold | {held.line()} |"
    )
    for name, cases in sets:
        for label, t in (("before", before), ("shipped", shipped)):
            rows.append(f"| {name} | {label} | {count(snapshot, t, cases).line()} |")
    lines = [
        START,
        "## Long messages (`python -m bench.long`)",
        "",
        f"Messages of `long_words` words or more are judged by their own thresholds. "
        f"{len(points)} grid points, {time.perf_counter() - began:.0f} s. 'before' is the "
        "short thresholds alone. Refused = not answered; 'offered' = out-of-scope messages "
        'that got a "did you mean" (not answered, but not a plain refusal either).',
        "",
        f"Chosen on the pool ({len(pool)}): {_short(chosen)}; shipped: {_short(shipped)}. "
        "Per fold: " + "; ".join(_short(p) for p in picks) + ".",
        "",
        "| set | thresholds | in scope | right | right or first | wrong | out of scope "
        "| refused | offered |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        END,
    ]
    return publish(args.out, lines)


def _short(t: Thresholds) -> str:
    return (
        f"from {t.long_words} words, answer {t.long_answer:.2f}, suggest {t.long_suggest:.2f}, "
        f"margin {t.long_margin:.2f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())

"""Threshold sweeps and k-fold cross-validation for the answer/suggest thresholds.

Each labelled question is asked once per grid point through the whole service (safety
check first, out-of-scope blocks, look-alike guard, keyword fragments), with the ranking
computed once and reused, so a sweep costs little more than one pass.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, replace

from bot.matcher import Candidate, Matcher
from bot.reply import Outcome
from bot.service import FaqService, Snapshot, Thresholds

__all__ = ["GRID", "Item", "Tally", "choose", "cross_validate", "sweep", "tally"]


def _steps(low: float, high: float, step: float) -> list[float]:
    return [round(low + i * step, 2) for i in range(round((high - low) / step) + 1)]


# (answer, suggest) pairs; the margin stays at its shipped value.
GRID: tuple[tuple[float, float], ...] = tuple(
    (a, s) for a in _steps(0.30, 0.70, 0.02) for s in _steps(0.10, 0.50, 0.02) if s <= a
)


class _Memo:
    """A matcher that ranks each question once (thresholds do not change the ranking)."""

    def __init__(self, inner: Matcher) -> None:
        self._inner = inner
        self._seen: dict[tuple[str, int], list[Candidate]] = {}

    def rank(self, question: str, limit: int = 5) -> list[Candidate]:
        key = (question, limit)
        if key not in self._seen:
            self._seen[key] = self._inner.rank(question, limit)
        return self._seen[key]


@dataclass(frozen=True, slots=True)
class Item:
    """A labelled question and its verdict at every grid point.

    Attributes:
        accepted: Entries that answer it right; empty for a must-refuse question.
        group: Cross-validation keeps a group in one fold (an entry id, or the question).
        verdicts: "right", "first", "other", "refused" or "wrong" per grid point (for a
            must-refuse question, "refused" or "wrong").
    """

    question: str
    accepted: frozenset[str]
    group: str
    verdicts: tuple[str, ...]


def sweep(
    snapshot: Snapshot,
    question: str,
    accepted: Iterable[str],
    group: str,
    margin: float,
    grid: Sequence[tuple[float, float]] = GRID,
) -> Item:
    """Ask one question at every grid point of thresholds."""
    ok = frozenset(accepted)
    first = FaqService(snapshot).ask(question)
    if first.is_safety:  # decided before any threshold applies
        return Item(question, ok, group, (_verdict(first.outcome, "safety", ok),) * len(grid))
    quiet = replace(snapshot, safety=None, matcher=_Memo(snapshot.matcher))
    verdicts = []
    for answer, suggest in grid:
        reply = FaqService(quiet, thresholds=Thresholds(answer, suggest, margin)).ask(question)
        got = reply.entry.id if reply.entry else None
        if got is None and reply.suggestions:
            got = reply.suggestions[0].entry_id
        verdicts.append(_verdict(reply.outcome, got, ok))
    return Item(question, ok, group, tuple(verdicts))


def _verdict(outcome: Outcome, got: str | None, accepted: frozenset[str]) -> str:
    if not accepted:
        return "wrong" if outcome is Outcome.ANSWER else "refused"
    if outcome is Outcome.ANSWER:
        return "right" if got in accepted else "wrong"
    if outcome is Outcome.SUGGEST:
        return "first" if got in accepted else "other"
    return "refused"


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts at one grid point."""

    in_scope: int = 0
    right: int = 0
    first: int = 0
    wrong: int = 0
    out_of_scope: int = 0
    refused: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    @property
    def accuracy(self) -> float:
        return self.right / self.in_scope if self.in_scope else 0.0

    @property
    def first_rate(self) -> float:
        return (self.right + self.first) / self.in_scope if self.in_scope else 0.0

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.in_scope if self.in_scope else 0.0

    @property
    def refusal(self) -> float:
        return self.refused / self.out_of_scope if self.out_of_scope else 1.0


def tally(items: Iterable[Item], point: int) -> Tally:
    """Count the items' verdicts at one grid point."""
    t = Tally()
    for item in items:
        v = item.verdicts[point]
        if item.accepted:
            t += Tally(1, v == "right", v == "first", v == "wrong")
        else:
            t += Tally(out_of_scope=1, refused=v == "refused")
    return t


def choose(items: Sequence[Item], min_refusal: float, prefer: int) -> int:
    """Return the grid point with most right minus wrong answers in scope.

    Only points refusing at least `min_refusal` of the out-of-scope items qualify (the
    most refusing point when none does); ties go to more right first suggestions, then
    to the point `prefer` (the shipped thresholds) by distance.
    """
    tallies = [tally(items, p) for p in range(len(GRID))]
    best_refusal = max(t.refusal for t in tallies)
    floor = min(min_refusal, best_refusal)
    pa, ps = GRID[prefer]

    def key(p: int) -> tuple[int, int, float]:
        t = tallies[p]
        a, s = GRID[p]
        return (t.right - t.wrong, t.first, -abs(a - pa) - abs(s - ps))

    return max((p for p, t in enumerate(tallies) if t.refusal >= floor), key=key)


def cross_validate(
    items: Sequence[Item], folds: int, min_refusal: float, prefer: int, seed: int = 0
) -> tuple[list[int], Tally, Tally]:
    """Choose thresholds on k-1 folds, measure on the held-out fold, k times.

    Returns:
        The grid point chosen for each fold, the held-out folds' pooled tally at the
        chosen points, and the same items' tally at `prefer`.
    """
    groups = sorted({i.group for i in items})
    random.Random(seed).shuffle(groups)
    fold_of = {g: n % folds for n, g in enumerate(groups)}
    chosen: list[int] = []
    held = base = Tally()
    for k in range(folds):
        train = [i for i in items if fold_of[i.group] != k]
        test = [i for i in items if fold_of[i.group] == k]
        point = choose(train, min_refusal, prefer)
        chosen.append(point)
        held += tally(test, point)
        base += tally(test, prefer)
    return chosen, held, base

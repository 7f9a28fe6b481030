"""bench.thresholds: the chosen thresholds respect the refusal floor; CV folds are held out."""

from __future__ import annotations

import pytest

from bench.thresholds import GRID, Item, choose, cross_validate, tally

LOW, HIGH = GRID.index((0.40, 0.30)), GRID.index((0.60, 0.30))


def item(group: str, at_low: str, at_high: str, *, in_scope: bool = True) -> Item:
    verdicts = ["refused"] * len(GRID)
    verdicts[LOW], verdicts[HIGH] = at_low, at_high
    return Item(group, frozenset({group}) if in_scope else frozenset(), group, tuple(verdicts))


@pytest.mark.parametrize(
    ("out_of_scope_at_low", "expected"),
    [
        ("refused", LOW),  # the lower answer threshold answers more and refuses as well
        ("wrong", HIGH),  # ... but answers an out-of-scope question: below the floor
    ],
)
def test_choose_keeps_the_refusal_floor(out_of_scope_at_low: str, expected: int) -> None:
    items = [item(f"e{i}", "right", "first") for i in range(3)]
    items.append(item("none", out_of_scope_at_low, "refused", in_scope=False))
    assert choose(items, min_refusal=0.95, prefer=HIGH) == expected


def test_cross_validation_pools_every_held_out_item_once() -> None:
    items = [item(f"e{i}", "right", "wrong") for i in range(10)]
    chosen, held, base = cross_validate(items, folds=5, min_refusal=0.95, prefer=HIGH)
    assert len(chosen) == 5 and set(chosen) == {LOW}
    assert held == tally(items, LOW) and base == tally(items, HIGH)
    assert (held.in_scope, held.right, base.wrong) == (10, 10, 10)

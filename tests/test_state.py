from __future__ import annotations

import datetime as dt

import pytest

from bot.state import Budget, Hasher, MemoryState

QUESTIONS = Budget(burst=5, per_second=0.1)


async def test_burst_then_one_per_window() -> None:
    state = MemoryState()
    waits = [await state.take("k", QUESTIONS, 0.0) for _ in range(6)]
    assert waits[:5] == [0.0] * 5
    assert waits[5] == pytest.approx(10.0)
    assert await state.take("k", QUESTIONS, 9.0) > 0
    assert await state.take("k", QUESTIONS, 10.5) == 0.0


async def test_keys_and_budgets_are_separate() -> None:
    state = MemoryState()
    clicks = Budget(burst=1, per_second=1.0)
    assert await state.take("a", clicks, 0.0) == 0.0
    assert await state.take("a", clicks, 0.0) > 0
    assert await state.take("b", clicks, 0.0) == 0.0
    assert await state.take("a", QUESTIONS, 0.0) == 0.0


async def test_idle_buckets_are_forgotten() -> None:
    state = MemoryState()
    for i in range(1000):
        await state.take(f"user{i}", QUESTIONS, float(i) / 100)
    assert len(state) == 1000
    await state.take("late", QUESTIONS, 1000.0)
    assert len(state) == 1


async def test_first_marks_expire() -> None:
    state = MemoryState()
    assert await state.first("vote", 60.0, 0.0)
    assert not await state.first("vote", 60.0, 30.0)
    assert await state.first("vote", 60.0, 61.0)


async def test_seen_does_not_mark() -> None:
    state = MemoryState()
    assert not await state.seen("update", 0.0)
    assert await state.first("update", 60.0, 0.0)
    assert await state.seen("update", 1.0)
    assert not await state.seen("update", 61.0)


def test_hashes_are_keyed_and_change_daily() -> None:
    day = [dt.date(2026, 1, 1)]
    a = Hasher(b"secret", today=lambda: day[0])
    b = Hasher(b"secret", today=lambda: day[0])
    assert a("telegram", 123) == b("telegram", 123)
    assert a("telegram", 123) != Hasher(b"other", today=lambda: day[0])("telegram", 123)
    assert "123" not in a("telegram", 123)
    before = a("telegram", 123)
    day[0] = dt.date(2026, 1, 2)
    assert a("telegram", 123) != before

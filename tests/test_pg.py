"""PostgreSQL for several replicas: shared limits, shared log, outages that cost rows only."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from bot.reply import Outcome
from bot.service import FaqService
from bot.state import Budget, Hasher, MemoryState, SharedState
from bot.storage import SCHEMA_VERSION, QuestionLog, parse_database_url
from bot.storage.pgstate import MAX_TTL, PostgresState
from bot.storage.postgres import PostgresStore
from tests.conftest import FAQ, ROOT, ask_logged, settings_free_env
from tests.postgres import PostgresCluster

QUESTIONS = Budget(burst=5, per_second=0.1)
CLICKS = Budget(burst=1, per_second=1.0)
NOW = 1_800_000_000.0  # wall-clock seconds, as replicas must pass


@pytest.fixture(params=["memory", "postgresql"])
async def state(request: pytest.FixtureRequest) -> AsyncIterator[SharedState]:
    """Each SharedState: the in-memory one and the PostgreSQL one must behave alike."""
    if request.param == "memory":
        yield MemoryState()
        return
    shared = PostgresState(parse_database_url(request.getfixturevalue("pg_url")))
    yield shared
    await shared.aclose()


def env_for(url: str) -> dict[str, str]:
    keep = settings_free_env()
    return {**keep, "FAQBOT_DATABASE_URL": url, "FAQBOT_WATCH": "false", "FAQBOT_LOG_LEVEL": "INFO"}


# --- SharedState: one contract, two implementations --------------------------------------


async def test_burst_then_one_per_window(state: SharedState) -> None:
    waits = [await state.take("k", QUESTIONS, NOW) for _ in range(6)]
    assert waits[:5] == [0.0] * 5
    assert waits[5] == pytest.approx(10.0)
    assert await state.take("k", QUESTIONS, NOW + 9.0) > 0
    assert await state.take("k", QUESTIONS, NOW + 10.5) == 0.0


async def test_keys_and_budgets_are_separate(state: SharedState) -> None:
    assert await state.take("a", CLICKS, NOW) == 0.0
    assert await state.take("a", CLICKS, NOW) == pytest.approx(1.0)
    assert await state.take("b", CLICKS, NOW) == 0.0
    assert await state.take("a", QUESTIONS, NOW) == 0.0


async def test_first_marks_expire(state: SharedState) -> None:
    assert await state.first("vote", 60.0, NOW)
    assert not await state.first("vote", 60.0, NOW + 30)
    assert await state.first("vote", 60.0, NOW + 61)


async def test_a_forgotten_mark_can_be_taken_again(state: SharedState) -> None:
    assert await state.first("claim", 60.0, NOW)
    await state.forget("claim")
    assert not await state.seen("claim", NOW)
    assert await state.first("claim", 60.0, NOW)


# --- PostgreSQL only -----------------------------------------------------------------------


async def test_two_replicas_share_one_bucket(pg_url: str) -> None:
    replicas = [PostgresState(parse_database_url(pg_url)) for _ in range(2)]
    try:
        results = await asyncio.gather(
            *(r.take("same-person", QUESTIONS, NOW) for r in replicas for _ in range(10))
        )
        votes = await asyncio.gather(*(r.first("vote:answer-1", 3600, NOW) for r in replicas))
    finally:
        for r in replicas:
            await r.aclose()
    assert sum(w == 0.0 for w in results) == 5  # the burst, once, across both replicas
    assert sorted(votes) == [False, True]  # one vote per person, whichever replica got it


async def test_rows_hold_only_hashes_and_expire_within_the_day(pg_url: str) -> None:
    hasher = Hasher(b"replica-shared-secret")
    shared = PostgresState(parse_database_url(pg_url))
    try:
        await shared.take(hasher("telegram", "user", 123456789), QUESTIONS, NOW)
        await shared.first(hasher("telegram", "vote", 123456789, "msg-1"), 7 * 86_400, NOW)
    finally:
        await shared.aclose()
    with psycopg.connect(pg_url) as db:
        rows = db.execute(
            "SELECT key, expires_at FROM rate_buckets UNION ALL SELECT key, expires_at FROM seen_marks"
        ).fetchall()
        everything = str(db.execute("SELECT * FROM rate_buckets, seen_marks").fetchall())
    assert len(rows) == 2
    assert all(expires <= NOW + MAX_TTL for _, expires in rows)
    assert "123456789" not in everything and "replica-shared-secret" not in everything
    later = PostgresState(parse_database_url(pg_url))
    try:  # the next call after a day cleans expired rows up
        await later.take("someone-else", CLICKS, NOW + MAX_TTL + 1)
    finally:
        await later.aclose()
    with psycopg.connect(pg_url) as db:
        left = db.execute("SELECT COUNT(*) FROM rate_buckets").fetchone()[0]  # type: ignore[index]
        left += db.execute("SELECT COUNT(*) FROM seen_marks").fetchone()[0]  # type: ignore[index]
    assert left == 1


async def test_state_outage_falls_back_to_memory_and_logs_once(
    own_postgres: PostgresCluster, caplog: pytest.LogCaptureFixture
) -> None:
    url = own_postgres.create_database()
    shared = PostgresState(parse_database_url(url), retry_seconds=0.2)
    try:
        assert await shared.take("p", CLICKS, NOW) == 0.0
        own_postgres.stop()
        with caplog.at_level(logging.WARNING, logger="bot.storage.pgstate"):
            started = time.monotonic()
            waits = [await shared.take(f"p{i}", CLICKS, NOW) for i in range(20)]
            assert time.monotonic() - started < 10
            assert waits == [0.0] * 20  # answered from memory, limits per replica
            assert await shared.take("p0", CLICKS, NOW) > 0  # memory still limits
            assert await shared.first("voted-during-outage", 3600, NOW)  # kept in memory
            own_postgres.start()
            await asyncio.sleep(0.3)
            for _ in range(50):  # the pool reconnects in the background
                await shared.take("back", CLICKS, NOW + 100)
                if not [r for r in caplog.records if "is back;" in r.getMessage()]:
                    await asyncio.sleep(0.2)
        errors = [r for r in caplog.records if "unreachable" in r.getMessage()]
        back = [r for r in caplog.records if "is back;" in r.getMessage()]
        assert len(errors) == 1 and len(back) == 1
        assert not [r for r in caplog.records if r.name.startswith("psycopg")]  # no flood
    finally:
        await shared.aclose()  # lets the hand-over of the outage's marks finish
    other = PostgresState(parse_database_url(url))
    try:  # the mark made in memory during the outage reached the database
        assert await other.seen("voted-during-outage", NOW)
    finally:
        await other.aclose()


def test_two_chat_processes_are_both_counted_by_report(pg_url: str, tmp_path: Path) -> None:
    asked = {
        "first": ["is it illegal to leave nk", "what is the capital of france", "weather today"],
        "second": [
            "do north koreans have bank accounts",
            "who won the world cup",
            "capital of france",
        ],
    }
    procs = []
    for name, questions in asked.items():  # both run at the same time
        typed = tmp_path / f"{name}.txt"
        typed.write_text("\n".join(questions) + "\n", encoding="utf-8")
        with typed.open() as stdin:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "adapters", "chat"],
                    cwd=ROOT,
                    env=env_for(pg_url),
                    stdin=stdin,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
    for proc in procs:
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
        assert "Sources:" in out
    done = subprocess.run(
        [sys.executable, "-m", "adapters", "report", "--json"],
        cwd=ROOT,
        env=env_for(pg_url),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["asked"] == 6
    assert report["unanswered"] == 4
    assert report["groups"][0]["count"] == 2  # "capital of france" from both processes


def test_database_outage_costs_rows_not_replies(
    own_postgres: PostgresCluster, caplog: pytest.LogCaptureFixture
) -> None:
    url = own_postgres.create_database()
    store = PostgresStore(parse_database_url(url), timeout=1.0)
    service = FaqService.from_path(FAQ)
    service.qlog = QuestionLog(store, retry_seconds=0.2)
    ask = "is it illegal to leave nk"
    with caplog.at_level(logging.WARNING, logger="bot.storage.qlog"):
        assert ask_logged(service, ask, "telegram").outcome is Outcome.ANSWER
        assert service.qlog.flush(timeout=10)
        own_postgres.stop()
        started = time.monotonic()
        replies = [ask_logged(service, ask, "telegram") for _ in range(30)]
        assert time.monotonic() - started < 5  # the outage never waits in a reply
        assert all(r.outcome is Outcome.ANSWER for r in replies)
        service.qlog.flush(timeout=20)
        own_postgres.start()
        time.sleep(0.5)
        for _ in range(40):  # rows go on being tried until one lands
            ask_logged(service, "do north koreans have bank accounts", "telegram")
            service.qlog.flush(timeout=10)
            if any("works again" in r.getMessage() for r in caplog.records):
                break
            time.sleep(0.25)
        ask_logged(service, "last question", "telegram")
        service.qlog.close()
    outage = [
        r.getMessage() for r in caplog.records if "replies go on without it" in r.getMessage()
    ]
    back = [r.getMessage() for r in caplog.records if "works again" in r.getMessage()]
    assert len(outage) == 1 and len(back) == 1
    assert f"{service.qlog.dropped} rows were dropped" in back[0]
    assert service.qlog.dropped >= 30
    logged = [q.question for q in store.questions(since=0)]
    assert logged[0] == ask and logged[-1] == "last question"
    assert len(logged) == service.qlog.written  # nothing written twice


def test_purge_command_empties_postgres(pg_url: str) -> None:
    log = QuestionLog(PostgresStore(parse_database_url(pg_url)))
    log.record("discord", "a question someone regrets", "none", None, 0.0)
    log.feedback("banks", True)
    log.close()
    refused = subprocess.run(
        [sys.executable, "-m", "adapters", "purge"],
        cwd=ROOT,
        env=env_for(pg_url),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert refused.returncode == 2 and "--yes" in refused.stderr
    done = subprocess.run(
        [sys.executable, "-m", "adapters", "purge", "--yes"],
        cwd=ROOT,
        env=env_for(pg_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "erased 2 rows" in done.stdout
    with psycopg.connect(pg_url) as db:
        dump = db.execute("SELECT * FROM questions").fetchall()
    assert dump == []


def test_migrate_command_then_doctor_sees_it(pg_url: str) -> None:
    env = env_for(pg_url)
    doctor = [sys.executable, "-m", "adapters", "doctor"]
    before = subprocess.run(
        doctor, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert (
        before.returncode == 1
        and "not migrated" in before.stdout
        and "faqbot migrate" in before.stdout
    )
    done = subprocess.run(
        [sys.executable, "-m", "adapters", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (
        done.returncode == 0
        and f"PostgreSQL schema at version {SCHEMA_VERSION['postgresql']}" in done.stdout
    )
    after = subprocess.run(
        doctor, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert after.returncode == 0, after.stdout
    assert f"reachable, schema at version {SCHEMA_VERSION['postgresql']}" in after.stdout
    assert "FAQBOT_HASH_SECRET is not set" in after.stdout  # a warning, not a failure

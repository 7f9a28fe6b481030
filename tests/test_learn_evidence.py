"""Evidence for learning: picks and helpful votes become candidates, kept without ids."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.conversation import Action, Asker, Conversation, Show
from bot.learn import Change, LearnConfig, Learner
from bot.learn.candidates import PICKED, UNANSWERED, build_candidates
from bot.service import FaqService
from bot.storage import QuestionLog, parse_database_url
from bot.storage.postgres import PostgresStore
from bot.storage.schema import POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS
from bot.storage.sqlite import SqliteStore
from bot.storage.store import Store

ASKER = Asker("telegram", user_id="555", chat_id="555", private=True)
OTHER = Asker("telegram", user_id="556", chat_id="556", private=True)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def logged(service: FaqService, tmp_path: Path) -> Iterator[FaqService]:
    copy = FaqService(service._snapshot)
    copy.qlog = QuestionLog(tmp_path / "q.sqlite3", store_ids=True)  # even with ids on
    yield copy
    copy.qlog.close()


def flushed(service: FaqService) -> FaqService:
    assert service.qlog is not None and service.qlog.flush()
    return service


async def ask(conv: Conversation, who: Asker, text: str) -> Show:
    result = await conv.ask(who, text)
    assert isinstance(result, Show)
    return result


async def test_a_picked_suggestion_becomes_a_candidate_without_any_id(
    logged: FaqService, tmp_path: Path
) -> None:
    conv = Conversation(logged)
    shown = await ask(conv, ASKER, "do north koreans have phones")
    assert shown.reply.suggestions and shown.evidence is not None
    picked = Action.suggestion(shown.reply.suggestions[0].entry_id, shown.evidence)
    assert isinstance(await conv.click(ASKER, str(picked)), Show)
    (candidate,) = build_candidates(flushed(logged).qlog, logged)  # type: ignore[arg-type]
    assert candidate.kind == PICKED and candidate.count == 1
    assert candidate.wording == "do north koreans have phones"
    assert candidate.entries[0].entry_id == "contact-outside"
    with sqlite3.connect(tmp_path / "q.sqlite3") as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(picks)")]
        assert columns == ["id", "picked_at", "ref", "entry_id", "how"]  # no user, no chat


async def test_without_question_text_there_is_no_reference_and_no_candidate(
    service: FaqService, tmp_path: Path
) -> None:
    quiet = FaqService(service._snapshot)
    quiet.qlog = QuestionLog(tmp_path / "q.sqlite3", store_text=False)
    try:
        conv = Conversation(quiet)
        shown = await ask(conv, ASKER, "do north koreans have phones")
        assert shown.evidence is None  # nothing to point a pick at
        await conv.click(ASKER, str(Action.suggestion("contact-outside", "abcdefghij")))
        assert build_candidates(flushed(quiet).qlog, quiet) == []  # type: ignore[arg-type]
        assert quiet.qlog.picks(0) == []
    finally:
        quiet.qlog.close()


async def test_a_safety_question_is_never_stored_nor_a_candidate(logged: FaqService) -> None:
    conv = Conversation(logged)
    text = "i want to escape north korea, which border is least guarded"
    shown = await ask(conv, ASKER, text)
    assert shown.reply.is_safety and shown.evidence is None
    await ask(conv, ASKER, "is the border guarded")
    await conv.click(ASKER, "f:border-security:1")
    rows = flushed(logged).qlog.questions(0)  # type: ignore[union-attr]
    assert [r.question for r in rows] == [None, "is the border guarded"]
    assert build_candidates(logged.qlog, logged) == []  # type: ignore[arg-type]


async def test_a_forged_pick_of_an_entry_never_offered_teaches_nothing(
    logged: FaqService,
) -> None:
    conv = Conversation(logged)
    shown = await ask(conv, ASKER, "do north koreans have phones")
    assert "prison-camps" not in [s.entry_id for s in shown.reply.suggestions]
    await conv.click(ASKER, f"s:prison-camps:{shown.evidence}")  # not among the offered
    kinds = {c.kind for c in build_candidates(flushed(logged).qlog, logged)}  # type: ignore[arg-type]
    assert PICKED not in kinds


@pytest.mark.parametrize(
    ("voter", "vote", "later", "learned"),
    [
        (ASKER, "f:contact-outside:1", 60.0, True),  # 👍 by the same person, soon after
        (ASKER, "f:contact-outside:0", 60.0, False),  # 👎 is no evidence
        (OTHER, "f:contact-outside:1", 60.0, False),  # someone else's vote is no evidence
        (ASKER, "f:contact-outside:1", 900.0, False),  # too long after
    ],
    ids=["helpful", "not-helpful", "someone-else", "too-late"],
)
async def test_a_helpful_vote_after_rephrasing_is_evidence(
    logged: FaqService, voter: Asker, vote: str, later: float, learned: bool
) -> None:
    clock = Clock()
    conv = Conversation(logged, clock=clock)
    await ask(conv, ASKER, "do north koreans have phones")  # no answer: suggestions
    answered = await ask(conv, ASKER, "can north koreans call abroad")
    assert answered.reply.entry is not None and answered.reply.entry.id == "contact-outside"
    clock.now += later
    await conv.click(voter, vote)
    found = [c for c in build_candidates(flushed(logged).qlog, logged) if c.kind == PICKED]  # type: ignore[arg-type]
    assert bool(found) is learned
    if learned:
        assert found[0].wording == "do north koreans have phones"
        assert found[0].entries[0].entry_id == "contact-outside"


async def test_unanswered_questions_keep_their_nearest_entries(logged: FaqService) -> None:
    conv = Conversation(logged)
    for text in ("what is the weather in pyongyang", "whats the weather in pyongyang"):
        await ask(conv, ASKER, text)
    (candidate,) = build_candidates(flushed(logged).qlog, logged)  # type: ignore[arg-type]
    assert candidate.kind == UNANSWERED and candidate.count == 2
    assert len(candidate.entries) == 2 and all(n.question for n in candidate.entries)


async def test_ids_are_stable_hidden_ones_stay_hidden_taught_ones_go(
    logged: FaqService, tmp_path: Path
) -> None:
    conv = Conversation(logged)
    shown = await ask(conv, ASKER, "do north koreans have phones")
    await conv.click(ASKER, f"s:contact-outside:{shown.evidence}")
    await ask(conv, ASKER, "what is the weather in pyongyang")
    first = {c.id: c for c in build_candidates(flushed(logged).qlog, logged)}  # type: ignore[arg-type]
    await ask(conv, OTHER, "whats the weather in pyongyang today")
    again = {c.id: c for c in build_candidates(flushed(logged).qlog, logged)}  # type: ignore[arg-type]
    assert set(first) == set(again) and len(first) == 2  # the newcomer joined a group
    weather = next(c for c in again.values() if c.kind == UNANSWERED)
    assert weather.count == 2
    logged.qlog.ignore(weather.id)  # type: ignore[union-attr]
    left = build_candidates(flushed(logged).qlog, logged)  # type: ignore[arg-type]
    assert [c.kind for c in left] == [PICKED]
    faq = tmp_path / "faq.yaml"
    faq.write_text(Path(logged.kb.origin or "knowledge/faq.yaml").read_text(encoding="utf-8"))
    Learner(LearnConfig(faq, devset=None)).apply(
        Change.add("contact-outside", "do north koreans have phones"), moderator="m", platform="t"
    )
    taught = FaqService.from_path(faq)
    assert build_candidates(logged.qlog, taught) == []  # type: ignore[arg-type]


# --- the stores: the same behaviour on SQLite and PostgreSQL ------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return SqliteStore(tmp_path / "q.sqlite3")
    return PostgresStore(parse_database_url(request.getfixturevalue("pg_url")))


def test_picks_and_hidden_candidates_round_trip_and_are_purged(store: Store) -> None:
    now = [1_000_000_000.0]
    log = QuestionLog(store, clock=lambda: now[0], retention_days=30)
    log.record(
        "discord", "phones in nk?", "suggest", None, 0.4, ref="abcdefghij", offered=("a", "b")
    )
    log.record("discord", "is it illegal", "answer", "leaving-illegal", 0.9, ref=None)
    log.pick("abcdefghij", "a", "suggestion")
    log.ignore("0badc0de")
    assert log.flush()
    rows = store.questions(0)
    assert [(r.ref, r.offered) for r in rows] == [("abcdefghij", "a b"), (None, None)]
    assert [(p.ref, p.entry_id, p.how) for p in store.picks(0)] == [
        ("abcdefghij", "a", "suggestion")
    ]
    assert store.ignored() == {"0badc0de"}
    now[0] += 31 * 86_400
    assert log.purge() == 4  # two questions, the pick, the hidden candidate
    log.close()
    assert store.picks(0) == [] and store.ignored() == set()


def test_erase_removes_picks_and_hidden_candidates(store: Store) -> None:
    log = QuestionLog(store)
    log.record("console", "phones?", "suggest", None, 0.4, ref="abcdefghij", offered=("a",))
    log.pick("abcdefghij", "a", "suggestion")
    log.ignore("0badc0de")
    log.close()
    counts = store.erase()
    assert counts["picks"] == 1 and counts["learn_ignored"] == 1
    assert store.picks(0) == [] and store.ignored() == set()


def test_a_database_of_the_previous_release_is_migrated_and_keeps_its_rows(
    store: Store, tmp_path: Path
) -> None:
    old_insert = (  # as the previous release writes: recent, so retention keeps it
        "INSERT INTO questions (asked_at, platform, question, outcome, entry_id, score,"
        f" user_id, chat_id) VALUES ({time.time() - 60}, 'telegram', 'old question', 'none',"
        " NULL, 0.1, NULL, NULL)"
    )
    if isinstance(store, SqliteStore):
        with sqlite3.connect(store.path) as db:
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            for statement in [s for m in SQLITE_MIGRATIONS[:2] for s in m]:
                db.execute(statement)
            db.execute("INSERT INTO meta VALUES ('schema_version', '2')")
            db.execute(old_insert)
    else:
        import psycopg

        with psycopg.connect(store.url.conninfo, autocommit=True) as db:  # type: ignore[attr-defined]
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            for statement in POSTGRES_MIGRATIONS[0]:
                db.execute(statement)
            db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
            db.execute(old_insert)
    assert not store.status().current
    assert store.picks(0) == [] and store.ignored() == set()  # readable before migrating
    log = QuestionLog(store)
    log.record("telegram", "new question", "suggest", None, 0.3, ref="abcdefghij", offered=("x",))
    log.close()
    assert store.status().current
    assert [(r.question, r.ref) for r in store.questions(0)] == [
        ("old question", None),
        ("new question", "abcdefghij"),
    ]
    store.open()  # a replica of the previous release still writes with its own columns
    store.close()
    if isinstance(store, SqliteStore):
        with sqlite3.connect(store.path) as db:
            db.execute(old_insert)
    assert len(store.questions(0)) >= 2


async def test_candidates_come_from_the_shared_store_every_replica_writes(
    store: Store, service: FaqService
) -> None:
    # Two replicas log to one database; the picks of one and the questions of both count.
    replicas = []
    for _ in range(2):
        replica = FaqService(service._snapshot)
        own: Store = (  # each replica has its own connection to the one database
            SqliteStore(store.path) if isinstance(store, SqliteStore) else PostgresStore(store.url)  # type: ignore[attr-defined]
        )
        replica.qlog = QuestionLog(own)
        replicas.append(replica)
    try:
        first, second = (Conversation(r) for r in replicas)
        shown = await ask(first, ASKER, "do north koreans have phones")
        await second.click(ASKER, f"s:contact-outside:{shown.evidence}")  # clicked elsewhere
        await ask(second, OTHER, "do north koreans have phones")
    finally:
        for replica in replicas:
            replica.qlog.close()  # type: ignore[union-attr]
    (candidate,) = build_candidates(store, service)
    assert (candidate.kind, candidate.count, candidate.entries[0].entry_id) == (
        PICKED,
        1,
        "contact-outside",
    )

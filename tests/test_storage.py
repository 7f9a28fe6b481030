"""The question log's stores: the same behaviour on SQLite and PostgreSQL, and SQLite's own."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot import metrics
from bot.errors import StorageError
from bot.settings import Settings
from bot.storage import QuestionLog, database_url, make_store, parse_database_url
from bot.storage.postgres import PostgresStore
from bot.storage.schema import SCHEMA_VERSION, QuestionRow, SchemaStatus, VoteRow
from bot.storage.sqlite import SqliteStore
from bot.storage.store import Store

DAY = 86_400.0


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """An unopened store of each kind (PostgreSQL: a fresh database)."""
    if request.param == "sqlite":
        return SqliteStore(tmp_path / "q.sqlite3")
    return PostgresStore(parse_database_url(request.getfixturevalue("pg_url")))


def dropped(reason: str) -> float:
    return (
        metrics.REGISTRY.get_sample_value("faqbot_log_rows_dropped_total", {"reason": reason})
        or 0.0
    )


# --- one behaviour, both stores --------------------------------------------------------


@pytest.mark.parametrize(
    ("store_text", "store_ids", "expected"),
    [
        (True, False, ("telegram", "is it illegal to leave", "answer", "leaving-illegal")),
        (False, False, ("telegram", None, "answer", "leaving-illegal")),
    ],
    ids=["text-no-ids", "no-text"],
)
def test_rows_keep_only_what_the_settings_allow(
    store: Store, store_text: bool, store_ids: bool, expected: tuple[object, ...]
) -> None:
    log = QuestionLog(store, store_text=store_text, store_ids=store_ids)
    log.record("telegram", "is it illegal to leave", "answer", "leaving-illegal", 0.9, user_id=42)
    log.feedback("leaving-illegal", True)
    log.feedback("leaving-illegal", False)
    log.feedback("banks", True)
    log.close()
    (row,) = store.questions(since=0)
    assert (row.platform, row.question, row.outcome, row.entry_id) == expected
    assert store.votes(since=0) == {"leaving-illegal": (1, 1), "banks": (1, 0)}


def test_retention_purge_keeps_recent_rows(store: Store) -> None:
    now = [1_000_000_000.0]
    log = QuestionLog(store, retention_days=30, clock=lambda: now[0])
    log.record("discord", "old question", "none", None, 0.0)
    log.feedback("banks", True)
    assert log.flush()
    now[0] += 29 * DAY
    log.record("discord", "newer question", "none", None, 0.0)
    assert log.flush()
    now[0] += 2 * DAY  # the first rows are now 31 days old
    assert log.purge() == 2
    log.close()
    assert [q.question for q in store.questions(since=0)] == ["newer question"]
    assert store.votes(since=0) == {}


def test_two_replicas_purge_once(store: Store, tmp_path: Path) -> None:
    other = store if isinstance(store, SqliteStore) else PostgresStore(store.url)  # type: ignore[attr-defined]
    twin = SqliteStore(store.path) if isinstance(store, SqliteStore) else other
    store.open()
    twin.open()
    store.write([QuestionRow(1.0, "x", "old", "none", None, 0.0, None, None)], [])
    results: list[int | None] = []
    barrier = threading.Barrier(2)

    def purge(s: Store) -> None:
        barrier.wait()
        results.append(s.claim_purge(cutoff=2.0, now=5_000.0, every=3600.0))

    threads = [threading.Thread(target=purge, args=(s,)) for s in (store, twin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    store.close()
    twin.close()
    assert sorted(results, key=lambda r: -1 if r is None else r) == [None, 1]


def open_together(stores: Sequence[Store]) -> list[BaseException]:
    """Open (then close) every store from its own thread at the same moment, as replicas
    starting together do; return what went wrong."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(stores))

    def start(s: Store) -> None:
        barrier.wait()
        try:
            s.open()
        except BaseException as exc:
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def test_migrations_from_many_replicas_at_once(store: Store) -> None:
    twins: list[Store] = [
        SqliteStore(store.path) if isinstance(store, SqliteStore) else PostgresStore(store.url)  # type: ignore[attr-defined]
        for _ in range(4)
    ]
    assert open_together(twins) == []
    status = store.status()
    assert status.current and status.version == status.latest


def test_erase_leaves_nothing(store: Store) -> None:
    log = QuestionLog(store)
    for i in range(5):
        log.record("console", f"secret question {i}", "none", None, 0.0)
    log.feedback("banks", True)
    log.close()
    counts = store.erase()
    assert counts["questions"] == 5 and counts["feedback"] == 1
    assert store.questions(since=0) == [] and store.votes(since=0) == {}


def test_reading_never_creates_anything(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no question log yet"):
        store.questions(since=0)
    assert store.status() == SchemaStatus(0, store.status().latest)
    assert not (tmp_path / "q.sqlite3").exists()


# --- the writer: bounded, counted, never blocking, never dying ---------------------------


class SlowStore(SqliteStore):
    """A SQLite store whose writes wait until released (a slow or hung database)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.release = threading.Event()
        self.calls = 0

    def write(self, questions: Sequence[QuestionRow], votes: Sequence[VoteRow], *rest: Any) -> None:
        self.calls += 1
        self.release.wait(30)
        super().write(questions, votes, *rest)


class FlakyStore(SqliteStore):
    """A SQLite store whose first write hits a bug (not a database error)."""

    def write(self, questions: Sequence[QuestionRow], votes: Sequence[VoteRow], *rest: Any) -> None:
        if not getattr(self, "failed", False):
            self.failed = True
            raise RuntimeError("a bug in the writer")
        super().write(questions, votes, *rest)


def test_queue_is_bounded_and_drops_are_counted(tmp_path: Path) -> None:
    store = SlowStore(tmp_path / "q.sqlite3")
    before = dropped("queue_full")
    log = QuestionLog(store, queue_size=10)
    started = time.monotonic()
    for i in range(40):
        log.record("console", f"q{i}", "none", None, 0.0)
    assert time.monotonic() - started < 1.0  # recording never waits for the database
    store.release.set()
    log.close()
    kept = len(store.questions(since=0))
    assert log.dropped == 40 - kept and log.dropped >= 20
    assert dropped("queue_full") - before == log.dropped


def test_flush_timeout_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = SlowStore(tmp_path / "q.sqlite3")
    log = QuestionLog(store)
    log.record("console", "q", "none", None, 0.0)
    with caplog.at_level(logging.WARNING, logger="bot.storage.qlog"):
        assert log.flush(timeout=0.2) is False
    assert any("flush timed out after 0.2 s" in r.getMessage() for r in caplog.records)
    store.release.set()
    assert log.flush(timeout=10)
    log.close()


def test_close_is_idempotent_and_later_rows_are_counted(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3")
    log.record("console", "q", "none", None, 0.0)
    log.close()
    log.close()
    log.record("console", "after close", "none", None, 0.0)
    assert log.dropped == 1 and log.written == 1
    assert log.flush() is True


def test_writer_survives_a_bug(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = FlakyStore(tmp_path / "q.sqlite3")
    log = QuestionLog(store, retry_seconds=0.05)
    with caplog.at_level(logging.ERROR, logger="bot.storage.qlog"):
        log.record("console", "lost to the bug", "none", None, 0.0)
        assert log.flush()
        time.sleep(0.1)  # past the retry pause
        log.record("console", "written after it", "none", None, 0.0)
        log.close()
    assert [q.question for q in store.questions(since=0)] == ["written after it"]
    assert any("unexpected error in the writer" in r.getMessage() for r in caplog.records)


# --- SQLite's own ---------------------------------------------------------------------------


def test_sqlite_file_and_folder_are_owner_only_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "q.sqlite3"
    QuestionLog(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_existing_world_readable_log_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    QuestionLog(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_first_release_file_is_upgraded_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    with sqlite3.connect(path) as db:  # the schema the first release created
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "INSERT INTO meta VALUES ('schema_version', '1');"
            "CREATE TABLE questions (id INTEGER PRIMARY KEY, asked_at REAL NOT NULL,"
            " platform TEXT NOT NULL, question TEXT, outcome TEXT NOT NULL, entry_id TEXT,"
            " score REAL NOT NULL, user_id TEXT, chat_id TEXT);"
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY, given_at REAL NOT NULL,"
            " entry_id TEXT NOT NULL, helpful INTEGER NOT NULL);"
            f"INSERT INTO questions VALUES (1, {time.time()}, 'telegram', 'kept', 'none',"
            " NULL, 0.1, NULL, NULL);"
        )
    QuestionLog(path).close()
    store = SqliteStore(path)
    assert store.status() == SchemaStatus(SCHEMA_VERSION["sqlite"], SCHEMA_VERSION["sqlite"])
    assert [q.question for q in store.questions(since=0)] == ["kept"]


def test_sqlite_erase_leaves_no_text_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    log = QuestionLog(path)
    for _ in range(50):
        log.record("console", "my brother crossed the tumen river", "none", None, 0.0)
    log.close()
    SqliteStore(path).erase()
    for file in tmp_path.iterdir():
        assert b"tumen" not in file.read_bytes(), file.name


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "sqlite:///{data}/questions.sqlite3"),
        ({"FAQBOT_LOG_PATH": "/srv/q.sqlite3"}, "sqlite:////srv/q.sqlite3"),
        ({"FAQBOT_DATABASE_URL": "sqlite:///rel/q.db"}, "sqlite:///rel/q.db"),
        ({"FAQBOT_DATABASE_URL": "sqlite:////abs/q.db"}, "sqlite:////abs/q.db"),
        (
            {"FAQBOT_DATABASE_URL": "postgresql://bot:hunter2@db:5432/faqbot"},
            "postgresql://bot:***@db:5432/faqbot",
        ),
        ({"FAQBOT_DATABASE_URL": "", "FAQBOT_LOG_PATH": ""}, "sqlite:///{data}/questions.sqlite3"),
    ],
    ids=["default-data-dir", "log-path", "relative", "absolute", "postgres-redacted", "empty"],
)
def test_which_database(
    env: dict[str, str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAQBOT_LOG_PATH", raising=False)
    monkeypatch.setenv("FAQBOT_DATA_DIR", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    url = database_url(Settings(_env_file=None))
    assert url.display == expected.format(data=tmp_path)


def test_unknown_database_url_names_the_setting() -> None:
    with pytest.raises(StorageError, match=r"FAQBOT_DATABASE_URL='mysql://u:\*\*\*@h/db'"):
        parse_database_url("mysql://u:pw@h/db")


def test_store_kind_follows_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQBOT_DATABASE_URL", "postgresql://bot@127.0.0.1:1/faqbot")
    assert isinstance(make_store(Settings(_env_file=None)), PostgresStore)


async def test_log_is_an_async_context_manager(tmp_path: Path) -> None:
    async with QuestionLog(tmp_path / "q.sqlite3") as log:
        log.record("console", "inside", "none", None, 0.0)
    assert log.written == 1
    with QuestionLog(tmp_path / "q.sqlite3") as again:
        again.record("console", "second", "none", None, 0.0)
    assert [q.question for q in again.questions(since=0)] == ["inside", "second"]


def test_missing_postgres_fails_under_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests import postgres as clusters

    monkeypatch.setattr(clusters, "_bindir", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required under CI"):
        clusters._cluster_or_skip()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server here"):
        clusters._cluster_or_skip()


def test_sqlite_replicas_starting_together_on_a_new_file_all_start(tmp_path: Path) -> None:
    # SQLite answers some of this contention (the switch to WAL) with an immediate
    # "locked" that no busy timeout covers; 7% of rounds failed before open() retried.
    for round_ in range(30):
        twins = [SqliteStore(tmp_path / f"{round_}.sqlite3") for _ in range(4)]
        assert open_together(twins) == [], f"round {round_}"

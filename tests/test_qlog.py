"""The question log: privacy settings, retention, and never costing a reply."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path

import pytest

from bot.conversation import Asker, Conversation, Show
from bot.reply import Outcome
from bot.service import FaqService
from bot.storage import SCHEMA_VERSION, QuestionLog
from tests.conftest import FAQ


def rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT platform, question, outcome, entry_id, user_id, chat_id FROM questions"
        ).fetchall()


def test_created_on_first_start_with_a_schema_version(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "sub" / "q.sqlite3")
    log.close()
    with sqlite3.connect(tmp_path / "sub" / "q.sqlite3") as db:
        assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            str(SCHEMA_VERSION["sqlite"]),
        )


@pytest.mark.parametrize(
    ("store_text", "store_ids", "expected"),
    [
        (
            True,
            False,
            ("telegram", "is it illegal to leave nk", "answer", "leaving-illegal", None, None),
        ),
        (False, False, ("telegram", None, "answer", "leaving-illegal", None, None)),
        (
            True,
            True,
            ("telegram", "is it illegal to leave nk", "answer", "leaving-illegal", "42", "-100"),
        ),
    ],
    ids=["default-no-ids", "no-text", "ids-when-asked"],
)
def test_privacy_settings(
    tmp_path: Path, store_text: bool, store_ids: bool, expected: tuple[object, ...]
) -> None:
    service = FaqService.from_path(FAQ)
    service.qlog = QuestionLog(tmp_path / "q.sqlite3", store_text=store_text, store_ids=store_ids)
    who = Asker("telegram", user_id="42", chat_id="-100", private=False)
    asyncio.run(Conversation(service).ask(who, "is it illegal to leave nk"))
    service.ask("not logged: asked of the service directly (ask --json)")
    service.qlog.close()
    assert rows(tmp_path / "q.sqlite3") == [expected]


def test_retention_deletes_old_rows_at_start(tmp_path: Path) -> None:
    now = [1_000_000_000.0]
    log = QuestionLog(tmp_path / "q.sqlite3", retention_days=30, clock=lambda: now[0])
    log.record("discord", "old question", "none", None, 0.0)
    log.feedback("banks", True)
    now[0] += 29 * 86_400
    log.record("discord", "newer question", "none", None, 0.0)
    log.close()
    now[0] += 2 * 86_400  # the first rows are now 31 days old
    again = QuestionLog(tmp_path / "q.sqlite3", retention_days=30, clock=lambda: now[0])
    again.close()
    assert [r[1] for r in rows(tmp_path / "q.sqlite3")] == ["newer question"]
    assert again.votes(since=0) == {}


def test_locked_database_never_costs_a_reply(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "q.sqlite3"
    QuestionLog(path).close()  # the file exists, as after an earlier run
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the database
    service = FaqService.from_path(FAQ)
    with caplog.at_level(logging.WARNING, logger="bot.storage.qlog"):
        service.qlog = QuestionLog(path, retry_seconds=0.2)
        replies = [_ask(service, "is it illegal to leave nk").reply for _ in range(3)]
        assert service.qlog.flush(timeout=15)
        assert all(r.outcome is Outcome.ANSWER for r in replies)
        failures = [r for r in caplog.records if "replies go on without it" in r.getMessage()]
        assert len(failures) == 1  # logged once, not once per row
        assert "database is locked" in failures[0].getMessage()
        blocker.rollback()
        blocker.close()
        time.sleep(0.3)  # past the retry pause
        _ask(service, "do north koreans have bank accounts")
        service.qlog.close()
    assert [r[1] for r in rows(path)] == ["do north koreans have bank accounts"]
    assert service.qlog.dropped == 3
    resumed = [r.getMessage() for r in caplog.records if "works again" in r.getMessage()]
    assert len(resumed) == 1 and "3 rows were dropped" in resumed[0]


def _ask(service: FaqService, text: str) -> Show:
    result = asyncio.run(Conversation(service).ask(Asker("console", local=True), text))
    assert isinstance(result, Show)
    return result

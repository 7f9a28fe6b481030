"""The commands around the question log, as an operator runs them (SQLite, the default)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage import QuestionLog
from bot.storage.files import default_data_dir
from tests.conftest import FAQ, ROOT, settings_free_env


def faqbot(
    *args: str, env: dict[str, str], stdin: str = "", cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    base = settings_free_env()
    return subprocess.run(
        [sys.executable, "-m", "adapters", *args],
        cwd=cwd,
        env={**base, "FAQBOT_WATCH": "false", **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def read_only_place(tmp_path: Path) -> Path:
    """A log path the bot cannot write: a read-only file, or (as root) a read-only filesystem."""
    if os.geteuid() == 0:  # root writes through file modes; procfs refuses everyone
        return Path("/proc/self/faqbot/questions.sqlite3")
    folder = tmp_path / "ro"
    folder.mkdir()
    QuestionLog(folder / "q.sqlite3").close()
    (folder / "q.sqlite3").chmod(0o400)
    folder.chmod(0o500)
    return folder / "q.sqlite3"


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "q.sqlite3"
    QuestionLog(path).close()
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the database
    yield path
    blocker.rollback()
    blocker.close()


@pytest.mark.parametrize("problem", ["locked", "read-only", "not-a-folder"])
def test_bot_starts_and_answers_whatever_the_log_file(
    problem: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if problem == "locked":
        path = request.getfixturevalue("locked")
    elif problem == "read-only":
        path = read_only_place(tmp_path)
    else:
        (tmp_path / "file").write_text("not a folder")
        path = tmp_path / "file" / "q.sqlite3"
    questions = (
        "is it illegal to leave nk\ndo north koreans have bank accounts\nwhy can't they leave\n"
    )
    done = faqbot("chat", env={"FAQBOT_LOG_PATH": str(path)}, stdin=questions)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Sources:") == 3
    problems = [line for line in done.stderr.splitlines() if "question log" in line]
    assert len(problems) == 1, done.stderr  # logged once, not per question
    assert "replies go on without it" in problems[0] and "FAQBOT_LOG_PATH" in problems[0]


def test_no_surprise_data_folder_in_the_working_directory(tmp_path: Path) -> None:
    cwd, data = tmp_path / "somewhere", tmp_path / "datadir"
    cwd.mkdir()
    done = faqbot(
        "chat", env={"FAQBOT_DATA_DIR": str(data)}, stdin="is it illegal to leave nk\n", cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    assert list(cwd.iterdir()) == []
    log = data / "questions.sqlite3"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_report_only_reads(tmp_path: Path) -> None:
    data = tmp_path / "not-yet"
    done = faqbot("report", env={"FAQBOT_DATA_DIR": str(data)})
    assert done.returncode == 1 and "no question log yet" in done.stderr
    assert not data.exists()  # nothing created to read nothing
    path = tmp_path / "q.sqlite3"
    old = time.time() - 3 * 86_400
    log = QuestionLog(path, clock=lambda: old, retention_days=30)
    log.record("telegram", "what is the capital of france", "none", None, 0.1)
    log.close()
    before = sorted(p.name for p in tmp_path.iterdir())
    env = {"FAQBOT_LOG_PATH": str(path), "FAQBOT_LOG_RETENTION_DAYS": "1"}
    done = faqbot("report", "--days", "10", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["asked"] == 1  # older than the retention, yet not purged
    # SQLite's own -wal/-shm companions may appear for a reader (owner-only, like the log).
    after = {p.name: p for p in tmp_path.iterdir()}
    assert sorted(n for n in after if not n.endswith(("-wal", "-shm"))) == before
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for n, p in after.items() if n != "not-yet")


def test_report_works_while_the_faq_is_broken(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    log = QuestionLog(path)
    for question in ("capital of france", "what is the capital of france"):
        log.record("discord", question, "none", None, 0.1)
    log.record("discord", "is it illegal to leave", "answer", "leaving-illegal", 0.9)
    log.close()
    broken = tmp_path / "faq.yaml"
    broken.write_text(FAQ.read_text(encoding="utf-8") + "\nnot: [closed\n", encoding="utf-8")
    env = {"FAQBOT_LOG_PATH": str(path), "FAQBOT_KNOWLEDGE": str(broken)}
    done = faqbot("report", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert "the report leaves out the nearest entries" in done.stderr
    report = json.loads(done.stdout)
    assert report["groups"] == [
        {
            "count": 2,
            "examples": ["capital of france", "what is the capital of france"],
            "nearest_id": None,
            "nearest_question": None,
        }
    ]
    assert report["top_entries"] == [{"id": "leaving-illegal", "question": "", "count": 1}]
    text = faqbot("report", env=env).stdout
    assert "1 x leaving-illegal\n" in text + "\n"


def test_purge_erases_the_sqlite_log_and_leftovers(tmp_path: Path) -> None:
    current, leftover = tmp_path / "q.sqlite3", tmp_path / "data" / "questions.sqlite3"
    for path in (current, leftover):
        log = QuestionLog(path)
        log.record("telegram", "my cousin in hyesan", "none", None, 0.0)
        log.feedback("banks", False)
        log.close()
    env = {"FAQBOT_LOG_PATH": str(current), "FAQBOT_DATA_DIR": str(tmp_path / "data")}
    assert faqbot("purge", env=env).returncode == 2  # no terminal, no --yes: nothing done
    done = faqbot("purge", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.count("erased 2 rows (1 questions, 1 feedback, 0 picks, 0 learn_ignored)") == 2
    )
    for folder in (tmp_path, tmp_path / "data"):
        for file in folder.glob("*.sqlite3*"):
            assert b"hyesan" not in file.read_bytes(), file


def test_tests_never_write_to_the_real_data_folder() -> None:
    # conftest points XDG_DATA_HOME at a throwaway folder: a test's purge is never a person's.
    assert default_data_dir().is_relative_to(Path(os.environ["XDG_DATA_HOME"]))
    assert Path(os.environ["XDG_DATA_HOME"]).name.startswith("faqbot-tests-")

"""`faqbot report`: unanswered questions grouped, most asked entries, feedback."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from bot.conversation import Asker, Conversation
from bot.report import build_report, render_report
from bot.service import FaqService
from bot.storage import QuestionLog
from tests.conftest import FAQ, ROOT

ASKED = [
    "what is the capital of france",
    "What is the capital of France?",
    "capital of france",
    "what is the weather in pyongyang",
    "weather in pyongyang today",
    "weather pyongyang now",
    "who is the best k-pop band",
    "is it illegal to leave nk",
    "is leaving north korea illegal",
    "do north koreans have bank accounts",
]


def filled_log(tmp_path: Path) -> tuple[FaqService, QuestionLog]:
    service = FaqService.from_path(FAQ)
    service.qlog = QuestionLog(tmp_path / "q.sqlite3")
    conversation = Conversation(service)
    for q in ASKED:
        asyncio.run(conversation.ask(Asker("telegram", local=True), q))
    service.qlog.feedback("banks", True)
    service.qlog.feedback("banks", False)
    service.qlog.feedback("banks", True)
    service.qlog.flush()
    return service, service.qlog


def test_report_groups_near_duplicates_most_frequent_first(tmp_path: Path) -> None:
    service, qlog = filled_log(tmp_path)
    report = build_report(service, qlog, days=7)
    qlog.close()
    assert report.asked == len(ASKED) and report.unanswered == 7
    assert [g.count for g in report.groups] == [3, 3, 1]
    france = next(g for g in report.groups if "france" in g.examples[0].lower())
    assert len(france.examples) == 3
    assert report.top_entries[0][0] == "leaving-illegal" and report.top_entries[0][2] == 2
    assert report.votes == {"banks": (2, 1)}
    text = render_report(report)
    assert "3 x 'what is the capital of france'" in text
    assert "2 / 1   banks" in text


def test_report_command_json(tmp_path: Path) -> None:
    _service, qlog = filled_log(tmp_path)
    qlog.close()
    done = subprocess.run(
        [sys.executable, "-m", "adapters", "report", "--days", "1", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env={**__import__("os").environ, "FAQBOT_LOG_PATH": str(tmp_path / "q.sqlite3")},
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["asked"] == len(ASKED) and data["groups"][0]["count"] == 3
    assert data["votes"]["banks"] == {"helpful": 2, "unhelpful": 1}

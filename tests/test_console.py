"""The console chat driven as a user would: a subprocess with piped stdin."""

from __future__ import annotations

import subprocess
import sys

import pytest

from adapters.console import ConsoleChat
from bot.service import FaqService
from tests.conftest import ROOT


def chat(*lines: str, command: str = "chat") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", command],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_question_gets_answer_with_numbered_citations() -> None:
    out = chat("what happens to the relatives of defectors?")
    assert "What happens to the family of someone who escapes?" in out
    assert "Sources:" in out
    assert (
        '  [1] "Why can\'t you leave North Korea?", 2023-11-26, section “Family Punishment”' in out
    )
    assert "[2]" in out and "Related questions:" in out


def test_number_picks_an_offered_question() -> None:
    out = chat("border", "1")
    assert "Did you mean" in out
    assert "Sources:" in out.split("Did you mean", 1)[1]


def test_bare_faqbot_opens_console_when_no_platform_configured() -> None:
    out = chat("/topics", "/quit", "is nk an island", command="run")
    assert "regime" in out and "The border" in out
    assert "peninsula" not in out  # nothing is read after /quit


def test_topic_sources_help_and_unknown_command() -> None:
    out = chat("/topic famly", "/sources", "/help", "/nope")
    assert "Families and guilt by association" in out
    assert "Cassie Grissom" in out and "Relatives' Safety" in out
    assert "Commands:" in out and "Unknown command /nope" in out


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("what's the best pizza in naples", "I don't know that one"),
        ("", None),
        ("7", "I don't know that one"),
    ],
)
def test_handle_table(service: FaqService, line: str, needle: str | None) -> None:
    out = ConsoleChat(service).handle(line)
    assert out is not None
    if needle:
        assert needle in out


def test_stale_choice_after_reload_is_explained(service: FaqService) -> None:
    session = ConsoleChat(service)
    session.handle("border")
    session.choices = ["deleted-entry"]
    assert "no longer in the FAQ" in (session.handle("1") or "")

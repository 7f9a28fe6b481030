"""The console chat driven as a user would: a subprocess with piped stdin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console import ConsoleChat
from adapters.plaintext import render_reply
from bot import messages
from bot.conversation import Conversation
from bot.service import FaqService
from bot.storage import QuestionLog
from tests.conftest import ROOT


def chat(*lines: str, command: str = "chat", args: tuple[str, ...] = ()) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "adapters", command, *args],
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


@pytest.fixture
def session(service: FaqService) -> ConsoleChat:
    return ConsoleChat(Conversation(service))


@pytest.mark.parametrize(
    ("lines", "needle"),
    [
        (["what's the best pizza in naples"], "I don't know that one"),
        (["7"], messages.NO_CHOICES),
        (["border", "9"], "Please pick a number from 1 to"),
        (["/topic"], "Which topic?"),
        (["/topic   "], "Which topic?"),
        (["/privacy"], "deletes these rows"),
        (["/unanswered"], "question log is turned off"),
    ],
)
def test_handle_table(session: ConsoleChat, lines: list[str], needle: str) -> None:
    out = ""
    for line in lines:
        out = session.handle(line) or ""
    assert needle in out or (needle == "deletes these rows" and "keeps no log" in out)


@pytest.mark.parametrize("line", ["exit", "quit", "bye", "/quit", "/exit", "Quit"])
def test_quit_words_end_the_chat(session: ConsoleChat, line: str) -> None:
    assert session.handle(line) is None


def test_commands_and_bad_numbers_are_not_logged_as_questions(
    service: FaqService, tmp_path: Path
) -> None:
    logged = FaqService(service._snapshot)
    logged.qlog = QuestionLog(tmp_path / "q.sqlite3")
    chat = ConsoleChat(Conversation(logged))
    for line in ("/topic", "7", "/topics", "is it illegal to leave"):
        chat.handle(line)
    logged.qlog.close()
    assert [q.question for q in logged.qlog.questions(0)] == ["is it illegal to leave"]


def test_escape_codes_in_a_question_do_not_change_its_answer(session: ConsoleChat) -> None:
    plain = session.handle("is it illegal to leave")
    coloured = session.handle("\x1b[31mis it illegal\x1b[0m to leave\x1b[2K")
    assert plain == coloured


def test_long_answers_wrap_to_the_terminal(service: FaqService) -> None:
    out = ConsoleChat(Conversation(service), width=60).handle("is it illegal to leave") or ""
    assert max(len(line) for line in out.splitlines()) <= 60


def test_one_shot_ask_prints_no_chat_hints() -> None:
    out = chat(command="ask", args=("border",))
    assert "Did you mean" in out and "Type a number" not in out


def test_stale_choice_after_reload_is_explained(session: ConsoleChat) -> None:
    session.handle("border")
    session.choices = ["deleted-entry"]
    assert "no longer in the FAQ" in (session.handle("1") or "")


def test_an_out_of_scope_note_comes_before_the_topics(service: FaqService) -> None:
    reply = service.ask("Can I visit North Korea as a tourist?")
    assert reply.note is not None
    text, _ = render_reply(reply)
    # The note says why; it must not sit between "These are my topics:" and the list.
    assert text.index(reply.note) < text.index(messages.NONE) < text.index("/topic")

"""`faqbot ask --json`: DESIGN.md's contract, field by field, through the real command."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.contract import reply_to_json
from bot.service import FaqService
from tests.conftest import ROOT

KEYS = {"query", "outcome", "matched", "score", "entry", "sources", "suggestions"}


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def check_shape(obj: dict[str, object]) -> None:
    assert obj.keys() >= KEYS
    assert obj["outcome"] in ("answer", "suggest", "none")
    assert obj["matched"] is (obj["outcome"] == "answer")
    assert isinstance(obj["score"], float) and 0.0 <= obj["score"] <= 1.0
    assert (obj["entry"] is None) is (obj["outcome"] != "answer")
    assert isinstance(obj["suggestions"], list) and len(obj["suggestions"]) <= 3


def test_answer_fields(service: FaqService) -> None:
    obj = reply_to_json(service.ask("why cant north koreans just leave"))
    check_shape(obj)
    assert obj["outcome"] == "answer"
    assert obj["entry"].keys() == {"id", "topic", "question", "answer"}
    assert obj["entry"]["id"] == "why-cant-leave"
    for source in obj["sources"]:
        assert source.keys() == {
            "id",
            "title",
            "author",
            "published",
            "section",
            "section_label",
            "url",
        }
    by_id = {s["id"]: s for s in obj["sources"]}
    assert by_id["why-dont-people-leave"]["author"] == "Cassie Grissom"
    assert by_id["why-dont-people-leave"]["published"] is None
    assert by_id["leave-as-citizen"]["published"] == "2023-11-25"
    assert by_id["leave-as-citizen"]["url"] is None


def test_answers_flow_and_made_up_section_titles_are_marked(service: FaqService) -> None:
    obj = reply_to_json(service.ask("can north koreans contact people abroad"))
    assert obj["entry"]["id"] == "contact-outside"
    assert "\n" not in obj["entry"]["answer"]
    (source,) = obj["sources"]
    assert source["section"] == "Government Regulations"
    assert source["section_label"] == "untitled section on government regulations"
    titled = reply_to_json(service.ask("what happens to the family of a defector"))
    assert titled["sources"][0]["section_label"] == "section “Family Punishment”"


def test_suggest_and_none_fields(service: FaqService) -> None:
    suggest = reply_to_json(service.ask("border"))
    check_shape(suggest)
    assert suggest["outcome"] == "suggest" and suggest["sources"] == []
    for s in suggest["suggestions"]:
        assert s.keys() == {"id", "question", "score"} and isinstance(s["score"], float)
    none = reply_to_json(service.ask("recipe for pancakes"))
    check_shape(none)
    assert none["outcome"] == "none" and none["suggestions"] == [] and none["entry"] is None


@pytest.mark.parametrize(
    ("question", "shown"),
    [
        ("북한 사람들은 왜 떠날 수 없나요?", "I can only answer questions in English"),
        ("hello", "I answer questions about why North Koreans cannot simply leave"),
        ("recipe for pancakes", "I don't know that one"),
        ("border", "Did you mean one of these?"),
    ],
)
def test_json_carries_what_a_person_is_shown_first(
    service: FaqService, question: str, shown: str
) -> None:
    # A script sees the English-only notice and the help text that the chat shows, not
    # only an unexplained "none".
    assert shown in reply_to_json(service.ask(question))["message"]


def test_cli_json_one_question() -> None:
    done = run_cli("ask", "--json", "do", "north", "koreans", "have", "bank", "accounts")
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    check_shape(obj)
    assert obj["query"] == "do north koreans have bank accounts"
    assert obj["entry"]["id"] == "banks"


def test_cli_json_lines_from_stdin() -> None:
    questions = ["why cant nk people leave", "weather tomorrow?", "", "border", "🙂"]
    done = run_cli("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(questions)
    objs = [json.loads(line) for line in lines]
    for obj in objs:
        check_shape(obj)
    assert [o["outcome"] for o in objs] == ["answer", "none", "none", "suggest", "none"]


@pytest.mark.parametrize(
    "question", ["can i leave japan as a citizen", "how do I leave a telegram group"]
)
def test_cli_json_refuses_lookalikes(question: str) -> None:
    obj = json.loads(run_cli("ask", "--json", question).stdout)
    assert obj["matched"] is False and obj["entry"] is None

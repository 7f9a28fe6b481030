"""`faqbot learn` as a moderator runs it, on a copy of the FAQ (the issue's "Done when" lines)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.cli import main
from adapters.learn_cli import phrasings
from bot.errors import LearnError
from bot.learn import Change, LearnConfig, Learner
from bot.learn.faqfiles import write_lock
from tests.conftest import FAQ, MINIMAL, ROOT, settings_free_env


def faqbot(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    base = settings_free_env()
    return subprocess.run(
        [sys.executable, "-m", "adapters", *args],
        cwd=ROOT,
        env={**base, "FAQBOT_WATCH": "false", **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    folder = tmp_path / "faq"
    folder.mkdir()
    return Path(shutil.copy(FAQ, folder / "faq.yaml"))


def env_for(faq: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"FAQBOT_KNOWLEDGE": str(faq), "FAQBOT_LOG_PATH": str(tmp_path / "q.sqlite3"), **extra}


def asked(questions: list[str], env: dict[str, str]) -> list[dict[str, Any]]:
    """Ask in one process (JSON lines on stdin), as a script would."""
    done = faqbot("ask", "--json", "-", env=env, stdin="".join(f"{q}\n" for q in questions))
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_add_writes_one_line_keeps_every_comment_validates_and_answers(
    copy: Path, tmp_path: Path
) -> None:
    env = env_for(copy, tmp_path)
    before = copy.read_text(encoding="utf-8")
    done = faqbot(
        "learn",
        "add",
        "family-punishment",
        "r relatives of runaways punished in nk",
        "--yes",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Added “r relatives of runaways punished in nk” to family-punishment" in done.stdout
    assert re.search(r"Eval: accuracy \d+\.\d% → \d+\.\d%, refusal", done.stdout)
    after = copy.read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert [line for line in after.splitlines() if line.lstrip().startswith("#")] == comments
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["      - r relatives of runaways punished in nk"]
    assert len(after.splitlines()) == len(before.splitlines()) + 1
    check = faqbot("validate", env=env)
    assert check.returncode == 0 and "OK:" in check.stdout, check.stderr
    [answer] = asked(["r relatives of runaways punished in nk"], env)
    assert answer["outcome"] == "answer"
    assert answer["entry"]["id"] == "family-punishment"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add", "banks", "what happens to defectors families"],
            "already belongs to entry 'family-punishment' (faq.yaml:",
        ),
        (["add", "no-such-entry", "who runs the banks"], "no entry 'no-such-entry'"),
        (["add", "bank", "who runs the banks"], "(did you mean banks?)"),
        (["add", "guilt-by-association", "guilt by family"], "was retired; 'family-punishment'"),
        (["add", "banks", "i want to escape north korea"], "gets the safety reply"),
        (["add", "safety", "hello there friend"], "the safety reply cannot be changed"),
        (["out-of-scope", "how do i bribe a border guard"], "gets the safety reply"),
        (
            ["out-of-scope", "is it illegal to leave north korea"],
            "already belongs to entry 'leaving-illegal'",
        ),
        (["out-of-scope", "can i visit north korea"], "is already out of scope (faq.yaml:"),
    ],
    ids=[
        "owned-by-another",
        "unknown-entry",
        "typo-in-id",
        "retired-id",
        "safety-phrasing",
        "safety-block",
        "safety-out-of-scope",
        "entry-phrasing-out-of-scope",
        "already-out-of-scope",
    ],
)
def test_refusals_are_one_line_name_the_owner_and_write_nothing(
    copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    before = copy.read_text(encoding="utf-8")
    for key, value in env_for(copy, tmp_path).items():
        monkeypatch.setenv(key, value)
    assert main(["learn", *args, "--yes"]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("faqbot: error: ")
    assert copy.read_text(encoding="utf-8") == before
    assert not (copy.parent / "learn-history.jsonl").exists()


PYONGYANG = [
    "can i visit pyongyang as a tourist",
    "can tourists visit pyongyang",
    "is it possible to visit pyongyang as a tourist",
    "could i go to pyongyang as a tourist",
]


def test_out_of_scope_refuses_the_question_and_its_paraphrases(
    tmp_path: Path,
) -> None:
    # A copy without any out-of-scope group, so these questions are not refused yet.
    data = FAQ.read_text(encoding="utf-8")
    start, end = data.index("out_of_scope:\n"), data.index("# Ids that went away")
    copy = tmp_path / "faq.yaml"
    copy.write_text(data[:start] + data[end:], encoding="utf-8")
    env = env_for(copy, tmp_path)
    assert all(reply["note"] is None for reply in asked(PYONGYANG, env))
    done = faqbot("learn", "out-of-scope", PYONGYANG[0], "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert "Now: refused as out of scope." in done.stdout
    for question, reply in zip(PYONGYANG, asked(PYONGYANG, env), strict=True):
        assert reply["outcome"] == "none" and reply["note"], question
    assert faqbot("validate", env=env).returncode == 0


def test_a_note_names_one_group_for_every_phrasing(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env_for(copy, tmp_path).items():
        monkeypatch.setenv(key, value)
    note = ["--note", "The weather is not something this FAQ covers.", "--yes"]
    weather = ["what is the weather in pyongyang today", "is it raining in pyongyang"]
    assert main(["learn", "out-of-scope", *weather, *note]) == 0
    # A later call with the same note joins that group instead of starting another.
    assert main(["learn", "out-of-scope", "will it snow in pyongyang this week", *note]) == 0
    blocks = yaml.safe_load(copy.read_text(encoding="utf-8"))["out_of_scope"]
    (group,) = [b for b in blocks if b.get("note") == note[1]]
    assert group["phrasings"] == [*weather, "will it snow in pyongyang this week"]


def test_interactive_confirmation_can_reword_or_cancel(
    copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in env_for(copy, tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    # The first rewording would get the safety reply: refused, and asked again.
    answers = iter(["my aunt in hyesan, are banks there safe", "are banks in nk safe", ""])
    monkeypatch.setattr("builtins.input", lambda _prompt="": next(answers))
    assert main(["learn", "add", "banks", "my teacher mr kim in seoul says nk has banks"]) == 0
    captured = capsys.readouterr()
    assert "take out names, places and other details" in captured.out
    assert "gets the safety reply" in captured.err
    text = copy.read_text(encoding="utf-8")
    assert "      - are banks in nk safe\n" in text
    assert "my aunt in hyesan" not in text and "mr kim" not in text
    answers = iter(["n"])
    assert main(["learn", "add", "banks", "one more phrasing about banks"]) == 1
    assert "Nothing written." in capsys.readouterr().out
    assert "one more phrasing about banks" not in copy.read_text(encoding="utf-8")
    # Without a terminal and without --yes, nothing is asked and nothing is written.
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert main(["learn", "add", "banks", "yet another phrasing"]) == 2


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["why", "do", "they", "stay"], ["why do they stay"]),
        (["why do they stay"], ["why do they stay"]),
        (["why do they stay", "how come they stay"], ["why do they stay", "how come they stay"]),
        (["why", "stay"], ["why stay"]),
    ],
)
def test_quoted_phrasings_are_taken_one_by_one(argv: list[str], expected: list[str]) -> None:
    assert phrasings(argv) == expected


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["why", "north korea", "bans"], "quote each phrasing whole"),  # words or phrasings?
        (["are banks safe", "Are banks safe?"], "is given twice"),
    ],
)
def test_ambiguous_or_repeated_phrasings_are_refused(argv: list[str], error: str) -> None:
    with pytest.raises(LearnError, match=error):
        phrasings(argv)


def test_several_phrasings_in_one_call_are_each_an_alternate(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in env_for(copy, tmp_path).items():
        monkeypatch.setenv(key, value)
    before = copy.read_text(encoding="utf-8")
    # One of them gets the safety reply: it is refused, and neither is written.
    bad = ["learn", "add", "banks", "are banks in nk safe", "my aunt in hyesan needs a bank"]
    assert main([*bad, "--yes"]) != 0
    assert "“my aunt in hyesan needs a bank” gets the safety reply" in capsys.readouterr().err
    assert copy.read_text(encoding="utf-8") == before
    good = ["learn", "add", "banks", "are banks in nk safe", "do north koreans keep savings"]
    assert main([*good, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Added “are banks in nk safe” to banks" in out
    assert "Added “do north koreans keep savings” to banks" in out
    added = copy.read_text(encoding="utf-8").splitlines()
    assert "      - are banks in nk safe" in added
    assert "      - do north koreans keep savings" in added
    assert "are banks in nk safe do north koreans" not in copy.read_text(encoding="utf-8")


GATED_SET = """\
- {q: what about the first thing, expect: first}
- {q: the second thing, expect: second}
- {q: tell me the first thing, expect: first}
- {q: what is the weather, expect: none}
"""


def test_a_change_that_drops_the_figures_is_refused_unless_forced(
    write_yaml: Callable[[str, str], Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    faq = write_yaml(MINIMAL, "faq.yaml")
    devset = write_yaml(GATED_SET, "devset.yaml")
    monkeypatch.setenv("FAQBOT_KNOWLEDGE", str(faq))
    monkeypatch.setenv("FAQBOT_LEARN_DEVSET", str(devset))
    args = ["learn", "add", "second", "what about the first thing", "--yes"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "refused: accuracy would fall from 100.0% to 66.7%, below 92%" in err
    # The moderator is told which labelled question the change would break.
    assert "Now wrong: “what about the first thing” (expects first)." in err
    assert "what about the first thing" not in faq.read_text(encoding="utf-8")
    # Of two phrasings, the gate refuses the second after the first was written: said so.
    two = ["learn", "add", "second", "second thing please tell", "what about the first thing"]
    assert main([*two, "--yes"]) == 1
    captured = capsys.readouterr()
    assert "Added “second thing please tell” to second" in captured.out
    assert "Written: 1 of 2; the rest were not." in captured.out
    assert "refused: accuracy would fall" in captured.err
    assert main([*args, "--force"]) == 0
    out = capsys.readouterr().out
    assert "written despite the eval gate" in out
    assert "Now wrong: “what about the first thing” (expects first)." in out
    assert main(["learn", "history"]) == 0
    assert "[forced past the eval gate]" in capsys.readouterr().out


def test_history_lists_every_change_with_time_platform_and_moderator(
    copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in env_for(copy, tmp_path).items():
        monkeypatch.setenv(key, value)
    for args in (
        ["add", "banks", "can ppl in nk open a bank account", "--by", "Min-ji"],
        ["out-of-scope", "is pyongyang worth a visit", "--by", "Sam"],
    ):
        assert main(["learn", *args, "--yes"]) == 0
    capsys.readouterr()
    assert main(["learn", "history"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC  cli      Min-ji: added “can ppl", lines[0])
    assert "Sam: out of scope: “is pyongyang worth a visit”" in lines[1]
    assert main(["learn", "history", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["platform"] for r in records} == {"cli"}
    assert all(
        set(r) >= {"at", "moderator", "change", "phrasing", "before", "after"} for r in records
    )


def test_two_writers_never_interleave(copy: Path) -> None:
    learner = Learner(LearnConfig(copy, devset=None))
    phrasings = [f"banks question number {n}" for n in range(4)]
    errors: list[BaseException] = []

    def teach(phrasing: str) -> None:
        try:
            Learner(LearnConfig(copy, devset=None)).apply(
                Change.add("banks", phrasing), moderator="t", platform="test"
            )
        except BaseException as exc:
            errors.append(exc)

    with write_lock(copy.parent):  # another writer holds the FAQ
        threads = [threading.Thread(target=teach, args=(p,)) for p in phrasings]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        assert not any(p in copy.read_text(encoding="utf-8") for p in phrasings)
    for thread in threads:
        thread.join(60)
    assert errors == []
    text = copy.read_text(encoding="utf-8")
    assert all(text.count(p) == 1 for p in phrasings)  # every write kept: none lost another
    assert learner.check(Change.add("banks", "fresh phrasing")).phrasing == "fresh phrasing"


def test_the_file_is_replaced_atomically_and_keeps_its_mode(copy: Path) -> None:
    copy.chmod(0o640)
    inode = copy.stat().st_ino
    Learner(LearnConfig(copy, devset=None)).apply(
        Change.add("banks", "nk bank accounts?"), moderator="t", platform="test"
    )
    assert copy.stat().st_ino != inode  # a new file renamed over the old one
    assert copy.stat().st_mode & 0o777 == 0o640
    assert not list(copy.parent.glob("*.learn-tmp"))


def test_a_broken_faq_is_refused_before_anything_is_written(copy: Path) -> None:
    text = copy.read_text(encoding="utf-8")
    broken = text.replace("question: Is it illegal to leave North Korea?", "question: yes", 1)
    copy.write_text(broken, encoding="utf-8")
    expected = r"does not validate as it is; fix it first: .*faq\.yaml:\d+: entry 'leaving-illegal'"
    with pytest.raises(LearnError, match=expected):
        Learner(LearnConfig(copy, devset=None)).apply(
            Change.add("banks", "nk bank accounts?"), moderator="t", platform="test"
        )
    assert copy.read_text(encoding="utf-8") == broken


def test_a_folder_faq_gets_the_phrasing_in_the_file_that_holds_the_entry(tmp_path: Path) -> None:
    folder = tmp_path / "faq"
    folder.mkdir()
    base = yaml.safe_load(MINIMAL)
    second = base["entries"].pop()
    (folder / "a.yaml").write_text(yaml.safe_dump(base, sort_keys=False), encoding="utf-8")
    (folder / "b.yaml").write_text(
        yaml.safe_dump({"version": 1, "entries": [second]}, sort_keys=False), encoding="utf-8"
    )
    applied = Learner(LearnConfig(folder, devset=None)).apply(
        Change.add("second", "the 2nd thing"), moderator="t", platform="test"
    )
    assert applied.file.name == "b.yaml"
    assert "the 2nd thing" in (folder / "b.yaml").read_text(encoding="utf-8")
    assert (folder / "learn-history.jsonl").exists()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_commit_records_each_change_with_a_readable_message(copy: Path, tmp_path: Path) -> None:
    folder = copy.parent
    for args in (["init", "-q"], ["add", "faq.yaml"]):
        subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(folder),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@x",
            "commit",
            "-qm",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    (folder / "notes.txt").write_text("a moderator's unrelated work in progress")
    env = env_for(copy, tmp_path, FAQBOT_LEARN_GIT_COMMIT="true")
    done = faqbot("learn", "add", "banks", "nk bank accounts?", "--yes", "--by", "Jo", env=env)
    assert done.returncode == 0, done.stderr
    assert "Committed as " in done.stdout
    log = subprocess.run(
        ["git", "-C", str(folder), "log", "-1", "--format=%s%n%b", "--name-only"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "learn: add “nk bank accounts?” (banks)" in log and "Taught by Jo on cli" in log
    assert "faq.yaml" in log and "learn-history.jsonl" in log and "notes.txt" not in log

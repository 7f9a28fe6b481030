"""Settings people cannot break by accident, and a bot that runs from any folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, settings_free_env


def faqbot(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = settings_free_env("FAQBOT_LOG_PATH")
    return subprocess.run(
        [sys.executable, "-m", "adapters", *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def every_line_uncommented_and_empty() -> str:
    """.env.example with every commented-out setting switched on but left empty."""
    lines = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        stripped = line.lstrip("# ")
        if (
            "=" in stripped
            and stripped.split("=", 1)[0].isupper()
            and " " not in stripped.split("=", 1)[0]
        ):
            name, value = stripped.split("=", 1)
            lines.append(f"{name}=" if line.startswith("#") else f"{name}={value}")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "args",
    [
        ("ask", "is it illegal to leave"),
        ("ask", "--json", "is it illegal to leave"),
        ("topics",),
        ("validate",),
        ("eval", "--no-holdout"),
    ],
)
def test_a_copied_env_with_empty_lines_breaks_no_command(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    (tmp_path / ".env").write_text(every_line_uncommented_and_empty(), encoding="utf-8")
    done = faqbot(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def test_from_another_folder_the_shipped_faq_answers_with_sources(tmp_path: Path) -> None:
    done = faqbot(tmp_path, "ask", "--json", "is it illegal to leave north korea")
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert reply["outcome"] == "answer" and reply["sources"]
    assert not (tmp_path / "data").exists()  # no surprise ./data next to the user


@pytest.mark.parametrize(
    ("env", "args", "names"),
    [
        ({"FAQBOT_LOG_LEVEL": "LOUD"}, ("ask", "x"), ["FAQBOT_LOG_LEVEL=LOUD", "DEBUG", "WARNING"]),
        ({"FAQBOT_LOG_LEVEL": "info"}, ("ask", "x"), None),  # any case is fine
        (
            {"FAQBOT_SUGGEST_THRESHOLD": "0.9"},
            ("ask", "x"),
            ["FAQBOT_SUGGEST_THRESHOLD=0.9", "FAQBOT_ANSWER_THRESHOLD"],
        ),
        (
            {"FAQBOT_MAX_QUESTION_CHARS": "five"},
            ("ask", "x"),
            ["FAQBOT_MAX_QUESTION_CHARS=five", "integer"],
        ),
        ({"TELEGRAM_MODERATOR_IDS": "42"}, ("ask", "x"), None),  # not read outside `run`
        ({"TELEGRAM_MODERATOR_IDS": "alice"}, ("run",), ["TELEGRAM_MODERATOR_IDS", "JSON"]),
        ({"DISCORD_GUILD_ID": "my server"}, ("run",), ["DISCORD_GUILD_ID=my server", "integer"]),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    tmp_path: Path, env: dict[str, str], args: tuple[str, ...], names: list[str] | None
) -> None:
    done = faqbot(tmp_path, *args, env=env)
    if names is None:
        assert done.returncode == 0, done.stderr
        return
    assert done.returncode == 1
    error = done.stderr.strip()
    assert "\n" not in error and "Traceback" not in error
    for name in names:
        assert name in error


def test_init_scaffolds_a_folder_that_runs(tmp_path: Path) -> None:
    done = faqbot(tmp_path, "init", "community")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "community"
    assert (folder / "knowledge" / "faq.yaml").is_file()
    assert (folder / ".env").stat().st_mode & 0o077 == 0  # tokens go there: owner only
    edited = (folder / "knowledge" / "faq.yaml").read_text(encoding="utf-8")
    (folder / "knowledge" / "faq.yaml").write_text(
        edited.replace("Is it illegal to leave North Korea?", "Is leaving the country a crime?"),
        encoding="utf-8",
    )
    asked = faqbot(folder, "ask", "--json", "is it illegal to leave north korea")
    assert json.loads(asked.stdout)["entry"]["question"] == "Is leaving the country a crime?"
    again = faqbot(tmp_path, "init", "community")
    assert again.returncode == 1 and "already exists" in again.stderr

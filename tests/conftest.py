from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.conversation import Asker, Conversation, Show
from bot.reply import Reply
from bot.service import FaqService

# No test touches the real data folder (~/.local/share/faqbot): a purge or a log written
# there would be a moderator's. Subprocesses inherit this, even those that drop FAQBOT_*.
_DATA_HOME = tempfile.mkdtemp(prefix="faqbot-tests-")
os.environ["XDG_DATA_HOME"] = _DATA_HOME
atexit.register(shutil.rmtree, _DATA_HOME, ignore_errors=True)
# With the [semantic] extra installed, every bot started by a test would spend seconds
# loading torch: the semantic re-ranker is off unless a test (test_semantic.py) asks for it.
SEMANTIC_OFF = "FAQBOT_SEMANTIC_MODEL"
os.environ[SEMANTIC_OFF] = "off"

# Throwaway PostgreSQL clusters: the `postgres`, `pg_url` and `own_postgres` fixtures.
pytest_plugins = ["tests.postgres"]

ROOT = Path(__file__).resolve().parent.parent
FAQ = ROOT / "knowledge" / "faq.yaml"

MINIMAL = """\
version: 1
sources:
  - id: src
    title: A source
    sections: [Part One]
topics:
  - id: tp
    title: A topic
    summary: About things.
entries:
  - id: first
    topic: tp
    question: What is the first thing?
    alternates: [first thing please]
    answer: The first answer.
    sources:
      - {source: src, section: Part One}
  - id: second
    topic: tp
    question: What about the second thing?
    answer: The second answer.
    sources: [{source: src}]
    related: [first]
"""


@pytest.fixture(scope="session", autouse=True)
def _question_log_outside_the_repo(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Commands the tests start write their question log and data to a temporary folder."""
    os.environ["FAQBOT_LOG_PATH"] = str(tmp_path_factory.mktemp("log") / "questions.sqlite3")
    os.environ["FAQBOT_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def service() -> FaqService:
    return FaqService.from_path(FAQ)


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "faq.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def ask_logged(service: FaqService, text: str, platform: str = "console") -> Reply:
    """Ask as an adapter does (through the conversation layer: logged and counted)."""
    return asyncio.run(ask_logged_async(service, text, platform))


async def ask_logged_async(service: FaqService, text: str, platform: str = "console") -> Reply:
    """`ask_logged` for async tests; the asker is trusted, so no rate limit applies."""
    result = await Conversation(service).ask(Asker(platform, local=True), text)
    assert isinstance(result, Show)
    return result.reply


def settings_free_env(*keep: str) -> dict[str, str]:
    """This process's environment without any FAQBOT_, TELEGRAM_ or DISCORD_ setting.

    A `faqbot` subprocess then runs on its defaults plus what a test gives it, never on a
    setting the runner happens to have; `keep` names settings to pass through anyway.
    """
    return {
        k: v
        for k, v in os.environ.items()
        if k in (*keep, SEMANTIC_OFF) or not k.startswith(("FAQBOT_", "TELEGRAM_", "DISCORD_"))
    }

"""Live reload: saves are picked up, broken saves are refused, readers never see half a FAQ."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.reply import Outcome
from bot.service import FaqService
from bot.watch import Reloaded, watch_knowledge
from tests.conftest import MINIMAL

EDITED = MINIMAL.replace("The first answer.", "An edited answer.")


class Watching:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.service = FaqService.from_path(path)
        self.results: list[tuple[str, bool]] = []
        self.changed = asyncio.Event()

    async def on_result(self, result: Reloaded) -> None:
        self.results.append((result.text, result.ok))
        self.changed.set()

    def answer(self) -> str:
        reply = self.service.ask("what is the first thing")
        assert reply.entry is not None
        return reply.entry.answer

    async def next_result(self) -> tuple[str, bool]:
        await asyncio.wait_for(self.changed.wait(), 10)
        self.changed.clear()
        return self.results[-1]


@pytest.fixture
async def watching(write_yaml: Callable[[str], Path]) -> AsyncIterator[Watching]:
    w = Watching(write_yaml(MINIMAL))
    stop = asyncio.Event()
    task = asyncio.create_task(
        watch_knowledge(w.service, w.path, stop, w.on_result, debounce_ms=50)
    )
    await asyncio.sleep(0.3)  # let the watcher start
    yield w
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_in_place_save_reloads(watching: Watching) -> None:
    watching.path.write_text(EDITED, encoding="utf-8")
    message, ok = await watching.next_result()
    assert ok and "FAQ reloaded: 2 entries" in message
    assert watching.answer() == "An edited answer."


async def test_rename_save_reloads(watching: Watching) -> None:
    temp = watching.path.with_name(".faq.yaml.tmp")
    temp.write_text(EDITED, encoding="utf-8")
    os.replace(temp, watching.path)  # how many editors save
    _message, ok = await watching.next_result()
    assert ok and watching.answer() == "An edited answer."


async def test_invalid_save_keeps_old_answers_and_reports_file_and_line(watching: Watching) -> None:
    watching.path.write_text(
        MINIMAL.replace("answer: The first answer.", "answer: yes"), encoding="utf-8"
    )
    message, ok = await watching.next_result()
    assert not ok
    assert "faq.yaml:15: entry 'first': answer must be text" in message
    assert str(watching.path.parent) not in message  # moderators' chats see no server paths
    assert "still answering from the last good version" in message
    assert watching.answer() == "The first answer."


async def test_other_files_in_the_folder_are_ignored(watching: Watching) -> None:
    (watching.path.parent / "notes.txt").write_text("hello", encoding="utf-8")
    await asyncio.sleep(0.5)
    assert watching.results == []


def test_questions_during_repeated_reloads_always_get_complete_answers(
    write_yaml: Callable[[str], Path],
) -> None:
    path = write_yaml(MINIMAL)
    service = FaqService.from_path(path)
    versions = [MINIMAL, EDITED]
    failures: list[str] = []
    done = threading.Event()

    def ask() -> None:
        while not done.is_set():
            reply = service.ask("what is the first thing")
            if reply.outcome is not Outcome.ANSWER or reply.entry is None or not reply.citations:
                failures.append(repr(reply))
            elif reply.entry.answer not in ("The first answer.", "An edited answer."):
                failures.append(reply.entry.answer)

    askers = [threading.Thread(target=ask) for _ in range(3)]
    for t in askers:
        t.start()
    for i in range(30):
        path.write_text(versions[i % 2], encoding="utf-8")
        service.reload()
    done.set()
    for t in askers:
        t.join()
    assert failures == []

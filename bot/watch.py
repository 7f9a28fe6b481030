"""Reload the FAQ when its file or folder changes; a broken edit keeps the last good one."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from bot import kbdiff, messages, metrics
from bot.errors import KnowledgeError
from bot.service import FaqService

__all__ = [
    "ReloadResult",
    "Reloaded",
    "describe_reload",
    "knowledge_filter",
    "reload_and_describe",
    "reload_once",
    "watch_in_thread",
    "watch_knowledge",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reloaded:
    """How a reload went, for moderators.

    Attributes:
        text: One message: the result, then what changed (or every error, file and line).
        ok: The new FAQ is in use.
        changes: What changed since the last good version (`bot.kbdiff`); empty when
            nothing did, or when the reload was refused.
    """

    text: str
    ok: bool
    changes: tuple[str, ...] = ()

    @property
    def worth_telling(self) -> bool:
        """Whether moderators should hear about it: a refused edit, or a real change."""
        return not self.ok or bool(self.changes)


ReloadResult = Callable[[Reloaded], Awaitable[None]]  # notify moderators


def knowledge_filter(path: Path) -> Callable[[watchfiles.Change, str], bool]:
    """Match changes to the FAQ file (or any *.yaml of the FAQ folder).

    The parent directory is what is watched, so editors that save by writing a new file
    and renaming it over the old one are seen too.
    """
    target = path.resolve()

    def relevant(change: watchfiles.Change, changed: str) -> bool:
        p = Path(changed).resolve()
        if target.is_dir():
            return p.parent == target and p.suffix == ".yaml"
        return p == target

    return relevant


def _watched(path: Path) -> Path:
    resolved = path.resolve()
    return resolved if resolved.is_dir() else resolved.parent


def describe_reload(service: FaqService) -> Reloaded:
    """Reload, log the outcome, and describe it for moderators, with what changed.

    The log has full paths; the message names files only, because it is shown in chats.
    """
    old = service.kb
    try:
        kb = service.reload()
    except KnowledgeError as exc:
        metrics.observe_reload(False)
        for issue in exc.issues:
            log.error("reload rejected: %s", issue)
        lines = [f"{Path(i.path).name}:{i.line}: {i.message}" for i in exc.issues]
        return Reloaded("\n".join([messages.RELOAD_REJECTED, *lines]), False)
    metrics.observe_reload(True, len(kb.entries))
    changed = tuple(kbdiff.changes(old, kb))
    text = messages.RELOADED.format(entries=len(kb.entries), topics=len(kb.topics))
    log.warning("%s (%d changes)", text, len(changed))
    return Reloaded("\n".join([text, *changed]), True, changed)


def reload_and_describe(service: FaqService) -> tuple[str, bool]:
    """Reload and describe the result in one message (see `describe_reload`)."""
    result = describe_reload(service)
    return result.text, result.ok


async def reload_once(service: FaqService) -> Reloaded:
    """Reload off the event loop and describe the result."""
    return await asyncio.to_thread(describe_reload, service)


async def watch_knowledge(
    service: FaqService,
    path: Path,
    stop: asyncio.Event,
    on_result: ReloadResult | None = None,
    debounce_ms: int = 300,
) -> None:
    """Reload whenever the FAQ changes, until `stop` is set.

    Args:
        service: What to reload.
        path: The FAQ file or folder.
        stop: Ends the watch.
        on_result: Called with the outcome of every reload (to tell moderators).
        debounce_ms: Changes closer together than this are one reload.
    """
    async for _changes in watchfiles.awatch(
        _watched(path),
        watch_filter=knowledge_filter(path),
        debounce=debounce_ms,
        stop_event=stop,
        recursive=False,
    ):
        result = await reload_once(service)
        if on_result is not None:
            try:
                await on_result(result)
            except Exception:
                log.exception("could not notify moderators about a reload")


def watch_in_thread(service: FaqService, path: Path) -> threading.Event:
    """Watch from a daemon thread (for the blocking console chat); set the event to stop."""
    stop = threading.Event()

    def run() -> None:
        for _changes in watchfiles.watch(
            _watched(path),
            watch_filter=knowledge_filter(path),
            debounce=300,
            stop_event=stop,
            recursive=False,
            raise_interrupt=False,
        ):
            describe_reload(service)

    threading.Thread(target=run, name="faq-watch", daemon=True).start()
    return stop

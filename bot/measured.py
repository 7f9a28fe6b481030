"""A `FaqService` that counts questions, answer latency and reloads in `bot.metrics`.

The conversation layer will call `bot.metrics.observe_question` itself; until it does,
the composition root builds this subclass so `/metrics` has real figures.
"""

from __future__ import annotations

import time

from bot import metrics
from bot.errors import KnowledgeError
from bot.models import KnowledgeBase
from bot.reply import Reply
from bot.service import FaqService

__all__ = ["MeasuredService"]


class MeasuredService(FaqService):
    """`FaqService` with metrics; behaves exactly like it otherwise."""

    def ask(
        self,
        text: str,
        *,
        platform: str | None = None,
        user_id: object = None,
        chat_id: object = None,
    ) -> Reply:
        """Answer as `FaqService.ask`, counting questions that come from a platform."""
        started = time.perf_counter()
        reply = super().ask(text, platform=platform, user_id=user_id, chat_id=chat_id)
        if platform is not None and not reply.is_help:
            metrics.observe_question(platform, reply.outcome.value, time.perf_counter() - started)
        return reply

    def reload(self) -> KnowledgeBase:
        """Reload as `FaqService.reload`, counting the result."""
        try:
            kb = super().reload()
        except KnowledgeError:
            metrics.observe_reload(False)
            raise
        metrics.observe_reload(True, len(kb.entries))
        return kb

"""Moved to `bot.storage`; kept so `bot.service` (being rewritten) need not change yet.

Import `QuestionLog` and `LoggedQuestion` from `bot.storage`. Delete this module once
nothing imports it.
"""

from __future__ import annotations

from bot.storage.qlog import QuestionLog
from bot.storage.schema import LoggedQuestion

__all__ = ["LoggedQuestion", "QuestionLog"]

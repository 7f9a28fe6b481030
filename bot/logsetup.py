"""Logging set-up that keeps secrets and people out of every line, tracebacks included."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["SDK_LOGGERS", "RedactingFormatter", "configure_logging"]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Libraries whose debug output carries whole updates and payloads: who wrote, their name,
# what they asked, interaction tokens. They stay at INFO unless payload logging is asked for.
SDK_LOGGERS = ("telegram", "discord", "httpx", "httpcore", "aiohttp", "websockets", "asyncio")

# Discord interaction and webhook tokens (long base64url strings) and long numeric ids.
_TOKENS = re.compile(r"\b(?:aW50ZXJhY3Rpb246|[A-Za-z0-9_-]{60,})[A-Za-z0-9_.-]*")


class RedactingFormatter(logging.Formatter):
    """Formats a record, then replaces every secret (and interaction token) in the result."""

    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT) -> None:
        """Create the formatter; empty secrets are ignored."""
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """Format the record with secrets replaced by [REDACTED]."""
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[REDACTED]")
        return _TOKENS.sub("[REDACTED]", text)


def configure_logging(
    level: str | int, secrets: Iterable[str] = (), *, payloads: bool = False
) -> None:
    """Log to stderr, one line per event, never showing a secret.

    Args:
        level: The level of the bot's own loggers.
        secrets: Strings (bot tokens, webhook secrets) replaced in every line.
        payloads: Let the platform libraries log at `level` too; their debug output holds
            user ids, names and message text, so it is off unless asked for.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    quiet = max(logging.INFO, numeric if isinstance(numeric, int) else logging.INFO)
    for name in SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if payloads else quiet)
    # httpx logs every request URL at INFO, and Telegram URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)

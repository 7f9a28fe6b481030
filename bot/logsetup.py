"""Logging set-up that keeps secrets (bot tokens) out of every line, tracebacks included."""

from __future__ import annotations

import logging
from collections.abc import Iterable

__all__ = ["RedactingFormatter", "configure_logging"]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats a record, then replaces every secret in the result."""

    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT) -> None:
        """Create the formatter; empty secrets are ignored."""
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """Format the record with secrets replaced by [REDACTED]."""
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[REDACTED]")
        return text


def configure_logging(level: str | int, secrets: Iterable[str] = ()) -> None:
    """Log to stderr, one line per event, never showing a secret.

    httpx logs every request URL at INFO, and Telegram URLs contain the bot token:
    it is kept at WARNING as well as redacted.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)

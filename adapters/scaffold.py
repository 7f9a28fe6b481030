"""`faqbot init`: a folder a new community can start from (its own FAQ and `.env`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.errors import FaqBotError
from faqbot_knowledge import shipped_faq

__all__ = ["ENV_TEMPLATE", "scaffold"]

ENV_TEMPLATE = """\
# faqbot settings for this folder; run `faqbot` from here. Every setting, with its default,
# is in the README's "Settings" table. Empty values mean "not set".

# The FAQ to answer from: edit knowledge/faq.yaml, then `faqbot validate` and `faqbot eval`.
FAQBOT_KNOWLEDGE=knowledge/faq.yaml

# Telegram: the token from @BotFather, and the user ids of your moderators (JSON list).
TELEGRAM_BOT_TOKEN=
TELEGRAM_MODERATOR_IDS=

# Discord: the bot token, and your moderators' user or role ids (JSON lists).
DISCORD_BOT_TOKEN=
DISCORD_MODERATOR_IDS=
DISCORD_MODERATOR_ROLE_IDS=

# The question log keeps question text for this many days (no user ids unless asked).
FAQBOT_LOG_RETENTION_DAYS=30

# With the [semantic] extra installed, an embedding model confirms matches (off: none).
FAQBOT_SEMANTIC_MODEL=
"""


def scaffold(folder: Path) -> list[Path]:
    """Create `knowledge/faq.yaml` (a copy of the shipped FAQ) and `.env` in a folder.

    Returns:
        The files created.

    Raises:
        FaqBotError: One of them exists already (nothing is overwritten).
    """
    faq = folder / "knowledge" / "faq.yaml"
    env = folder / ".env"
    existing = [p for p in (faq, env) if p.exists()]
    if existing:
        raise FaqBotError(f"{existing[0]}: already exists; nothing was changed")
    faq.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shipped_faq(), faq)
    env.write_text(ENV_TEMPLATE, encoding="utf-8")
    env.chmod(0o600)  # it will hold bot tokens
    return [faq, env]

"""Build the learning pieces from the settings (the composition root calls this)."""

from __future__ import annotations

from bot.learn.writer import LearnConfig
from bot.semantic import SemanticModel
from bot.service import Thresholds
from bot.settings import Settings

__all__ = ["learn_config"]


def learn_config(settings: Settings, semantic: SemanticModel | None = None) -> LearnConfig:
    """Read the `FAQBOT_LEARN_*` settings, and the FAQ and thresholds they apply to.

    Args:
        settings: The core settings.
        semantic: The bot's embedding model, if it has one (see `LearnConfig.semantic`).
    """
    return LearnConfig(
        knowledge=settings.knowledge,
        max_file_bytes=settings.max_file_bytes,
        thresholds=Thresholds.from_settings(settings),
        devset=settings.learn_devset,
        min_accuracy=settings.learn_min_accuracy,
        min_refusal=settings.learn_min_refusal,
        history=settings.learn_history,
        git_commit=settings.learn_git_commit,
        semantic=semantic,
    )

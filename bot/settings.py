"""Settings from the environment or `.env` (every one is listed in `.env.example`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from faqbot_knowledge import shipped_devset, shipped_faq

__all__ = ["DEFAULT_DEVSET", "Settings", "default_knowledge"]

# The labelled dev set `faqbot eval` and every learned change are measured on.
DEFAULT_DEVSET = Path(shipped_devset())


def default_knowledge() -> Path:
    """Where the FAQ is when neither `--knowledge` nor FAQBOT_KNOWLEDGE says.

    A `knowledge/` folder in the working directory (its `faq.yaml`, or else its `*.yaml`
    files merged) comes first, so a community's own FAQ next to its `.env` is found; then
    the FAQ installed with the package.
    """
    local = Path("knowledge")
    if (local / "faq.yaml").is_file():
        return (local / "faq.yaml").resolve()
    if local.is_dir() and any(local.glob("*.yaml")):
        return local.resolve()
    return Path(shipped_faq())


class Settings(BaseSettings):
    """Every setting of the core; adapters add their own with their own prefixes."""

    model_config = SettingsConfigDict(
        env_prefix="FAQBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,  # `FAQBOT_X=` left empty in .env means "not set"
    )

    knowledge: Path = Field(default_factory=default_knowledge, description="FAQ file or folder.")
    max_file_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    max_question_chars: int = Field(default=500, ge=20, le=4000)
    answer_threshold: float = Field(default=0.48, ge=0.0, le=1.0)
    suggest_threshold: float = Field(default=0.3, ge=0.0, le=1.0)
    answer_margin: float = Field(default=0.01, ge=0.0, le=1.0)
    semantic_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="Sentence-transformers name or folder for the [semantic] extra; off: none.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "WARNING"
    # Let the platform libraries log whole updates at debug level (they hold ids and text).
    log_payloads: bool = False
    # Storage (bot.storage): where the question log, votes and shared limits live.
    data_dir: Path | None = Field(
        default=None, description="Runtime data folder (default: the per-user data dir)."
    )
    database_url: SecretStr | None = Field(
        default=None, description="sqlite:///PATH or postgresql://... (may hold a password)."
    )
    hash_secret: SecretStr | None = Field(
        default=None, description="Key of the daily HMACs of user ids; replicas share it."
    )
    database_pool_size: int = Field(default=4, ge=1, le=100)
    log_path: Path | None = Field(
        default=None, description="SQLite question log when FAQBOT_DATABASE_URL is unset."
    )
    log_queue_size: int = Field(default=10_000, ge=10)
    log_enabled: bool = True
    log_questions: bool = True
    log_user_ids: bool = False
    log_retention_days: float = Field(default=30.0, gt=0)
    watch: bool = True
    # Rate limits per person (every chat, private ones too) and per group chat.
    question_burst: int = Field(default=5, ge=1)
    question_interval_seconds: float = Field(default=10.0, gt=0)
    click_burst: int = Field(default=15, ge=1)
    click_interval_seconds: float = Field(default=2.0, gt=0)
    group_burst: int = Field(default=10, ge=1)
    group_interval_seconds: float = Field(default=3.0, gt=0)
    reload_interval_seconds: float = Field(default=30.0, gt=0)
    # Teaching the bot (`faqbot learn`, the moderators' buttons under /unanswered).
    learn_git_commit: bool = False
    learn_history: Path | None = Field(
        default=None, description="Audit log of learned changes (default: beside the FAQ)."
    )
    learn_devset: Path = Field(default=DEFAULT_DEVSET, description="Labelled set for the gate.")
    learn_min_accuracy: float = Field(default=0.92, ge=0.0, le=1.0)
    learn_min_refusal: float = Field(default=0.92, ge=0.0, le=1.0)
    learn_undo_seconds: float = Field(default=600.0, ge=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("suggest_threshold")
    @classmethod
    def _below_the_answer_threshold(cls, value: float, info: ValidationInfo) -> float:
        answer = info.data.get("answer_threshold")
        if answer is not None and value > answer:
            raise ValueError(
                f"must not be above FAQBOT_ANSWER_THRESHOLD ({answer}): nothing between the "
                "two could ever be answered"
            )
        return value

    @field_validator(
        "data_dir", "database_url", "hash_secret", "log_path", "learn_history", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        # `FAQBOT_DATABASE_URL=` left empty in a copied .env means "not set", not "".
        return None if isinstance(value, str) and not value.strip() else value

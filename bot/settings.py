"""Settings from the environment or `.env` (every one is listed in `.env.example`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_KNOWLEDGE", "Settings"]

# The FAQ that ships with the project, used when FAQBOT_KNOWLEDGE is not set.
DEFAULT_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge" / "faq.yaml"


class Settings(BaseSettings):
    """Every setting of the core; adapters add their own with their own prefixes."""

    model_config = SettingsConfigDict(
        env_prefix="FAQBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    knowledge: Path = Field(default=DEFAULT_KNOWLEDGE, description="FAQ file or folder.")
    max_file_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    max_question_chars: int = Field(default=500, ge=20, le=4000)
    answer_threshold: float = Field(default=0.48, ge=0.0, le=1.0)
    suggest_threshold: float = Field(default=0.3, ge=0.0, le=1.0)
    answer_margin: float = Field(default=0.01, ge=0.0, le=1.0)
    log_level: str = Field(default="WARNING")
    log_path: Path = Field(default=Path("data/questions.sqlite3"), description="Question log.")
    log_enabled: bool = True
    log_questions: bool = True
    log_user_ids: bool = False
    log_retention_days: float = Field(default=30.0, gt=0)
    watch: bool = True

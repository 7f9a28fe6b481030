"""Platform settings (environment or `.env`), importable without any platform SDK."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DiscordSettings", "TelegramSettings", "configured_secrets"]


class TelegramSettings(BaseSettings):
    """Telegram settings (environment or `.env`); see `.env.example`."""

    model_config = SettingsConfigDict(
        env_prefix="TELEGRAM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org/bot"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"  # a webhook server must accept Telegram's calls
    webhook_port: int = 8443
    webhook_path: str = "telegram"
    webhook_secret: SecretStr | None = None
    user_cooldown_seconds: float = 10.0
    chat_cooldown_seconds: float = 3.0
    # Chats told about rejected FAQ edits; private chats listed here may also use /reload.
    moderator_chat_ids: list[int] = []
    max_retries: int = 3


class DiscordSettings(BaseSettings):
    """Discord settings (environment or `.env`); see `.env.example`."""

    model_config = SettingsConfigDict(
        env_prefix="DISCORD_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    guild_id: int | None = None
    # Channels told about rejected FAQ edits.
    moderator_channel_ids: list[int] = []
    shard_count: int | None = None
    user_cooldown_seconds: float = 10.0
    # For a proxy or a test server only; empty means Discord itself.
    api_base_url: str = ""
    gateway_url: str = ""


def configured_secrets() -> list[str]:
    """Return every configured token and webhook secret, for log redaction."""
    telegram = TelegramSettings()
    found = [telegram.bot_token, telegram.webhook_secret, DiscordSettings().bot_token]
    return [s.get_secret_value() for s in found if s is not None]

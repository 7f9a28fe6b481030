"""Platform settings (environment or `.env`), importable without any platform SDK."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DiscordSettings", "TelegramSettings", "configured_secrets"]


class TelegramSettings(BaseSettings):
    """Telegram settings (environment or `.env`); see `.env.example`."""

    model_config = SettingsConfigDict(
        env_prefix="TELEGRAM_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,  # `TELEGRAM_X=` left empty in .env means "not set"
    )

    bot_token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org/bot"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"  # a webhook server must accept Telegram's calls
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str = "telegram"
    webhook_secret: SecretStr | None = None
    # The people who may /reload and read /unanswered (user ids; group admins are not enough).
    moderator_ids: list[int] = []
    # Chats told about rejected FAQ edits, where moderators may also read reports.
    moderator_chat_ids: list[int] = []
    # Groups the bot may be in; it leaves any other group. None: any group.
    allowed_chat_ids: list[int] | None = None
    max_retries: int = Field(default=3, ge=0, le=10)
    max_concurrent_updates: int = Field(default=32, ge=1, le=1024)
    max_backlog: int = Field(default=1000, ge=1)
    stop_grace_seconds: float = Field(default=8.0, ge=0)


class DiscordSettings(BaseSettings):
    """Discord settings (environment or `.env`); see `.env.example`."""

    model_config = SettingsConfigDict(
        env_prefix="DISCORD_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
    )

    bot_token: SecretStr | None = None
    guild_id: int | None = None
    # The people (user ids) and roles (role ids; each belongs to one server) who moderate.
    moderator_ids: list[int] = []
    moderator_role_ids: list[int] = []
    # Channels told about rejected FAQ edits, where moderators may also read reports.
    moderator_channel_ids: list[int] = []
    # Servers the bot may be in; it leaves any other server. None: any server.
    allowed_guild_ids: list[int] | None = None
    shard_count: int | None = Field(default=None, ge=1)
    # For a proxy or a test server only; empty means Discord itself.
    api_base_url: str = ""
    gateway_url: str = ""


class _Secrets(BaseSettings):
    """Only the secrets: read even when another platform setting is broken."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    discord_bot_token: SecretStr | None = None


def configured_secrets() -> list[str]:
    """Return every configured token and webhook secret, for log redaction."""
    found = _Secrets()
    secrets = [found.telegram_bot_token, found.telegram_webhook_secret, found.discord_bot_token]
    return [s.get_secret_value() for s in secrets if s is not None]

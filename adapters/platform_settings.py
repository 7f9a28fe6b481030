"""Platform settings (environment or `.env`), importable without any platform SDK."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.settings_errors import SettingsProblem

__all__ = ["DiscordSettings", "PlatformSettingError", "TelegramSettings", "configured_secrets"]

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class PlatformSettingError(SettingsProblem):
    """A platform setting is invalid; the message is one line naming the variable.

    Raised from validators on purpose instead of `ValueError`: pydantic lets it through
    unwrapped, so however the settings are read the message is this line (which also
    says how the setting relates to others) rather than a validation report. Messages
    never repeat a token or secret.
    """


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

    @property
    def webhook_endpoint(self) -> str | None:
        """The address Telegram posts updates to (None in polling mode)."""
        if not self.webhook_url:
            return None
        return self.webhook_url.rstrip("/") + "/" + self.webhook_path

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token_charset(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram refuses other secrets at setWebhook; say so before connecting.
        if value is not None and not _SECRET_TOKEN.fullmatch(value.get_secret_value()):
            raise PlatformSettingError(
                "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ - "
                "(e.g. openssl rand -hex 32)"
            )
        return value


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
    # The shards this process connects ("0,1" or "[0,1]"); None: all DISCORD_SHARD_COUNT.
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None
    # For a proxy or a test server only; empty means Discord itself.
    api_base_url: str = ""
    gateway_url: str = ""

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _parse_shard_ids(cls, value: Any, info: ValidationInfo) -> tuple[int, ...] | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        raw = value if isinstance(value, (list, tuple)) else str(value).strip().strip("[]")
        parts = raw if isinstance(raw, (list, tuple)) else raw.split(",")
        try:
            ids = tuple(int(str(p).strip()) for p in parts)
        except ValueError:
            raise PlatformSettingError(
                f"DISCORD_SHARD_IDS={_shown(value)}: expected shard numbers such as 0,1"
            ) from None
        if "shard_count" not in info.data:  # invalid itself: pydantic reports that one
            return ids
        count = info.data["shard_count"]
        if count is None:
            raise PlatformSettingError(
                f"DISCORD_SHARD_IDS={_shown(value)} needs DISCORD_SHARD_COUNT, the number of "
                "shards across every process"
            )
        wrong = sorted({i for i in ids if not 0 <= i < count})
        if not ids or wrong:
            raise PlatformSettingError(
                f"DISCORD_SHARD_IDS={_shown(value)}: shards are numbered 0 to {count - 1} "
                f"with DISCORD_SHARD_COUNT={count}"
            )
        if len(set(ids)) != len(ids):
            raise PlatformSettingError(
                f"DISCORD_SHARD_IDS={_shown(value)}: a shard is listed twice"
            )
        return tuple(sorted(ids))

    @property
    def shards(self) -> tuple[int, ...]:
        """The shard ids this process connects ((0,) when unsharded)."""
        if self.shard_ids is not None:
            return self.shard_ids
        return tuple(range(self.shard_count or 1))

    @property
    def syncs_commands(self) -> bool:
        """Whether this process syncs the slash commands: the one holding shard 0.

        Exactly one process holds shard 0 in any complete split of the gateway (Discord
        also sends DMs there), so no extra setting is needed; a second sync would only
        repeat the same idempotent bulk overwrite.
        """
        return 0 in self.shards


def _shown(value: Any) -> str:
    text = ",".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    return text[:40]


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

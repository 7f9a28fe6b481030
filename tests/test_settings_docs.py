"""Every core and HTTP setting is in the README's table and in .env.example."""

from __future__ import annotations

import pytest

from adapters.http_health import HttpSettings
from adapters.platform_settings import DiscordSettings, TelegramSettings
from bot.settings import Settings
from tests.conftest import ROOT

NAMES = sorted(
    [f"FAQBOT_{name.upper()}" for name in Settings.model_fields]
    + [f"FAQBOT_HTTP_{name.upper()}" for name in HttpSettings.model_fields]
)


@pytest.mark.parametrize("name", NAMES)
def test_setting_is_documented(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = f"| `{name}` |" in readme or any(
        f"| `{name}` / `" in line or f"/ `{name}` |" in line for line in readme.splitlines()
    )
    assert documented
    assert f"{name}=" in example


@pytest.mark.parametrize(
    "name",
    sorted(
        [f"TELEGRAM_{n.upper()}" for n in TelegramSettings.model_fields]
        + [f"DISCORD_{n.upper()}" for n in DiscordSettings.model_fields]
    ),
)
def test_platform_setting_is_documented(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    stem = name.rsplit("_", 1)[0]
    assert f"`{name}`" in readme or f"`{stem}_" in readme
    assert f"{name}=" in example

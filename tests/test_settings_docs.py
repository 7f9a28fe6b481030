"""Every core and HTTP setting is in the README's table and in .env.example."""

from __future__ import annotations

import pytest

from adapters.http_health import HttpSettings
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
    assert f"| `{name}` |" in readme
    assert f"{name}=" in example

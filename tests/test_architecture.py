"""The core never imports a platform SDK."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import sys, pkgutil, importlib, bot
for mod in pkgutil.walk_packages(bot.__path__, "bot."):
    if mod.name != "bot.__main__":
        importlib.import_module(mod.name)
from bot.service import FaqService
FaqService.from_path("knowledge/faq.yaml").ask("why can't they leave")
bad = sorted(m for m in sys.modules if m.split(".")[0] in {"telegram", "discord", "adapters"})
print(",".join(bad))
"""


def test_core_imports_no_platform_sdk() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == ""

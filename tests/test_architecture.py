"""Dependencies point one way: adapters -> core, never back, and the core imports no SDK."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

FORBIDDEN_IN_CORE = {"adapters", "telegram", "discord"}


def _imported_roots(path: Path) -> set[str]:
    """Every top-level module a file imports, at any depth (lazy imports included)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize(
    "path", sorted((ROOT / "bot").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_core_module_imports_no_adapter_or_sdk(path: Path) -> None:
    assert _imported_roots(path) & FORBIDDEN_IN_CORE == set()


def test_static_check_sees_a_lazy_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from adapters.runner import serve\n    import discord\n")
    assert _imported_roots(sample) >= {"adapters", "discord"}


PROBE = """
import sys, pkgutil, importlib, bot
for mod in pkgutil.walk_packages(bot.__path__, "bot."):
    importlib.import_module(mod.name)
from bot.service import FaqService
FaqService.from_path("knowledge/faq.yaml").ask("why can't they leave")
bad = sorted(m for m in sys.modules if m.split(".")[0] in {"telegram", "discord", "adapters"})
print(",".join(bad))
"""


def test_core_imports_no_platform_sdk_at_run_time() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == ""


@pytest.mark.parametrize(
    "module", ["bot.service", "bot.settings", "bot.conversation", "bot.storage", "bot.report"]
)
def test_each_entry_module_imports_first_without_a_cycle(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr

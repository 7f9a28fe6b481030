"""docs/deploy.md: the systemd unit it shows is one systemd accepts."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "deploy.md"


def unit_from_docs() -> str:
    blocks = re.findall(r"```ini\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    (unit,) = [str(b) for b in blocks if "ExecStart=/opt/faqbot/.venv/bin/faqbot run" in b]
    return unit


def test_unit_runs_faqbot_with_its_data_directory() -> None:
    unit = unit_from_docs()
    assert "Environment=FAQBOT_DATA_DIR=/var/lib/faqbot" in unit
    assert "StateDirectory=faqbot" in unit and "UMask=0077" in unit


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not here")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    faqbot = Path(sys.executable).parent / "faqbot"
    assert faqbot.exists()
    # The unit names the documented install path; verify it against this checkout's one.
    unit = unit_from_docs().replace("/opt/faqbot/.venv/bin/faqbot", str(faqbot))
    path = tmp_path / "faqbot.service"
    path.write_text(unit, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert str(path) not in done.stderr and "faqbot.service" not in done.stderr, done.stderr

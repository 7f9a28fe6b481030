"""The safety check's verdicts do not depend on the process (bot/safety.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# "browser" is two slips from both "brother" and "broker": a tie the repair must settle the
# same way in every process, whatever order Python's hash seed gives the vocabulary set.
_PROBE = "from bot.safety import _normalize; print(_normalize('wipe my browser history'))"


@pytest.mark.parametrize("seed", ["1", "3"])
def test_typo_repair_settles_ties_the_same_way_under_any_hash_seed(seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "wipe my broker history"

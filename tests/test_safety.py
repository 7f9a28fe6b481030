"""The safety check's typo repair (bot/safety.py): the same in every process, and not too eager."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.safety import _normalize
from bot.safety_rules import ANY_RULE, NK_CONTEXT, RULES, VISITOR
from bot.service import FaqService

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


def test_beijing_is_not_a_typo_of_bribing(service: FaqService) -> None:
    text = (
        "I'm thinking of joining a guided tour to Pyongyang next year through a travel agency "
        "in Beijing. My friends say I'm crazy. Can foreign tourists actually visit North Korea?"
    )
    assert not service.ask(text).is_safety


def test_the_combined_scan_finds_every_message_a_rule_catches(service: FaqService) -> None:
    # The safety check skips its rules when ANY_RULE finds nothing: that must never skip a
    # rule that applies. Checked on every probe and every example in the FAQ's safety block.
    texts = [
        t for f in _PROBES for kind in yaml.safe_load(f.read_text("utf-8")).values() for t in kind
    ]
    safety = service.kb.safety
    assert safety is not None
    texts += [*safety.triggers, *safety.not_triggers]
    caught = 0
    for text in texts:
        plain = _normalize(text)
        nk, visitor = NK_CONTEXT.search(plain) is not None, VISITOR.search(plain) is not None
        if any(rule.applies(plain, nk=nk, visitor=visitor) for rule in RULES):
            caught += 1
            assert ANY_RULE.search(plain), text
    assert caught >= 100


_PROBES = sorted((Path(__file__).parent / "independent").glob("safety_probes*.yaml"))

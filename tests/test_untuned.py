"""The untuned set: stored as written, labelled separately, read with its kinds."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.errors import FaqBotError
from bot.untuned import load_untuned
from tests.conftest import ROOT

QUESTIONS = ROOT / "tests" / "independent" / "untuned.yaml"
LABELS = ROOT / "tests" / "untuned.yaml"


def test_labels_keep_the_independent_questions_as_written() -> None:
    readme = (QUESTIONS.parent / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(QUESTIONS.read_bytes()).hexdigest() in readme
    written = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    labelled = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    assert [(i["q"], i["kind"]) for i in written] == [(i["q"], i["kind"]) for i in labelled]


def test_the_untuned_set_loads_with_kinds() -> None:
    cases = load_untuned(LABELS)
    kinds = {c.kind for c in cases}
    assert kinds == {"in-scope", "look-alike", "off-topic", "uncovered"}
    assert all(c.expect == "none" for c in cases if c.kind != "in-scope")
    assert any(c.also for c in cases)


@pytest.mark.parametrize(
    ("text", "kind", "accepted"),
    [
        ("- {q: a, kind: in_scope, expect: x, needs: n, seed: s}", "in-scope", {"x"}),
        ("- {q: a, kind: in_scope, expect: x, also: y}", "in-scope", {"x", "y"}),
        ("- {q: a, kind: in_scope, expect: x, also: [y, z]}", "in-scope", {"x", "y", "z"}),
        ("- {q: a, kind: in_scope, expect: none, uncovered: true}", "uncovered", {"none"}),
        ("- {q: a, kind: look_alike, expect: none}", "look-alike", {"none"}),
        ("- {q: a, kind: off_topic, expect: none}", "off-topic", {"none"}),
    ],
)
def test_items(
    write_yaml: Callable[[str, str], Path], text: str, kind: str, accepted: set[str]
) -> None:
    (case,) = load_untuned(write_yaml(text, "set.yaml"))
    assert (case.kind, case.accepted) == (kind, frozenset(accepted))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("q: not a list", "YAML list"),
        ("- {q: a, expect: x}", "item 1 must be"),
        ("- {q: a, kind: trolling, expect: none}", "item 1 must be"),
        ("- {q: a, kind: in_scope, expect: x, secret: y}", "item 1 must be"),
    ],
)
def test_bad_items_are_clear_errors(
    write_yaml: Callable[[str, str], Path], text: str, message: str
) -> None:
    with pytest.raises(FaqBotError, match=message):
        load_untuned(write_yaml(text, "set.yaml"))


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FaqBotError, match="cannot read the untuned set"):
        load_untuned(tmp_path / "absent.yaml")

"""Read the untuned set: questions written without sight of the FAQ, labelled afterwards.

The questions (`tests/independent/untuned.yaml`) were written from the articles alone; a
teammate then labelled each with the entry that answers it (`tests/untuned.yaml`: the same
items in the same order, plus `expect`, optionally `also` and notes). Nothing is tuned on it,
and it is not shipped with the package: an installed bot reports it missing.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.errors import FaqBotError
from bot.evaluate import EvalCase

__all__ = ["KINDS", "load_untuned"]

# The set's own kinds, as reported. An in-scope question that no entry answers (the
# labeller's `expect: none`) must be refused too; it is counted as "uncovered".
KINDS = {"in_scope": "in-scope", "look_alike": "look-alike", "off_topic": "off-topic"}
_NOTES = {"needs", "seed", "why", "uncovered", "second"}


def load_untuned(path: str | Path) -> list[EvalCase]:
    """Read the labelled untuned set.

    Args:
        path: `tests/untuned.yaml`: a YAML list of `{q, kind, expect}` items, with optional
            `also` (an entry id or a list of them) and free-text notes.

    Returns:
        One case per item; out-of-scope cases carry their kind.

    Raises:
        FaqBotError: The file is missing or an item is malformed (names file and item).
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FaqBotError(f"{path}: cannot read the untuned set: {exc}") from exc
    if not isinstance(data, list):
        raise FaqBotError(f"{path}: the untuned set is a YAML list of {{q, kind, expect}}")
    return [_case(path, i, item) for i, item in enumerate(data, 1)]


def _case(path: str | Path, i: int, item: object) -> EvalCase:
    if not (
        isinstance(item, dict)
        and isinstance(item.get("q"), str)
        and isinstance(item.get("expect"), str)
        and item.get("kind") in KINDS
        and set(item) <= {"q", "kind", "expect", "also", *_NOTES}
    ):
        raise FaqBotError(
            f"{path}: item {i} must be {{q: text, kind: {' or '.join(KINDS)}, expect: entry "
            "id or none}} with optional also and notes"
        )
    also = item.get("also", ())
    also = (also,) if isinstance(also, str) else tuple(str(a) for a in also)
    kind = KINDS[item["kind"]]
    if item["expect"] == "none" and kind == "in-scope":
        kind = "uncovered"
    return EvalCase(item["q"], item["expect"], kind, also)

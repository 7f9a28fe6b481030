"""Measure the matcher on a labelled set: accuracy in scope, refusals out of scope."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.errors import FaqBotError
from bot.models import SAFETY_ID
from bot.reply import Outcome, Reply
from bot.service import FaqService

__all__ = ["EvalCase", "EvalReport", "Miss", "evaluate", "load_cases"]

NONE = "none"


@dataclass(frozen=True, slots=True)
class EvalCase:
    """One labelled question: the entry it should get, or "none" for must-refuse."""

    question: str
    expect: str


@dataclass(frozen=True, slots=True)
class Miss:
    """A case the bot got wrong, with what it did instead."""

    case: EvalCase
    outcome: str
    got: str | None
    score: float


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Totals of one evaluation run.

    Attributes:
        in_scope: Cases that expect an entry.
        correct: In-scope cases answered with the expected entry.
        out_of_scope: Cases that expect a refusal.
        refused: Out-of-scope cases not answered (suggest or none).
        misses: Every wrong case.
    """

    in_scope: int
    correct: int
    out_of_scope: int
    refused: int
    misses: tuple[Miss, ...]

    @property
    def accuracy(self) -> float:
        """Top-1 accuracy on in-scope cases (a refusal counts as wrong)."""
        return self.correct / self.in_scope if self.in_scope else 1.0

    @property
    def refusal_rate(self) -> float:
        """Share of out-of-scope cases refused."""
        return self.refused / self.out_of_scope if self.out_of_scope else 1.0


def load_cases(path: str | Path) -> list[EvalCase]:
    """Read a labelled set: a YAML list of `{q: question, expect: ENTRY_ID or none}`.

    `expect: safety` marks a question that must get the safety reply.

    Raises:
        FaqBotError: The file is missing or malformed (names file and item).
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FaqBotError(f"{path}: cannot read labelled set: {exc}") from exc
    if not isinstance(data, list):
        raise FaqBotError(f"{path}: a labelled set is a YAML list of {{q: ..., expect: ...}}")
    cases = []
    for i, item in enumerate(data, 1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("q"), str)
            and isinstance(item.get("expect"), str)
            and set(item) == {"q", "expect"}
        ):
            raise FaqBotError(f"{path}: item {i} must be {{q: text, expect: entry id or none}}")
        cases.append(EvalCase(item["q"], item["expect"]))
    return cases


def evaluate(service: FaqService, cases: list[EvalCase]) -> EvalReport:
    """Ask every question and compare with its label.

    Raises:
        FaqBotError: A case expects an entry the FAQ does not have.
    """
    answerable = {e.id for e in service.kb.entries} | {NONE}
    if service.kb.safety is not None:
        answerable.add(SAFETY_ID)  # the safety reply is an answer with this entry id
    unknown = sorted({c.expect for c in cases if c.expect not in answerable})
    if unknown:
        raise FaqBotError(f"labelled set expects entries the FAQ lacks: {', '.join(unknown)}")
    misses: list[Miss] = []
    correct = refused = 0
    for case in cases:
        reply = service.ask(case.question)
        if case.expect == NONE:
            ok = reply.outcome is not Outcome.ANSWER
            refused += ok
        else:
            ok = reply.matched and reply.entry is not None and reply.entry.id == case.expect
            correct += ok
        if not ok:
            misses.append(Miss(case, reply.outcome.value, _got(reply), reply.score))
    out = sum(c.expect == NONE for c in cases)
    return EvalReport(len(cases) - out, correct, out, refused, tuple(misses))


def _got(reply: Reply) -> str | None:
    if reply.entry is not None:
        return reply.entry.id
    return reply.suggestions[0].entry_id if reply.suggestions else None

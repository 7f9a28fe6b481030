"""Measure the matcher on a labelled set: accuracy in scope, refusals out of scope."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.errors import FaqBotError
from bot.holdout import HoldoutReport, leave_one_out
from bot.models import SAFETY_ID, KnowledgeBase
from bot.reply import Outcome, Reply
from bot.service import FaqService, Snapshot

__all__ = ["EvalCase", "EvalReport", "Miss", "evaluate", "held_out", "load_cases"]

NONE = "none"


@dataclass(frozen=True, slots=True)
class EvalCase:
    """One labelled question: the entry it should get, or "none" for must-refuse.

    Attributes:
        question: The question as a user would type it.
        expect: An entry id, or "none".
        kind: What sort of question it is, where the set says ("look-alike",
            "off-topic", ...); refusals are reported per kind.
        also: Other entries whose answer is right too.
    """

    question: str
    expect: str
    kind: str | None = None
    also: tuple[str, ...] = ()

    @property
    def accepted(self) -> frozenset[str]:
        """Every entry that answers the question right."""
        return frozenset((self.expect, *self.also))


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
        first_right: In-scope cases answered right or whose first suggestion is right.
        wrong: In-scope cases answered outright with another entry.
        by_kind: (kind, refused, total) for the out-of-scope cases of each labelled kind.
    """

    in_scope: int
    correct: int
    out_of_scope: int
    refused: int
    misses: tuple[Miss, ...]
    first_right: int = 0
    wrong: int = 0
    by_kind: tuple[tuple[str, int, int], ...] = ()

    @property
    def accuracy(self) -> float:
        """Top-1 accuracy on in-scope cases (a refusal counts as wrong)."""
        return self.correct / self.in_scope if self.in_scope else 1.0

    @property
    def refusal_rate(self) -> float:
        """Share of out-of-scope cases refused."""
        return self.refused / self.out_of_scope if self.out_of_scope else 1.0

    @property
    def first_right_rate(self) -> float:
        """Share of in-scope cases answered right or with the right first suggestion."""
        return self.first_right / self.in_scope if self.in_scope else 1.0

    def kind_rate(self, kind: str) -> float | None:
        """Return the refusal rate on one kind of out-of-scope case (None if it has none)."""
        for name, refused, total in self.by_kind:
            if name == kind and total:
                return refused / total
        return None


def load_cases(path: str | Path) -> list[EvalCase]:
    """Read a labelled set: a YAML list of `{q: question, expect: ENTRY_ID or none}`.

    `expect: safety` marks a question that must get the safety reply.

    Raises:
        FaqBotError: The file is missing or malformed (names file and item).
    """
    cases = []
    for i, item in enumerate(_read_list(path), 1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("q"), str)
            and isinstance(item.get("expect"), str)
            and set(item) == {"q", "expect"}
        ):
            raise FaqBotError(f"{path}: item {i} must be {{q: text, expect: entry id or none}}")
        cases.append(EvalCase(item["q"], item["expect"]))
    return cases


def _read_list(path: str | Path) -> list[object]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FaqBotError(f"{path}: cannot read labelled set: {exc}") from exc
    if not isinstance(data, list):
        raise FaqBotError(f"{path}: a labelled set is a YAML list of {{q: ..., expect: ...}}")
    return data


def evaluate(service: FaqService, cases: list[EvalCase]) -> EvalReport:
    """Ask every question and compare with its label.

    Raises:
        FaqBotError: A case expects an entry the FAQ does not have.
    """
    answerable = {e.id for e in service.kb.entries} | {NONE}
    if service.kb.safety is not None:
        answerable.add(SAFETY_ID)  # the safety reply is an answer with this entry id
    unknown = sorted({i for c in cases for i in c.accepted if i not in answerable})
    if unknown:
        raise FaqBotError(f"labelled set expects entries the FAQ lacks: {', '.join(unknown)}")
    misses: list[Miss] = []
    correct = refused = first = wrong = 0
    kinds: Counter[tuple[str, bool]] = Counter()
    for case in cases:
        reply = service.ask(case.question)
        got = _got(reply)
        if case.expect == NONE:
            ok = reply.outcome is not Outcome.ANSWER
            refused += ok
            if case.kind is not None:
                kinds[case.kind, ok] += 1
        else:
            ok = reply.matched and got in case.accepted
            correct += ok
            first += ok or (reply.outcome is Outcome.SUGGEST and got in case.accepted)
            wrong += reply.matched and not ok
        if not ok:
            misses.append(Miss(case, reply.outcome.value, got, reply.score))
    out = sum(c.expect == NONE for c in cases)
    names = sorted({kind for kind, _ in kinds})
    by_kind = tuple((k, kinds[k, True], kinds[k, True] + kinds[k, False]) for k in names)
    return EvalReport(len(cases) - out, correct, out, refused, tuple(misses), first, wrong, by_kind)


def held_out(service: FaqService, kb: KnowledgeBase | None = None) -> HoldoutReport:
    """Leave-one-phrasing-out with the service's whole pipeline and thresholds.

    The matcher and the FAQ's vocabulary are rebuilt without the held-out phrasings; the
    safety check is the service's own (trained once, on the whole FAQ: held-out phrasings
    are among its examples of questions that keep their answers).

    Args:
        service: Supplies the thresholds and limits.
        kb: The FAQ whose alternates are held out (default: the service's own).
    """
    safety = service.snapshot.safety

    full = service.snapshot
    model = service.semantic_in_use

    def ask_with(reduced: KnowledgeBase) -> Callable[[str], Reply]:
        # The embeddings of the phrasings that stay are reused from the full FAQ's.
        snapshot = Snapshot.build(reduced, safety=safety, model=model, previous=full)
        return FaqService(
            snapshot,
            thresholds=service.thresholds,
            max_chars=service.max_chars,
            semantic=model,
            semantic_thresholds=service.semantic_thresholds,
        ).ask

    return leave_one_out(kb or service.kb, ask_with)


def _got(reply: Reply) -> str | None:
    if reply.entry is not None:
        return reply.entry.id
    return reply.suggestions[0].entry_id if reply.suggestions else None

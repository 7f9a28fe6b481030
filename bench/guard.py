"""The look-alike guard on questions about other countries (issue 10, point 4).

    python -m bench.guard [--out docs/benchmarks.md]

knowledge/eval/guardset.yaml holds questions written from the articles by a teammate who had
not seen the FAQ: look-alikes about another country or people (must not be answered) and
questions about North Korea that name another place in passing (should be). Even positions
are tuning data and odd positions are held out. Each half is asked with the guard and, in the
same run, with the guard switched off, lexically.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from unittest import mock

import yaml

from bench.datasets import ROOT
from bench.markers import publish
from bot.service import FaqService

START, END = "<!-- guard:start -->", "<!-- guard:end -->"
KINDS = ("look_alike", "north_korea")
OUTCOMES = ("answer", "suggest", "none", "safety")


def outcomes(service: FaqService, questions: Sequence[str]) -> Counter[str]:
    """Count how the service answers each question: answer, suggest, none or safety."""
    counts: Counter[str] = Counter()
    for question in questions:
        reply = service.ask(question)
        counts["safety" if reply.is_safety else reply.outcome.value] += 1
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the guard on both halves of the guard set and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    probes = yaml.safe_load((ROOT / "knowledge" / "eval" / "guardset.yaml").read_text("utf-8"))
    service = FaqService.from_path(ROOT / "knowledge" / "faq.yaml", semantic=None)
    rows = []
    for half, picked in (
        ("even (tuning)", slice(0, None, 2)),
        ("odd (held out)", slice(1, None, 2)),
    ):
        for kind in KINDS:
            questions = probes[kind][picked]
            # The guard switched off: the service's only call to it finds nothing uncovered.
            with mock.patch("bot.service.uncovered_keys", return_value=[]):
                off = outcomes(service, questions)
            on = outcomes(service, questions)
            for label, counts in (("off", off), ("on", on)):
                cells = " | ".join(str(counts[o]) for o in OUTCOMES)
                rows.append(
                    f"| {half} | {kind.replace('_', '-')} | {label} | {len(questions)} | {cells} |"
                )
    lines = [
        START,
        "## Look-alikes about other countries (`python -m bench.guard`)",
        "",
        f"Generated in {time.perf_counter() - began:.0f} s, lexical matcher. Look-alikes should "
        "not be answered; questions about North Korea that name another place should. "
        "Countries come from pycountry (ISO 3166), nationalities and roles from `bot/guard.py`.",
        "",
        "| half | kind | guard | questions | answered | offered | refused | safety reply |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        END,
    ]
    return publish(args.out, lines)


if __name__ == "__main__":
    raise SystemExit(main())

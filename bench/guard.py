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
from typing import Any
from unittest import mock

import yaml

from bench.datasets import ROOT
from bench.markers import publish
from bot.service import FaqService

START, END = "<!-- guard:start -->", "<!-- guard:end -->"


def look_alikes(service: FaqService, questions: Sequence[str]) -> str:
    """Return table cells: answered, offered, refused, safety reply."""
    counts: Counter[str] = Counter()
    for question in questions:
        reply = service.ask(question)
        counts["safety" if reply.is_safety else reply.outcome.value] += 1
    return " | ".join(str(counts[o]) for o in ("answer", "suggest", "none", "safety"))


def ours(service: FaqService, cases: Sequence[dict[str, Any]]) -> str:
    """Return table cells: answered right, right first suggestion, answered wrong, neither."""
    counts: Counter[str] = Counter()
    for case in cases:
        reply = service.ask(case["q"])
        right = {case["expect"], *case.get("also", ())}
        if reply.entry is not None and not reply.is_safety:
            counts["right" if reply.entry.id in right else "wrong"] += 1
        elif reply.suggestions and reply.suggestions[0].entry_id in right:
            counts["first"] += 1
        else:
            counts["neither"] += 1
    return " | ".join(str(counts[o]) for o in ("right", "first", "wrong", "neither"))


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the guard on both halves of the guard set and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    probes = yaml.safe_load((ROOT / "knowledge" / "eval" / "guardset.yaml").read_text("utf-8"))
    service = FaqService.from_path(ROOT / "knowledge" / "faq.yaml", semantic=None)
    halves = (("even (tuning)", slice(0, None, 2)), ("odd (held out)", slice(1, None, 2)))
    tables: dict[str, list[str]] = {"look_alike": [], "north_korea": []}
    for half, picked in halves:
        for kind, measure in (("look_alike", look_alikes), ("north_korea", ours)):
            items = probes[kind][picked]
            # The guard switched off: the service's only call to it finds nothing uncovered.
            with mock.patch("bot.service.uncovered_keys", return_value=[]):
                off = measure(service, items)
            on = measure(service, items)
            for label, cells in (("off", off), ("on", on)):
                tables[kind].append(f"| {half} | {label} | {len(items)} | {cells} |")
    lines = [
        START,
        "## Look-alikes about other countries (`python -m bench.guard`)",
        "",
        f"Generated in {time.perf_counter() - began:.0f} s, lexical matcher. Look-alikes should "
        "not be answered; questions about North Korea that name another place should (labelled with "
        "the entries that answer them, `expect` and `also`). "
        "Countries come from pycountry (ISO 3166), nationalities and roles from `bot/guard.py`.",
        "",
        "| half | guard | look-alikes | answered | offered | refused | safety reply |",
        "|---|---|---|---|---|---|---|",
        *tables["look_alike"],
        "",
        "| half | guard | about North Korea | answered right | right first suggestion | "
        "answered wrong | neither |",
        "|---|---|---|---|---|---|---|",
        *tables["north_korea"],
        END,
    ]
    return publish(args.out, lines)


if __name__ == "__main__":
    raise SystemExit(main())

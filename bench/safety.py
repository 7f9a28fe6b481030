"""How well the safety check generalises to messages written by people it never saw.

Four probe sets were written independently from the articles (tests/independent/); sets 1-3
are shipped in the FAQ as the learned layer's examples, set 4 is held out. Reported:

- leave-one-set-out over sets 1-3: the learned layer trained on two sets plus the FAQ's
  moderator-written triggers, tested on the third (the rules were written while looking at
  sets 1 and 2, so only set 3's rule figures are fair);
- the shipped check (trained on sets 1-3) on the held-out set 4;
- the shipped check on long ordinary messages (knowledge/eval/longset.yaml, written by
  someone who had not seen the FAQ): its even half is in the FAQ's `not_triggers`, its odd
  half is not, so only the odd half's figure is measured, not tuned.

    python -m bench.safety [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import yaml

from bench.markers import replace_section
from bot.loader import load_knowledge
from bot.safety import SafetyCheck

ROOT = Path(__file__).resolve().parent.parent
PROBES = ROOT / "tests" / "independent"
LONG = ROOT / "knowledge" / "eval" / "longset.yaml"
START, END = "<!-- safety:start -->", "<!-- safety:end -->"


def probe_set(n: int) -> dict[str, list[str]]:
    name = "safety_probes.yaml" if n == 1 else f"safety_probes_{n}.yaml"
    data: dict[str, list[str]] = yaml.safe_load((PROBES / name).read_text(encoding="utf-8"))
    return data


def rate(check: SafetyCheck, texts: list[str]) -> float:
    return sum(check.reason(t) is not None for t in texts) / len(texts)


def run() -> list[tuple[Any, ...]]:
    kb = load_knowledge(ROOT / "knowledge" / "faq.yaml")
    assert kb.safety is not None
    sets = {n: probe_set(n) for n in (1, 2, 3, 4)}
    probes = {t for s in sets.values() for t in s["at_risk"] + s["educational"]}
    base = [t for t in kb.safety.triggers if t not in probes]  # the moderators' own
    faq = [p for e in kb.entries for p in e.phrasings]
    faq += [p for g in kb.out_of_scope for p in g.phrasings]
    rules = SafetyCheck(base)
    rows: list[tuple[Any, ...]] = []
    for test in (1, 2, 3):
        train = [t for t in (1, 2, 3) if t != test]
        learned = SafetyCheck(
            base + [x for t in train for x in sets[t]["at_risk"]],
            learned_from=faq + [x for t in train for x in sets[t]["educational"]],
        )
        at_risk, edu = sets[test]["at_risk"], sets[test]["educational"]
        rows.append(
            (
                f"set {test}, trained on sets {train[0]}+{train[1]}",
                len(at_risk),
                rate(rules, at_risk),
                rate(learned, at_risk),
                len(edu),
                rate(rules, edu),
                rate(learned, edu),
            )
        )
    shipped = SafetyCheck(kb.safety.triggers, learned_from=[*kb.safety.not_triggers, *faq])
    at_risk, edu = sets[4]["at_risk"], sets[4]["educational"]
    rows.append(
        (
            "**set 4, held out** (shipped check)",
            len(at_risk),
            rate(rules, at_risk),
            rate(shipped, at_risk),
            len(edu),
            rate(rules, edu),
            rate(shipped, edu),
        )
    )
    long: list[dict[str, str]] = yaml.safe_load(LONG.read_text(encoding="utf-8"))
    for half, name in ((long[1::2], "odd half, held out"), (long[0::2], "even half, trained on")):
        texts = [c["q"] for c in half]
        label = f"long ordinary messages, {name} (shipped check)"
        rows.append((label, 0, None, None, len(texts), rate(rules, texts), rate(shipped, texts)))
    return rows


def render(rows: list[tuple[Any, ...]], seconds: float) -> str:
    lines = [
        START,
        "## Safety check (`python -m bench.safety`)",
        "",
        "Share of independently written at-risk messages that get the safety reply, and of",
        "educational ones that wrongly get it. 'rules' is the transparent layers alone (written",
        "while reading sets 1 and 2, so their figures there are tuned, not measured); 'rules +",
        f"learned' adds the classifier trained as the row says. {seconds:.0f} s. The last two",
        "rows are long messages (story first, question last) that are not at risk; a few of",
        "them are look-alikes that do deserve the safety reply (a defector asking how to send",
        "money home through a broker).",
        "",
        "| test set | at-risk n | rules | rules + learned | educational n | rules | rules + learned |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, n_risk, r1, r2, n_edu, e1, e2 in rows:
        risk = f"{n_risk} | {r1:.1%} | {r2:.1%}" if n_risk else "- | - | -"
        lines.append(f"| {name} | {risk} | {n_edu} | {e1:.1%} | {e2:.1%} |")
    lines.append(END)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    started = time.monotonic()
    report = render(run(), time.monotonic() - started)
    print(report)
    replace_section(args.out, START, END, report)


if __name__ == "__main__":
    main()

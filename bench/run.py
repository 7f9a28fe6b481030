"""Matcher benchmark: quality and latency on four datasets beside two baselines, then scale.

Run from the project root:  .venv/bin/python -m bench.run
Writes docs/benchmarks.md (use --out to change, --no-scale to skip the synthetic FAQs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bench.baselines import BM25Baseline, FuzzBaseline
from bench.datasets import ROOT, Dataset, clinc150, covidfaq, ours, stackfaq
from bench.markers import kept_sections
from bot.matcher import Candidate, HybridMatcher
from bot.reply import Outcome
from bot.service import Thresholds, decide
from bot.settings import Settings

NOTES = """
## Notes

- CovidFAQ is the one P@1 target missed: 0.461 against bm25s's 0.473 (about 17 of 1,387
  queries), while Hit@5 and MRR are slightly ahead. Its user queries are long, often several
  questions in one, asked against 67 short FAQ questions with noisy labels; additive BM25
  suits them, and this matcher is tuned for short chat questions and for refusing what the
  FAQ does not cover. Shifting weight towards BM25 for long queries gained only 0.002, so it
  was left out. The `[semantic]` re-ranker closes it: 0.496 with the extra (section "The
  re-ranker on the public sets", `python -m bench.semantic_sets`).
- CLINC150 thresholds are tuned on `val` + `oos_val` only: the best in-scope accuracy among
  settings that refuse at least 70% of `oos_val` (a margin over the 0.60 target, as 100
  validation queries overstate recall). Baselines get the same tuning; for our FAQ they are
  tuned on the dev set itself, which flatters them, while faqbot uses its shipped defaults.
- Build time and memory at 100k entries: the index is numpy arrays and a scipy sparse
  matrix built with array operations (`bot/termindex.py`), about 8 s and under 500 MB on
  this 2-core machine; before, Python sets and bm25s's per-phrasing loop took 25-32 s and
  850-920 MB (section "Speed and memory beside 1d311c0", `python -m bench.versus`).
"""


class Ranker(Protocol):
    def rank(self, question: str, limit: int = 10) -> list[Candidate]: ...


@dataclass
class Run:
    system: str
    ranked: list[list[Candidate]]
    latencies: list[float]
    build: float


@dataclass
class Row:
    dataset: str
    system: str
    p1: float
    hit5: float
    mrr: float
    p50: float
    p99: float
    extra: str = ""


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(name: str, build: Callable[[], Ranker], questions: list[str]) -> Run:
    start = time.perf_counter()
    ranker = build()
    built = time.perf_counter() - start
    ranked, latencies = [], []
    for q in questions:
        t = time.perf_counter()
        ranked.append(ranker.rank(q, 10))
        latencies.append(time.perf_counter() - t)
    return Run(name, ranked, latencies, built)


def ranking_metrics(run: Run, gold: list[str | None]) -> tuple[float, float, float]:
    p1 = hit5 = mrr = 0.0
    n = 0
    for ranked, expect in zip(run.ranked, gold, strict=True):
        if expect is None:
            continue
        n += 1
        ids = [c.entry_id for c in ranked]
        if ids[:1] == [expect]:
            p1 += 1
        if expect in ids[:5]:
            hit5 += 1
        if expect in ids:
            mrr += 1 / (ids.index(expect) + 1)
    return p1 / n, hit5 / n, mrr / n


def refusal_metrics(
    ranked: list[list[Candidate]], gold: list[str | None], t: Thresholds
) -> tuple[float, float]:
    """In-scope accuracy (refusals count as wrong) and out-of-scope recall."""
    right = ins = refused = oos = 0
    for cands, expect in zip(ranked, gold, strict=True):
        outcome, chosen = decide(cands[:4], t)
        answered = outcome is Outcome.ANSWER
        if expect is None:
            oos += 1
            refused += not answered
        else:
            ins += 1
            right += answered and chosen[0].entry_id == expect
    return right / max(ins, 1), refused / max(oos, 1)


MIN_VAL_RECALL = 0.7


def tune(ranked: list[list[Candidate]], gold: list[str | None]) -> Thresholds:
    """Pick the answer threshold and margin on a validation split.

    The best in-scope accuracy among settings that refuse at least MIN_VAL_RECALL of the
    split's out-of-scope queries (a margin over the 0.60 target, since a small validation
    split overstates recall); if none does, the best accuracy + recall.
    """
    scores = sorted({round(c[0].score, 3) for c in ranked if c})
    grid = [scores[int(i * (len(scores) - 1) / 200)] for i in range(201)] if scores else [0.5]
    best, best_key = Thresholds(), (-1.0, -1.0)
    for margin in (0.0, 0.01, 0.02, 0.04, 0.08):
        for answer in grid:
            t = Thresholds(answer=answer, suggest=min(answer, 0.3), margin=margin)
            acc, rec = refusal_metrics(ranked, gold, t)
            key = (1.0, acc) if rec >= MIN_VAL_RECALL else (0.0, acc + rec)
            if key > best_key:
                best, best_key = t, key
    return best


def bench_dataset(ds: Dataset) -> list[Row]:
    settings = Settings()
    shipped = Thresholds.from_settings(settings)
    systems: list[tuple[str, Callable[[], Ranker]]] = [
        ("faqbot", lambda: HybridMatcher(ds.kb)),
        (FuzzBaseline.name, lambda: FuzzBaseline(ds.kb)),
        (BM25Baseline.name, lambda: BM25Baseline(ds.kb)),
    ]
    questions = [q for q, _ in ds.test]
    gold = [e for _, e in ds.test]
    rows = []
    for name, build in systems:
        print(f"  {ds.name}: {name} ...", file=sys.stderr, flush=True)
        run = measure(name, build, questions)
        p1, hit5, mrr = ranking_metrics(run, gold)
        extra = ""
        if ds.val:
            val = measure(name, build, [q for q, _ in ds.val])
            t = tune(val.ranked, [e for _, e in ds.val])
            acc, rec = refusal_metrics(run.ranked, gold, t)
            extra = f"in-scope acc {acc:.3f}, OOS recall {rec:.3f} (answer >= {t.answer:.3g}, margin {t.margin})"
        elif any(e is None for e in gold):
            t = shipped if name == "faqbot" else tune(run.ranked, gold)
            acc, rec = refusal_metrics(run.ranked, gold, t)
            how = "shipped thresholds" if name == "faqbot" else "thresholds tuned on this set"
            extra = f"accuracy {acc:.3f}, refusal {rec:.3f} ({how})"
        rows.append(
            Row(
                ds.name,
                name,
                p1,
                hit5,
                mrr,
                pct(run.latencies, 0.5) * 1e3,
                pct(run.latencies, 0.99) * 1e3,
                extra,
            )
        )
    return rows


def scale_one(entries: int) -> dict[str, float]:
    """Build and query one synthetic FAQ in this process (run in a child for clean memory)."""
    from bench.synthetic import synthetic_kb

    kb, queries = synthetic_kb(entries)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    matcher = HybridMatcher(kb)
    build = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    latencies, right = [], 0
    for q, expect in queries[:1000]:
        t = time.perf_counter()
        ranked = matcher.rank(q, 5)
        latencies.append(time.perf_counter() - t)
        right += bool(ranked) and ranked[0].entry_id == expect
    return {
        "entries": entries,
        "phrasings": sum(len(e.phrasings) for e in kb.entries),
        "build_s": build,
        "p50_ms": pct(latencies, 0.5) * 1e3,
        "p99_ms": pct(latencies, 0.99) * 1e3,
        "rss_before_mb": before,
        "rss_peak_mb": peak,
        "p1": right / len(latencies),
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def render(rows: list[Row], scale: list[dict[str, float]], command: str, took: float) -> str:
    out = [
        "# Matcher benchmarks",
        "",
        f"Generated by `{command}` on {time.strftime('%Y-%m-%d')} ({took:.0f} s).",
        f"Machine: {machine()}. Shared and noisy: compare ratios within this run, not across runs.",
        "",
        "Every system indexes the same FAQ (question + alternates of each entry, imported into our",
        "schema and loaded by the real loader) and ranks entries for each query. P@1, Hit@5 and MRR",
        "count ranking only; the last column applies thresholds (refusal) where the set has",
        "out-of-scope queries. Latency is per query, in milliseconds.",
        "",
        "| dataset | system | P@1 | Hit@5 | MRR | p50 ms | p99 ms | with refusal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r.dataset} | {r.system} | {r.p1:.3f} | {r.hit5:.3f} | {r.mrr:.3f} | "
            f"{r.p50:.2f} | {r.p99:.2f} | {r.extra} |"
        )
    out += ["", "## P@1 and speed relative to the baselines (same run)", ""]
    out += [
        "| dataset | P@1 vs WRatio | P@1 vs bm25s | p50 vs WRatio | p50 vs bm25s |",
        "|---|---|---|---|---|",
    ]
    for ds in dict.fromkeys(r.dataset for r in rows):
        mine, fz, bm = (
            next(r for r in rows if r.dataset == ds and r.system == s)
            for s in ("faqbot", FuzzBaseline.name, BM25Baseline.name)
        )
        out.append(
            f"| {ds} | {mine.p1 - fz.p1:+.3f} | {mine.p1 - bm.p1:+.3f} | "
            f"{mine.p50 / fz.p50:.2f}x | {mine.p50 / bm.p50:.2f}x |"
        )
    out += ["", "## Targets (issue 3), checked in this run", ""]
    out += targets(rows, scale)
    if scale:
        out += [
            "",
            "## Scale: synthetic FAQs (5 phrasings per entry)",
            "",
            "Each size runs in a fresh process; memory is the peak resident size of that process",
            "(Python and libraries included), with the size before building in brackets.",
            "",
            "| entries | phrasings | build s | p50 ms | p99 ms | peak RSS MB | P@1 |",
            "|---|---|---|---|---|---|---|",
        ]
        for s in scale:
            out.append(
                f"| {s['entries']:,} | {s['phrasings']:,} | {s['build_s']:.1f} | {s['p50_ms']:.2f} | "
                f"{s['p99_ms']:.2f} | {s['rss_peak_mb']:.0f} ({s['rss_before_mb']:.0f}) | {s['p1']:.3f} |"
            )
    return "\n".join(out) + "\n" + NOTES


def targets(rows: list[Row], scale: list[dict[str, float]]) -> list[str]:
    """One line per target: what was measured and whether it is met."""

    def row(ds: str, system: str = "faqbot") -> Row:
        return next(r for r in rows if r.dataset == ds and r.system == system)

    lines = []
    for ds in dict.fromkeys(r.dataset for r in rows):
        mine, rivals = row(ds), [row(ds, FuzzBaseline.name), row(ds, BM25Baseline.name)]
        best = max(r.p1 for r in rivals)
        lines.append(
            f"- {ds}: P@1 {mine.p1:.3f} vs best baseline {best:.3f}: {_verdict(mine.p1 > best)}"
        )
    lines.append(
        f"- StackFAQ P@1 >= 0.90: {row('StackFAQ').p1:.3f}: {_verdict(row('StackFAQ').p1 >= 0.9)}"
    )
    clinc = row("CLINC150").extra
    if clinc:
        acc = float(clinc.split("in-scope acc ")[1].split(",")[0])
        rec = float(clinc.split("OOS recall ")[1].split(" ")[0])
        lines.append(
            f"- CLINC150 in-scope accuracy >= 0.85 and OOS recall >= 0.60: {acc:.3f} / {rec:.3f}: "
            f"{_verdict(acc >= 0.85 and rec >= 0.6)}"
        )
    lines.append(
        f"- p99 <= 1 ms on our FAQ: {row('ours').p99:.2f} ms: {_verdict(row('ours').p99 <= 1.0)}"
    )
    big = next((s for s in scale if s["entries"] == 100_000), None)
    if big is not None:
        lines.append(
            f"- 100k entries: p50 <= 10 ms: {big['p50_ms']:.2f} ms: {_verdict(big['p50_ms'] <= 10)}"
        )
        lines.append(
            f"- 100k entries: build <= 30 s: {big['build_s']:.1f} s: {_verdict(big['build_s'] <= 30)}"
        )
        lines.append(
            f"- 100k entries: memory <= 1 GB: {big['rss_peak_mb']:.0f} MB peak: "
            f"{_verdict(big['rss_peak_mb'] <= 1024)}"
        )
    return lines


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--scale-one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale_one:
        print(json.dumps(scale_one(args.scale_one)))
        return 0
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        loaders: list[Callable[[], Dataset]] = [
            ours,
            lambda: stackfaq(args.data, Path(tmp)),
            lambda: covidfaq(args.data, Path(tmp)),
            lambda: clinc150(args.data, Path(tmp)),
        ]
        for load in loaders:
            ds = load()
            print(
                f"{ds.name}: {len(ds.kb.entries)} entries, {len(ds.test)} queries", file=sys.stderr
            )
            rows += bench_dataset(ds)
    scale = []
    if not args.no_scale:
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"  scale {size} ...", file=sys.stderr, flush=True)
            child = subprocess.run(
                [sys.executable, "-m", "bench.run", "--scale-one", str(size)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            scale.append(json.loads(child.stdout))
    command = "python -m bench.run" + ("" if argv is None else " " + " ".join(argv))
    text = render(rows, scale, command.strip(), time.perf_counter() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # Sections other generators own (resilience, replicas) stay as they are.
    if args.out.exists():
        text = kept_sections(args.out.read_text(encoding="utf-8"), text)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

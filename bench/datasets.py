"""Importers: public benchmark sets -> FAQ files in our schema, loaded by the real loader."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.evaluate import load_cases
from bot.loader import load_knowledge
from bot.models import SAFETY_ID, KnowledgeBase
from bot.text import phrasing_key

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 64 * 1024 * 1024

Query = tuple[str, str | None]  # question, expected entry id (None: must be refused)


@dataclass
class Dataset:
    name: str
    kb: KnowledgeBase
    test: list[Query]
    val: list[Query] = field(default_factory=list)
    note: str = ""


def write_faq(folder: Path, name: str, items: Iterable[tuple[str, list[str], str]]) -> Path:
    """Write (id, phrasings, answer) items as a valid FAQ file: one phrasing, one entry."""
    seen: set[str] = set()
    entries = []
    for entry_id, phrasings, answer in items:
        kept = []
        for text in phrasings:
            key = phrasing_key(text)
            if key and key not in seen:
                seen.add(key)
                kept.append(" ".join(text.split()))
        if kept:
            entries.append(
                {
                    "id": entry_id,
                    "topic": "all",
                    "question": kept[0],
                    "alternates": kept[1:],
                    "answer": answer.strip() or entry_id,
                    "sources": [{"source": "bench"}],
                }
            )
    doc = {
        "version": 1,
        "sources": [{"id": "bench", "title": name}],
        "topics": [{"id": "all", "title": name, "summary": name}],
        "entries": entries,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def ours() -> Dataset:
    kb = load_knowledge(ROOT / "knowledge" / "faq.yaml")
    cases = load_cases(ROOT / "knowledge" / "eval" / "devset.yaml")
    # Questions that must get the safety reply are the safety check's, not the matcher's:
    # no entry ranks as "safety".
    test = [
        (c.question, None if c.expect == "none" else c.expect)
        for c in cases
        if c.expect != SAFETY_ID
    ]
    return Dataset("ours", kb, test, note="knowledge/faq.yaml with knowledge/eval/devset.yaml")


def stackfaq(data: Path, tmp: Path) -> Dataset:
    raw = json.loads((data / "stackfaq" / "stackExchange-FAQ.json").read_text(encoding="utf-8"))
    items: list[tuple[str, list[str], str]] = []
    test: list[Query] = []
    for i, pair in enumerate(raw["root"]["qapair"]):
        rephr = pair["rephr"]
        cut = rephr.index("*")
        entry_id = f"q{i:03d}"
        answer = pair["answer"][0] if isinstance(pair["answer"], list) else pair["answer"]
        indexed = [pair["question"], *rephr[:cut]]
        items.append((entry_id, [t for t in indexed if isinstance(t, str)], str(answer)))
        test += [(q, entry_id) for q in rephr[cut + 1 :] if isinstance(q, str) and q.strip()]
    kb = load_knowledge(write_faq(tmp, "stackfaq", items), MAX_BYTES)
    return Dataset("StackFAQ", kb, test, note="canonical + 5 rephrasings indexed, 5 queried")


def covidfaq(data: Path, tmp: Path) -> Dataset:
    rows = json.loads((data / "covidfaq" / "query_answer_pairs.json").read_text(encoding="utf-8"))
    by_answer: dict[str, tuple[str, list[str]]] = {}
    for row in rows:
        if row["query_type"] == "faq":
            key = row["answer"].strip()
            _, questions = by_answer.setdefault(key, (f"c{len(by_answer):03d}", []))
            questions.append(row["question"])
    items = [(eid, qs, answer) for answer, (eid, qs) in by_answer.items()]
    test: list[Query] = [
        (row["question"], by_answer[row["answer"].strip()][0])
        for row in rows
        if row["query_type"] == "user_query"
    ]
    kb = load_knowledge(write_faq(tmp, "covidfaq", items), MAX_BYTES)
    return Dataset("CovidFAQ", kb, test, note="FAQ questions indexed, user queries asked")


def clinc150(data: Path, tmp: Path) -> Dataset:
    raw = json.loads((data / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    intents: dict[str, list[str]] = {}
    for text, intent in raw["train"]:
        intents.setdefault(intent, []).append(text)
    ids = {name: name.replace("_", "-") for name in intents}
    items = [(ids[name], texts, name) for name, texts in intents.items()]
    kb = load_knowledge(write_faq(tmp, "clinc150", items), MAX_BYTES)

    def split(name: str, oos: str) -> list[Query]:
        return [(t, ids[i]) for t, i in raw[name]] + [(t, None) for t, _ in raw[oos]]

    return Dataset(
        "CLINC150",
        kb,
        split("test", "oos_test"),
        split("val", "oos_val"),
        note="150 intents, train utterances indexed; thresholds tuned on val + oos_val",
    )

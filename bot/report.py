"""What people asked that the FAQ could not answer, grouped, for moderators."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from rapidfuzz import fuzz, process

from bot.service import FaqService
from bot.storage.store import LogReader
from bot.text import phrasing_key

__all__ = ["Group", "Report", "build_report", "group_questions", "render_report"]

_SAME = 75.0  # token-set similarity at which two questions count as one


@dataclass(frozen=True, slots=True)
class Group:
    """Near-duplicate unanswered questions (no nearest entry while the FAQ is broken)."""

    count: int
    examples: tuple[str, ...]
    nearest_id: str | None
    nearest_question: str | None


@dataclass(frozen=True, slots=True)
class Report:
    """The moderators' report for a period.

    `top_entries` holds (entry id, question, count); the question is "" when the report
    was built without a FAQ.
    """

    days: float
    asked: int
    unanswered: int
    groups: tuple[Group, ...]
    top_entries: tuple[tuple[str, str, int], ...]
    votes: dict[str, tuple[int, int]]

    def to_json(self) -> dict[str, Any]:
        """Plain data for `faqbot report --json`."""
        data = asdict(self)
        data["groups"] = [asdict(g) for g in self.groups]
        data["top_entries"] = [{"id": i, "question": q, "count": c} for i, q, c in self.top_entries]
        data["votes"] = {k: {"helpful": v[0], "unhelpful": v[1]} for k, v in self.votes.items()}
        return data


def build_report(service: FaqService | None, qlog: LogReader, days: float = 7.0) -> Report:
    """Group the unanswered questions of the last `days` days, most frequent first.

    Args:
        service: The FAQ, for each group's nearest entry and the entries' questions; None
            when the FAQ cannot be loaded (a broken edit is when moderators need this most).
        qlog: Where the questions are read from (only read).
        days: How far back to look.

    Raises:
        StorageError: The log cannot be read.
    """
    rows = qlog.questions(since=time.time() - days * 86_400)
    missed = [r.question for r in rows if r.outcome != "answer" and r.question]
    groups = group_questions(missed)
    built = []
    for members in groups:
        examples = tuple(dict.fromkeys(members))[:3]
        ranked = service.search(members[0], limit=1) if service is not None else ()
        nearest = ranked[0].entry if ranked else None
        built.append(
            Group(
                len(members),
                examples,
                nearest.id if nearest else None,
                nearest.question if nearest else None,
            )
        )
    answered = Counter(r.entry_id for r in rows if r.outcome == "answer" and r.entry_id)
    top: list[tuple[str, str, int]] = []
    for entry_id, count in answered.most_common(10):
        if service is None:
            top.append((entry_id, "", count))
        elif (entry := service.kb.entry(entry_id)) is not None:  # removed entries are left out
            top.append((entry_id, entry.question, count))
    unanswered = sum(r.outcome != "answer" for r in rows)
    votes = qlog.votes(since=time.time() - days * 86_400)
    return Report(days, len(rows), unanswered, tuple(built), tuple(top), votes)


def group_questions(questions: list[str]) -> list[list[str]]:
    """Group near-duplicate questions, most frequent group first.

    Each group keeps its members in the order given (oldest first when the log's order is
    kept), so a group's first member stays the same as newer questions join it.
    """
    groups: list[list[str]] = []
    keys: list[str] = []
    for question in questions:
        key = phrasing_key(question)
        hit = process.extractOne(key, keys, scorer=fuzz.token_set_ratio, score_cutoff=_SAME)
        if hit is None:
            keys.append(key)
            groups.append([question])
        else:
            groups[hit[2]].append(question)
    groups.sort(key=len, reverse=True)  # stable: equal sizes keep their first-asked order
    return groups


def render_report(report: Report, limit: int = 20) -> str:
    """Plain-text report (also what the moderator-only /unanswered shows)."""
    lines = [
        f"Last {report.days:g} days: {report.asked} questions, {report.unanswered} not answered.",
        "",
        "Not answered (similar questions grouped, most frequent first):",
    ]
    if not report.groups:
        lines.append("  (none)")
    for g in report.groups[:limit]:
        near = f" | nearest: {g.nearest_id}" if g.nearest_id else ""
        lines.append(f"  {g.count:>3} x {' / '.join(repr(e) for e in g.examples)}{near}")
    lines += ["", "Most asked entries:"]
    lines += [
        f"  {c:>3} x {i}: {q}" if q else f"  {c:>3} x {i}" for i, q, c in report.top_entries
    ] or ["  (none)"]
    if report.votes:
        lines += ["", "Feedback (helpful / not helpful):"]
        lines += [
            f"  {up:>3} / {down:<3} {entry}" for entry, (up, down) in sorted(report.votes.items())
        ]
    return "\n".join(lines)

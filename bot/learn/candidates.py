"""Learning candidates: what people asked, turned into phrasings a moderator may teach.

Two kinds, both read from the question log (the shared database when one is configured, so
every replica's questions count):

- **picked**: a question that got "did you mean" and whose asker picked an entry (or gave a
  👍 to the answer of their next question). The pair (their words → that entry) is the best
  evidence there is. A pick counts only for an entry that was really offered for that
  question, so a forged button teaches nothing.
- **unanswered**: near-duplicate questions the FAQ did not answer, with their nearest
  entries.

A candidate's id is a hash of what it is (its kind, its wording's key, its entry), so the
same candidate keeps its id between runs and on every replica. Candidates the FAQ already
handles (the phrasing is in it, or the bot now answers or refuses it) are left out, and
so is anything that would get the safety reply.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from bot.reply import Outcome
from bot.report import group_questions
from bot.scope import is_out_of_scope
from bot.service import FaqService
from bot.storage.schema import LoggedQuestion
from bot.storage.store import LogReader
from bot.text import phrasing_key

__all__ = [
    "PICKED",
    "UNANSWERED",
    "Candidate",
    "Nearest",
    "build_candidates",
    "describe",
    "find_candidate",
    "render_candidates",
]

PICKED = "picked"
UNANSWERED = "unanswered"


@dataclass(frozen=True, slots=True)
class Nearest:
    """An entry a candidate may be taught to."""

    entry_id: str
    question: str
    score: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """A phrasing people used that the FAQ could learn.

    Attributes:
        id: Stable id (8 hex characters) for `faqbot learn ignore` and the chat buttons.
        kind: "picked" or "unanswered".
        wording: The proposed wording: the most frequent way it was asked. People's own
            words can identify them, so it is never written without a moderator's
            confirmation (or rewording).
        examples: Up to three distinct ways it was asked.
        count: How many questions it stands for (the log keeps no user ids, so this counts
            questions, not people).
        entries: The picked entry (picked), or the nearest entries, best first (unanswered).
    """

    id: str
    kind: str
    wording: str
    examples: tuple[str, ...]
    count: int
    entries: tuple[Nearest, ...]

    def to_json(self) -> dict[str, Any]:
        """Plain data for `faqbot learn list --json`."""
        data = asdict(self)
        data["entries"] = [asdict(n) for n in self.entries]
        return data


def build_candidates(
    reader: LogReader, service: FaqService | None, *, since: float = 0.0
) -> list[Candidate]:
    """Build the candidates from the log, most asked first (picked before unanswered on ties).

    Args:
        reader: The question log (only read).
        service: The current FAQ, to name entries and leave out what it already handles;
            None while the FAQ is broken (nothing is filtered then).
        since: Only questions asked after this time (the log's retention bounds it anyway).

    Raises:
        StorageError: The log cannot be read.
    """
    rows = reader.questions(since)
    hidden = reader.ignored()
    picked, used = _picked(rows, reader, service, since)
    # A question someone picked an entry for is that candidate's, and so is the same
    # wording asked again without a pick: one candidate per wording.
    taken = {phrasing_key(c.wording) for c in picked}
    missed = [
        r.question
        for r in rows
        if r.outcome != Outcome.ANSWER.value
        and r.question
        and r.ref not in used
        and phrasing_key(r.question) not in taken
    ]
    found = picked + [_unanswered(group, service) for group in group_questions(missed)]
    known = _known_keys(service)
    kept = [c for c in found if c.id not in hidden and _open(c, service, known)]
    kept.sort(key=lambda c: (-c.count, c.kind != PICKED))
    return kept


def find_candidate(candidates: list[Candidate], candidate_id: str) -> Candidate | None:
    """Return the candidate with this id (None when it is gone, hidden or never existed)."""
    return next((c for c in candidates if c.id == candidate_id), None)


def render_candidates(candidates: list[Candidate], limit: int | None = None) -> str:
    """Plain-text list for `faqbot learn list` (the chat list numbers the same lines)."""
    if not candidates:
        return "No candidates: nothing people asked is waiting to be taught."
    shown = candidates[:limit] if limit else candidates
    lines = [
        f"{len(candidates)} candidate{'s' if len(candidates) != 1 else ''} from the question "
        "log. People's own words can identify them: confirm or reword before you add one.",
    ]
    for c in shown:
        lines += ["", f"{c.id}  {describe(c)}"]
        lines.append("          " + " / ".join(f"“{e}”" for e in c.examples))
        if c.entries and c.kind == PICKED:
            lines.append(f'          faqbot learn add {c.entries[0].entry_id} "{c.wording}"')
    if limit and len(candidates) > limit:
        lines += ["", f"... and {len(candidates) - limit} more (faqbot learn list shows all)."]
    return "\n".join(lines)


def describe(c: Candidate) -> str:
    """Say in one line what kind of evidence it is, how much, and the entries."""
    times = f"{c.count} time{'s' if c.count != 1 else ''}"
    if c.kind == PICKED:
        target = c.entries[0].entry_id if c.entries else "?"
        return f"picked {times} → {target}"
    near = ", ".join(n.entry_id for n in c.entries) or "none"
    return f"unanswered, asked {times}; nearest: {near}"


def _picked(
    rows: list[LoggedQuestion], reader: LogReader, service: FaqService | None, since: float
) -> tuple[list[Candidate], set[str]]:
    by_ref = {r.ref: r for r in rows if r.ref and r.question}
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    refs: dict[tuple[str, str], set[str]] = defaultdict(set)
    used: set[str] = set()
    for pick in reader.picks(since):
        row = by_ref.get(pick.ref)
        if row is None or row.question is None or row.outcome == Outcome.ANSWER.value:
            continue
        if pick.how == "suggestion" and pick.entry_id not in (row.offered or "").split():
            continue  # never offered for this question: a forged or stale button
        entry_id = pick.entry_id
        if service is not None:
            entry = service.kb.current(entry_id)
            if entry is None:
                continue
            entry_id = entry.id
        group = (phrasing_key(row.question), entry_id)
        if pick.ref not in refs[group]:
            groups[group].append(row.question)
            refs[group].add(pick.ref)
        used.add(pick.ref)
    built = []
    for (key, entry_id), texts in groups.items():
        question = ""
        if service is not None and (entry := service.kb.entry(entry_id)) is not None:
            question = entry.question
        built.append(
            Candidate(
                _id(PICKED, key, entry_id),
                PICKED,
                _most_common(texts),
                _examples(texts),
                len(texts),
                (Nearest(entry_id, question, 1.0),),
            )
        )
    return built, used


def _unanswered(texts: list[str], service: FaqService | None) -> Candidate:
    wording = _most_common(texts)
    nearest: tuple[Nearest, ...] = ()
    if service is not None:
        ranked = [c for c in service.rank(wording, limit=6) if not is_out_of_scope(c.entry_id)]
        nearest = tuple(
            Nearest(c.entry_id, entry.question, round(c.score, 3))
            for c in ranked[:2]
            if c.score > 0 and (entry := service.kb.entry(c.entry_id)) is not None
        )
    return Candidate(
        _id(UNANSWERED, phrasing_key(texts[0])),  # the first asked: stable as others join
        UNANSWERED,
        wording,
        _examples(texts),
        len(texts),
        nearest,
    )


def _open(candidate: Candidate, service: FaqService | None, known: set[str]) -> bool:
    """Return False for a candidate the FAQ handles now, or one that gets the safety reply."""
    if service is None:
        return True
    reply = service.ask(candidate.wording)
    if reply.is_safety or phrasing_key(candidate.wording) in known:
        return False
    if candidate.kind == PICKED:
        taught = candidate.entries[0].entry_id if candidate.entries else None
        return not (reply.entry is not None and reply.entry.id == taught)
    return reply.outcome is not Outcome.ANSWER and reply.note is None


def _known_keys(service: FaqService | None) -> set[str]:
    if service is None:
        return set()
    kb = service.kb
    keys = {phrasing_key(p) for e in kb.entries for p in e.phrasings}
    return keys | {phrasing_key(p) for block in kb.out_of_scope for p in block.phrasings}


def _id(kind: str, key: str, entry_id: str = "") -> str:
    return hashlib.sha256(f"{kind}\x1f{key}\x1f{entry_id}".encode()).hexdigest()[:8]


def _most_common(texts: list[str]) -> str:
    counts = Counter(texts)
    return max(texts, key=lambda t: counts[t])  # ties: the first asked


def _examples(texts: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(texts))[:3]

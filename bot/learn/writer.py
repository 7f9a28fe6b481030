"""Write one learned change into the FAQ file: checked, validated, measured, then replaced.

Every change, from the command line or from a moderator's button, goes through
`Learner.apply`, under the FAQ's write lock:

1. the FAQ as it is on disk is loaded (it must be valid: a broken hand edit is fixed first);
2. the change is checked: the entry exists and is not the safety reply, the phrasing does
   not get the safety reply, no other entry or out-of-scope block owns it;
3. the file is edited with a round trip that keeps everything else as written;
4. the new FAQ is validated as a whole, and measured on the labelled dev set before and
   after; a change that drops accuracy or refusal below the thresholds is refused (unless
   forced);
5. the file is replaced atomically, the change appended to the audit trail and, when asked,
   committed to git. Running bots pick it up through their live reload.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import KnowledgeError, LearnError
from bot.evaluate import EvalReport, evaluate, load_cases
from bot.learn import history
from bot.learn.changes import Change, ChangeKind
from bot.learn.faqfiles import faq_files, faq_folder, replace_atomically, write_lock
from bot.learn.gitcommit import commit
from bot.learn.yamledit import (
    Document,
    Found,
    add_alternate,
    add_out_of_scope,
    find_phrasing,
    remove_phrasing,
)
from bot.loader import DEFAULT_MAX_BYTES, load_knowledge
from bot.models import SAFETY_ID, KnowledgeBase
from bot.reply import Outcome, Reply
from bot.scope import is_out_of_scope
from bot.semantic import SemanticModel
from bot.service import FaqService, Snapshot, Thresholds
from bot.text import MAX_QUESTION_CHARS, clean_input, phrasing_key
from faqbot_knowledge import is_installed_copy

__all__ = ["MAX_PHRASING_CHARS", "Applied", "Figures", "LearnConfig", "Learner"]

log = logging.getLogger(__name__)

MAX_PHRASING_CHARS = 200


@dataclass(frozen=True, slots=True)
class LearnConfig:
    """Where the FAQ is and how a learned change is checked and recorded.

    Attributes:
        knowledge: The FAQ file or folder.
        max_file_bytes: Size cap of each FAQ file.
        thresholds: The service's answer/suggest thresholds (the gate measures with them).
        devset: The labelled set of the eval gate; a missing file skips the gate (and says so).
        min_accuracy: Accuracy a change may not drop below.
        min_refusal: Refusal rate a change may not drop below.
        history: The audit trail; None puts it beside the FAQ.
        git_commit: Commit every change when the FAQ folder is a git checkout.
        semantic: The bot's embedding model: once it is loaded, checks and the gate use it
            too, so they measure the bot as it answers.
    """

    knowledge: Path
    max_file_bytes: int = DEFAULT_MAX_BYTES
    thresholds: Thresholds = field(default_factory=Thresholds)
    devset: Path | None = None
    min_accuracy: float = 0.92
    min_refusal: float = 0.92
    history: Path | None = None
    git_commit: bool = False
    semantic: SemanticModel | None = None

    @property
    def history_path(self) -> Path:
        """The audit trail's file."""
        return self.history or faq_folder(self.knowledge) / history.HISTORY_FILE


@dataclass(frozen=True, slots=True)
class Figures:
    """Eval figures on the labelled set.

    Attributes:
        accuracy: Share of in-scope questions answered right.
        refusal: Share of out-of-scope questions refused.
        misses: The questions it gets wrong, each with what it expects (an entry id or
            "none"), so a change can say which questions it broke or mended.
    """

    accuracy: float
    refusal: float
    misses: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, report: EvalReport) -> Figures:
        """Take the figures and the misses of an eval report."""
        misses = tuple((m.case.question, m.case.expect) for m in report.misses)
        return cls(report.accuracy, report.refusal_rate, misses)

    def changes_to(self, after: Figures, most: int = 3) -> list[str]:
        """Say which labelled questions a change broke and which it mended (a few of each)."""
        lines = []
        for label, gone, now in (("Now wrong", self, after), ("Now right", after, self)):
            moved = [m for m in now.misses if m not in gone.misses]
            lines += [f"{label}: “{q}” (expects {expect})." for q, expect in moved[:most]]
            if len(moved) > most:
                lines.append(f"{label}: {len(moved) - most} more (faqbot eval lists them).")
        return lines

    def as_dict(self) -> dict[str, float]:
        """Plain data for the audit trail and JSON output."""
        return {"accuracy": round(self.accuracy, 4), "refusal": round(self.refusal, 4)}


@dataclass(frozen=True, slots=True)
class Applied:
    """A change that was written.

    Attributes:
        change: The change, with the wording as written.
        file: The FAQ file it went into.
        line: The phrasing's line (for an undo: where it was).
        before: Eval figures before (None without a labelled set).
        after: Eval figures after.
        effect: How the bot answers the phrasing now.
        forced: Written although the eval gate refused it.
        commit: The git commit made for it.
        notes: Things the moderator should know (not errors: the change is written).
    """

    change: Change
    file: Path
    line: int
    before: Figures | None
    after: Figures | None
    effect: Reply
    forced: bool = False
    commit: str | None = None
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Say what changed in a few lines for the moderator (the CLI and chat say the same)."""
        lines = [f"{_capital(self.change.describe())} ({self.file.name}:{self.line})."]
        lines.append(f"Now: {_effect(self.effect)}.")
        if self.before is not None and self.after is not None:
            lines.append(
                f"Eval: accuracy {self.before.accuracy:.1%} → {self.after.accuracy:.1%}, "
                f"refusal {self.before.refusal:.1%} → {self.after.refusal:.1%}"
                + (" (written despite the eval gate: --force)" if self.forced else "")
                + "."
            )
            lines += self.before.changes_to(self.after)
        if self.commit:
            lines.append(f"Committed as {self.commit[:10]}.")
        lines += list(self.notes)
        return "\n".join(lines)


class Learner:
    """Applies learned changes to the FAQ file (see the module docstring for the steps)."""

    def __init__(self, config: LearnConfig) -> None:
        """Prepare to write to the FAQ `config` names; nothing is read yet."""
        self.config = config
        self._eval_cache: dict[str, Figures] = {}
        self._cache_lock = threading.Lock()

    def check(self, change: Change) -> Change:
        """Check a change against the FAQ as it is, without measuring or writing anything.

        Returns:
            The change with its phrasing cleaned as it would be written.

        Raises:
            LearnError: The change would be refused (one line that says why).
        """
        change = _cleaned(change)
        self._refuse_installed_copy()
        _, docs = self._load()
        self._check(change, self._service(self._kb(), self._model()), docs)
        return change

    def apply(
        self, change: Change, *, moderator: str, platform: str, force: bool = False
    ) -> Applied:
        """Write one change (see the module docstring).

        Args:
            change: What to write; the phrasing is the confirmed wording.
            moderator: The moderator's display name, for the audit trail.
            platform: Where they taught it: cli, telegram, discord, console.
            force: Write even when the eval gate refuses.

        Raises:
            LearnError: The change was refused or could not be written; nothing was written.
        """
        change = _cleaned(change)
        self._refuse_installed_copy()
        folder = faq_folder(self.config.knowledge)
        # Before and after are measured by the same bot: with the model only if it is
        # loaded already (it may finish loading while this runs).
        model = self._model()
        with write_lock(folder):
            texts, docs = self._load()
            old_service = self._service(self._kb(), model)
            self._check(change, old_service, docs)
            doc, line = self._edit(change, old_service, docs)
            new_text = doc.dump()
            line = line or doc.line_of(change.phrasing, new_text)
            file = next(f for f, d in docs.items() if d is doc)
            try:
                new_kb = load_knowledge(
                    self.config.knowledge, self.config.max_file_bytes, {file: new_text}
                )
            except KnowledgeError as exc:
                raise LearnError(_first_issue(exc, "the changed FAQ would not validate")) from exc
            new_service = self._service(new_kb, model)
            before = self._figures(old_service, texts)
            after = self._figures(new_service, {**texts, file: new_text})
            forced = self._gate(change, before, after, force)
            effect = new_service.ask(change.phrasing)
            replace_atomically(file, new_text)
            # Operators' log: what kind of change where, never the wording (people's words).
            log.info(
                "learn: %s %s by %s on %s (%s:%d)",
                change.kind.value,
                change.entry_id or "out_of_scope",
                moderator,
                platform,
                file.name,
                line,
            )
            record = history.Record(
                at=history.now_iso(),
                platform=platform,
                moderator=moderator,
                change=change.kind.value,
                phrasing=change.phrasing,
                entry_id=change.entry_id,
                file=file.name,
                line=line,
                before=before.as_dict() if before else None,
                after=after.as_dict() if after else None,
                forced=forced,
            )
            notes = list(_notes(change, effect))
            commit_id = None
            try:
                history.append(self.config.history_path, record)
                if self.config.git_commit:
                    commit_id = self._commit(file, record)
            except LearnError as exc:  # written already: say what is missing, do not hide it
                log.error("learn: %s", exc)
                notes.append(f"Warning: {exc}")
        return Applied(change, file, line, before, after, effect, forced, commit_id, tuple(notes))

    # --- steps --------------------------------------------------------------------------

    def _refuse_installed_copy(self) -> None:
        # An upgrade would silently undo the change (or the install is read-only).
        for file in faq_files(self.config.knowledge):
            if is_installed_copy(file):
                raise LearnError(
                    f"{file}: this is the FAQ installed with faqbot, which the next upgrade "
                    "replaces; run `faqbot init FOLDER` and teach the copy it makes (set "
                    "FAQBOT_KNOWLEDGE=FOLDER/knowledge/faq.yaml)"
                )

    def _load(self) -> tuple[dict[Path, str], dict[Path, Document]]:
        texts: dict[Path, str] = {}
        docs: dict[Path, Document] = {}
        files = faq_files(self.config.knowledge)
        if not files:
            raise LearnError(f"{self.config.knowledge}: no FAQ file to change")
        for file in files:
            try:
                texts[file] = file.read_text(encoding="utf-8")
            except OSError as exc:
                raise LearnError(f"{file}: cannot read: {exc.strerror}") from exc
            docs[file] = Document(texts[file], str(file))
        return texts, docs

    def _kb(self) -> KnowledgeBase:
        try:
            return load_knowledge(self.config.knowledge, self.config.max_file_bytes)
        except KnowledgeError as exc:
            raise LearnError(
                _first_issue(exc, "the FAQ does not validate as it is; fix it first")
            ) from exc

    def _check(self, change: Change, service: FaqService, docs: dict[Path, Document]) -> None:
        kb = service.kb
        key = phrasing_key(change.phrasing)
        if not key:
            raise LearnError(f"the phrasing {change.phrasing!r} has no words")
        if change.kind in (ChangeKind.ADD, ChangeKind.REMOVE):
            self._check_entry(change.entry_id or "", kb)
        found = _find(docs, key)
        if not change.adds:
            if found is None or found[1].entry_id != change.entry_id:
                where = change.entry_id or "the out-of-scope phrasings"
                raise LearnError(f"“{change.phrasing}” is no longer in {where}; nothing to undo")
            return
        # Decided exactly as for a person who asks it: the safety check comes first there.
        if service.ask(change.phrasing).is_safety:
            raise LearnError(
                f"“{change.phrasing}” gets the safety reply (whoever writes it may be at risk), "
                "so learn will not file it anywhere; reword it as a factual question, or edit "
                "the safety block's triggers by hand"
            )
        if found is not None:
            file, spot = found
            where = f"{file.name}:{spot.line}"
            if spot.entry_id is not None and spot.entry_id == change.entry_id:
                raise LearnError(f"“{change.phrasing}” is already in {spot.owner} ({where})")
            if change.kind is ChangeKind.OUT_OF_SCOPE and spot.entry_id is None:
                raise LearnError(f"“{change.phrasing}” is already out of scope ({where})")
            raise LearnError(
                f"“{change.phrasing}” already belongs to {spot.owner} ({where}); "
                "one phrasing leads to one entry"
            )

    def _check_entry(self, entry_id: str, kb: KnowledgeBase) -> None:
        if entry_id == SAFETY_ID:
            raise LearnError(
                f"the safety reply cannot be changed through learn; edit its block in "
                f"{kb.origin} by hand"
            )
        if kb.entry(entry_id) is not None:
            return
        successor = dict(kb.retired).get(entry_id)
        if successor is not None:
            raise LearnError(f"entry {entry_id!r} was retired; {successor!r} answers it now")
        ids = [e.id for e in kb.entries]
        close = difflib.get_close_matches(entry_id, ids, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise LearnError(f"no entry {entry_id!r} in {kb.origin}{hint}")

    def _edit(
        self, change: Change, service: FaqService, docs: dict[Path, Document]
    ) -> tuple[Document, int]:
        """Make the change in the right file; returns it and the line (0: find it after)."""
        key = phrasing_key(change.phrasing)
        if change.kind is ChangeKind.ADD:
            for doc in docs.values():
                if add_alternate(doc, change.entry_id or "", change.phrasing):
                    return doc, 0
            raise LearnError(f"entry {change.entry_id!r} not found in the FAQ's files")
        if not change.adds:
            for doc in docs.values():
                found = find_phrasing(doc, key)
                if found is not None and remove_phrasing(doc, key, change.entry_id):
                    return doc, found.line
            raise LearnError(f"“{change.phrasing}” not found in the FAQ's files")
        # Out of scope: the block with the given note (a new one if none has it), else the
        # nearest block, or a new one with the default note.
        if change.note:
            for doc in docs.values():
                for i, existing in enumerate(doc.blocks()):
                    if str(existing.get("note") or "").strip() == change.note.strip():
                        add_out_of_scope(doc, change.phrasing, i, None)
                        return doc, 0
        block = None if change.note else _nearest_block(change.phrasing, service)
        if block is not None:
            for doc in docs.values():
                if block < len(doc.blocks()):
                    add_out_of_scope(doc, change.phrasing, block, None)
                    return doc, 0
                block -= len(doc.blocks())
        doc = next((d for d in docs.values() if d.blocks()), next(iter(docs.values())))
        add_out_of_scope(doc, change.phrasing, None, change.note)
        return doc, 0

    def _model(self) -> SemanticModel | None:
        model = self.config.semantic
        return model if model is not None and model.ready else None

    def _service(self, kb: KnowledgeBase, model: SemanticModel | None) -> FaqService:
        snapshot = Snapshot.build(kb, model=model)
        return FaqService(snapshot, thresholds=self.config.thresholds, semantic=model)

    def _figures(self, service: FaqService, texts: dict[Path, str]) -> Figures | None:
        devset = self.config.devset
        if devset is None or not devset.is_file():
            return None
        digest = hashlib.sha256()
        for path in sorted(texts):
            digest.update(texts[path].encode("utf-8"))
        digest.update(devset.read_bytes())
        # Figures with and without the embedding model are different bots' figures.
        model = service.semantic_in_use
        digest.update(f"\0semantic:{model.name if model else ''}".encode())
        key = digest.hexdigest()
        with self._cache_lock:
            cached = self._eval_cache.get(key)
        if cached is not None:
            return cached
        try:
            figures = Figures.of(evaluate(service, load_cases(devset)))
        except LearnError:
            raise
        except Exception as exc:  # a set that does not fit this FAQ: say which
            raise LearnError(f"{devset}: cannot measure the change: {exc}") from exc
        with self._cache_lock:
            self._eval_cache[key] = figures
        return figures

    def _gate(
        self, change: Change, before: Figures | None, after: Figures | None, force: bool
    ) -> bool:
        """Refuse a change that drops a figure below its threshold; True when forced past."""
        if before is None or after is None or not change.adds:
            return False
        failed = []
        if after.accuracy < self.config.min_accuracy and after.accuracy < before.accuracy:
            failed.append(
                f"accuracy would fall from {before.accuracy:.1%} to {after.accuracy:.1%}, "
                f"below {self.config.min_accuracy:.0%}"
            )
        if after.refusal < self.config.min_refusal and after.refusal < before.refusal:
            failed.append(
                f"refusal would fall from {before.refusal:.1%} to {after.refusal:.1%}, "
                f"below {self.config.min_refusal:.0%}"
            )
        if not failed:
            return False
        if not force:
            broke = " ".join(before.changes_to(after))
            raise LearnError(f"refused: {'; '.join(failed)}; nothing written. {broke}".rstrip())
        return True

    def _commit(self, file: Path, record: history.Record) -> str | None:
        folder = faq_folder(self.config.knowledge)
        files = [file]
        trail = self.config.history_path
        if trail.resolve().is_relative_to(folder.resolve()):
            files.append(trail)
        message = (
            f"learn: {record.change} “{record.phrasing}”"
            + (f" ({record.entry_id})" if record.entry_id else "")
            + f"\n\nTaught by {record.moderator} on {record.platform} through faqbot learn."
        )
        return commit(folder, files, message)


def _cleaned(change: Change) -> Change:
    phrasing = clean_input(change.phrasing, MAX_QUESTION_CHARS)
    if len(phrasing) > MAX_PHRASING_CHARS:
        raise LearnError(
            f"the phrasing is {len(phrasing)} characters; keep it under {MAX_PHRASING_CHARS}"
        )
    note = clean_input(change.note, MAX_QUESTION_CHARS) if change.note else None
    return Change(change.kind, phrasing, change.entry_id, note or None)


def _nearest_block(phrasing: str, service: FaqService) -> int | None:
    """Return the out-of-scope block nearest `phrasing` (None when none is near).

    Only a block the phrasing would be answered by, were it an entry, counts as near: its
    note is shown on refusal, and a block about visas says nothing true about the weather.
    """
    if not service.kb.out_of_scope:
        return None
    ranked = service.rank(phrasing, limit=10)
    near = service.thresholds.answer
    blocks = [c for c in ranked if is_out_of_scope(c.entry_id) and c.score >= near]
    if not blocks:
        return None
    return int(blocks[0].entry_id.rsplit("-", 1)[1])


def _find(docs: dict[Path, Document], key: str) -> tuple[Path, Found] | None:
    for file, doc in docs.items():
        found = find_phrasing(doc, key)
        if found is not None:
            return file, found
    return None


def _first_issue(exc: KnowledgeError, what: str) -> str:
    first = exc.issues[0] if exc.issues else None
    more = (
        f" (and {len(exc.issues) - 1} more; faqbot validate lists them)" if exc.issues[1:] else ""
    )
    return f"{what}: {first}{more}" if first else what


def _effect(reply: Reply) -> str:
    if reply.is_safety:
        return "the safety reply"
    if reply.outcome is Outcome.ANSWER and reply.entry is not None:
        return f"answered with {reply.entry.id} ({reply.score:.2f})"
    if reply.note:
        return "refused as out of scope"
    if reply.outcome is Outcome.SUGGEST:
        return "suggests " + ", ".join(s.entry_id for s in reply.suggestions)
    return "not answered"


def _notes(change: Change, effect: Reply) -> list[str]:
    if change.kind is ChangeKind.ADD and (
        effect.entry is None or effect.entry.id != change.entry_id
    ):
        return [
            f"Note: the bot does not answer it with {change.entry_id} yet ({_effect(effect)}); "
            "another entry's phrasings are closer."
        ]
    if change.kind is ChangeKind.OUT_OF_SCOPE and not effect.note:
        return [f"Note: the bot does not refuse it yet ({_effect(effect)})."]
    return []


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]

"""Load and validate a FAQ file or a folder of them into a KnowledgeBase."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from bot.errors import Issue, KnowledgeError
from bot.models import Entry, KnowledgeBase, OutOfScope, SafetyReply, Source, SourceRef, Topic
from bot.safety import SafetyCheck
from bot.schema import FileShape, validate
from bot.text import phrasing_key
from bot.yamlsource import Document, LinePath, read_yaml

__all__ = ["DEFAULT_MAX_BYTES", "load_knowledge"]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_M = TypeVar("_M")
_Item = TypeVar("_Item", Source, Topic, Entry)
_Located = tuple[Document, LinePath]  # where an item stands, for error lines


def load_knowledge(
    path: str | Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    texts: Mapping[Path, str] | None = None,
) -> KnowledgeBase:
    """Load a FAQ file, or every `*.yaml` file of a folder merged, and validate it all.

    Args:
        path: A YAML file or a folder of them.
        max_bytes: Size cap for each file.
        texts: New text for some of the files, validated in place of what is on disk (a
            change is checked before it replaces a file).

    Returns:
        The validated knowledge base.

    Raises:
        KnowledgeError: With every problem found, each naming file and line.
    """
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.glob("*.yaml") if p.is_file())
        if not files:
            raise KnowledgeError([Issue(str(root), 0, "folder holds no *.yaml files")])
    elif root.is_file():
        files = [root]
    else:
        hint = "no such file or folder (set FAQBOT_KNOWLEDGE or pass --knowledge to change it)"
        raise KnowledgeError([Issue(str(root), 0, hint)])
    builder = _Builder()
    for file in files:
        builder.add_file(file, max_bytes, (texts or {}).get(file))
    return builder.finish(str(root))


class _Builder:
    """Collects validated items from several files, then checks references across them."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.sources: dict[str, tuple[Source, _Located]] = {}
        self.topics: dict[str, tuple[Topic, _Located]] = {}
        self.entries: dict[str, tuple[Entry, _Located]] = {}
        self.synonyms: list[tuple[str, ...]] = []
        self.safety: tuple[SafetyReply, _Located] | None = None
        self.out_of_scope: list[tuple[OutOfScope, _Located]] = []
        self.retired: dict[str, tuple[str, _Located]] = {}
        # Ids of items that failed validation: references to them are not reported again.
        self.broken: set[str] = set()

    def add_file(self, file: Path, max_bytes: int, text: str | None = None) -> None:
        doc, issues = read_yaml(file, max_bytes, text)
        self.issues.extend(issues)
        if doc is None:
            return
        if not isinstance(doc.data, dict):
            self.issues.append(
                Issue(doc.path, 1, "the top level must be a mapping with `version: 1`")
            )
            return
        top = _validate(FileShape, doc.data, doc, (), self.issues, "file")
        if top is None:
            return
        self.synonyms.extend(tuple(group) for group in top.synonyms)
        self._collect(doc, "sources", Source, self.sources)
        self._collect(doc, "topics", Topic, self.topics)
        self._collect(doc, "entries", Entry, self.entries)
        self._collect_blocks(doc, top)

    def _collect(
        self, doc: Document, kind: str, model: type[_Item], table: dict[str, tuple[_Item, _Located]]
    ) -> None:
        for i, raw in enumerate(doc.data.get(kind, [])):
            label = _label(kind, raw, i)
            item = _validate(model, raw, doc, (kind, i), self.issues, label)
            if item is None:
                if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                    self.broken.add(raw["id"])
                continue
            previous = table.get(item.id)
            if previous is not None:
                first = _where(*previous[1])
                self._issue(doc, (kind, i, "id"), f"{label}: duplicate id (first at {first})")
                continue
            table[item.id] = (item, (doc, (kind, i)))

    def _collect_blocks(self, doc: Document, top: FileShape) -> None:
        if top.safety is not None:
            safety = _validate(SafetyReply, top.safety, doc, ("safety",), self.issues, "safety")
            if safety is not None and self.safety is not None:
                first = _where(*self.safety[1])
                self._issue(doc, ("safety",), f"safety: a second safety block (first at {first})")
            elif safety is not None:
                self.safety = (safety, (doc, ("safety",)))
        for i, raw in enumerate(top.out_of_scope):
            loc: LinePath = ("out_of_scope", i)
            label = f"out_of_scope #{i + 1}"
            block = _validate(OutOfScope, raw, doc, loc, self.issues, label)
            if block is not None:
                self.out_of_scope.append((block, (doc, loc)))
        for old, new in top.retired.items():
            if old in self.retired:
                first = _where(*self.retired[old][1])
                self._issue(
                    doc, ("retired", old), f"retired {old!r}: listed twice (first at {first})"
                )
            else:
                self.retired[old] = (new, (doc, ("retired", old)))

    def finish(self, origin: str) -> KnowledgeBase:
        self._check_references()
        self._check_retired()
        self._check_phrasings()
        self._check_safety_overlap()
        if not self.entries and not self.issues:
            self.issues.append(Issue(origin, 0, "the knowledge base has no entries"))
        if self.issues:
            raise KnowledgeError(self.issues)
        return KnowledgeBase(
            sources=tuple(m for m, _ in self.sources.values()),
            topics=tuple(m for m, _ in self.topics.values()),
            entries=tuple(m for m, _ in self.entries.values()),
            synonyms=tuple(self.synonyms),
            origin=origin,
            safety=self.safety[0] if self.safety else None,
            out_of_scope=tuple(b for b, _ in self.out_of_scope),
            retired=tuple((old, new) for old, (new, _) in self.retired.items()),
        )

    def _check_references(self) -> None:
        cited: list[tuple[str, tuple[SourceRef, ...], _Located]] = [
            (f"entry {e.id!r}", e.sources, at) for e, at in self.entries.values()
        ]
        if self.safety is not None:
            cited.append(("safety", self.safety[0].sources, self.safety[1]))
        for where, refs, (doc, loc) in cited:
            for i, ref in enumerate(refs):
                self._check_citation(where, ref, doc, (*loc, "sources", i))
        for entry, (doc, loc) in self.entries.values():
            where = f"entry {entry.id!r}"
            if entry.topic not in self.topics and entry.topic not in self.broken:
                self._issue(doc, (*loc, "topic"), f"{where}: unknown topic {entry.topic!r}")
            for i, other in enumerate(entry.related):
                at = (*loc, "related", i)
                if other == entry.id:
                    self._issue(doc, at, f"{where}: lists itself as related")
                elif other not in self.entries and other not in self.broken:
                    self._issue(doc, at, f"{where}: unknown related entry {other!r}")

    def _check_citation(self, where: str, ref: SourceRef, doc: Document, at: LinePath) -> None:
        known = self.sources.get(ref.source)
        if known is None:
            if ref.source not in self.broken:
                self._issue(doc, at, f"{where}: unknown source {ref.source!r}")
        elif ref.section is not None and not known[0].has_section(ref.section):
            self._issue(doc, at, f"{where}: source {ref.source!r} has no section {ref.section!r}")

    def _check_retired(self) -> None:
        for old, (new, (doc, loc)) in self.retired.items():
            if old in self.entries:
                self._issue(doc, loc, f"retired {old!r}: an entry still has this id")
            elif new not in self.entries and new not in self.broken:
                self._issue(doc, loc, f"retired {old!r}: unknown entry {new!r} to send it to")

    def _check_phrasings(self) -> None:
        seen: dict[str, tuple[str, str, int]] = {}
        spots: list[tuple[str, str, Document, LinePath]] = []
        for entry, (doc, loc) in self.entries.values():
            name = f"entry {entry.id!r}"
            spots.append((name, entry.question, doc, (*loc, "question")))
            spots += [
                (name, a, doc, (*loc, "alternates", i)) for i, a in enumerate(entry.alternates)
            ]
        for i, (block, (doc, loc)) in enumerate(self.out_of_scope):
            name = f"out_of_scope #{i + 1}"
            spots += [(name, p, doc, (*loc, "phrasings", j)) for j, p in enumerate(block.phrasings)]
        for name, text, doc, at in spots:
            key = phrasing_key(text)
            line = doc.line(at)
            if not key:
                self._issue(doc, at, f"{name}: phrasing {text!r} has no words")
                continue
            first = seen.get(key)
            if first is None:
                seen[key] = (name, doc.path, line)
            elif first[0] == name:
                self._issue(doc, at, f"{name}: phrasing {text!r} is listed twice")
            else:
                self._issue(
                    doc,
                    at,
                    f"{name}: phrasing {text!r} is also in {first[0]} ({first[1]}:{first[2]}); "
                    "one phrasing must lead to one entry",
                )

    def _check_safety_overlap(self) -> None:
        # A phrasing the safety check catches can never reach its entry: say so now.
        if self.safety is None:
            return
        check = SafetyCheck(self.safety[0].triggers)
        for entry, (doc, loc) in self.entries.values():
            for at, text in [((*loc, "question"), entry.question)] + [
                ((*loc, "alternates", i), a) for i, a in enumerate(entry.alternates)
            ]:
                reason = check.reason(text)
                if reason is not None:
                    self._issue(
                        doc,
                        at,
                        f"entry {entry.id!r}: phrasing {text!r} gets the safety reply ({reason}), "
                        "so this entry can never answer it",
                    )

    def _issue(self, doc: Document, loc: LinePath, message: str) -> None:
        self.issues.append(Issue(doc.path, doc.line(loc), message))


def _where(doc: Document, loc: LinePath) -> str:
    return f"{doc.path}:{doc.line(loc)}"


def _label(kind: str, raw: Any, index: int) -> str:
    singular = {"sources": "source", "topics": "topic", "entries": "entry"}[kind]
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return f"{singular} {raw['id']!r}"
    return f"{singular} #{index + 1}"


def _validate(
    model: type[_M], raw: Any, doc: Document, loc: LinePath, issues: list[Issue], label: str
) -> _M | None:
    try:
        return validate(model, raw)
    except ValidationError as exc:
        issues.extend(_explain(exc.errors(), doc, loc, label))
        return None


_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "dataclass_type": "a mapping",
    "dataclass_exact_type": "a mapping",
}


def _explain(errors: Iterable[Any], doc: Document, loc: LinePath, label: str) -> list[Issue]:
    errors = list(errors)
    # pydantic adds "too short" to a list whose items failed: the item errors say it better.
    deeper = {tuple(e["loc"][:-1]) for e in errors if len(e["loc"]) > 1}
    out = []
    for err in errors:
        sub = tuple(err["loc"])
        kind = err["type"]
        if kind == "too_short" and any(d[: len(sub)] == sub for d in deeper):
            continue
        field = ".".join(str(p) for p in sub) or "(value)"
        if kind in ("extra_forbidden", "unexpected_keyword_argument"):
            message = f"{label}: unknown key {field!r}"
        elif kind == "missing":
            message = f"{label}: missing key {field!r}"
        elif kind in _EXPECTED:
            got = type(err.get("input")).__name__
            hint = " (quote it: YAML reads yes/no/on/off as booleans)" if got == "bool" else ""
            message = f"{label}: {field} must be {_EXPECTED[kind]}, got {got}{hint}"
        else:
            message = f"{label}: {field}: {err['msg']}"
        out.append(Issue(doc.path, doc.line((*loc, *sub)), message))
    return out

"""Load and validate a FAQ file or a folder of them into a KnowledgeBase."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.errors import Issue, KnowledgeError
from bot.models import Entry, KnowledgeBase, Source, SourceRef, Topic
from bot.schema import EntryModel, FileModel, SourceModel, TopicModel
from bot.text import phrasing_key
from bot.yamlsource import Document, LinePath, read_yaml

__all__ = ["DEFAULT_MAX_BYTES", "load_knowledge"]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_M = TypeVar("_M", bound=BaseModel)
_Item = TypeVar("_Item", SourceModel, TopicModel, EntryModel)
_Located = tuple[Document, LinePath]  # where an item stands, for error lines


def load_knowledge(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> KnowledgeBase:
    """Load a FAQ file, or every `*.yaml` file of a folder merged, and validate it all.

    Args:
        path: A YAML file or a folder of them.
        max_bytes: Size cap for each file.

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
        raise KnowledgeError([Issue(str(root), 0, "no such file or folder")])
    builder = _Builder()
    for file in files:
        builder.add_file(file, max_bytes)
    return builder.finish(str(root))


class _Builder:
    """Collects validated items from several files, then checks references across them."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.sources: dict[str, tuple[SourceModel, _Located]] = {}
        self.topics: dict[str, tuple[TopicModel, _Located]] = {}
        self.entries: dict[str, tuple[EntryModel, _Located]] = {}
        self.synonyms: list[tuple[str, ...]] = []
        # Ids of items that failed validation: references to them are not reported again.
        self.broken: set[str] = set()

    def add_file(self, file: Path, max_bytes: int) -> None:
        doc, issues = read_yaml(file, max_bytes)
        self.issues.extend(issues)
        if doc is None:
            return
        if not isinstance(doc.data, dict):
            self.issues.append(
                Issue(doc.path, 1, "the top level must be a mapping with `version: 1`")
            )
            return
        top = _validate(FileModel, doc.data, doc, (), self.issues, "file")
        if top is None:
            return
        self.synonyms.extend(tuple(group) for group in top.synonyms)
        self._collect(doc, "sources", SourceModel, self.sources)
        self._collect(doc, "topics", TopicModel, self.topics)
        self._collect(doc, "entries", EntryModel, self.entries)

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
                first_doc, first_loc = previous[1]
                first = f"{first_doc.path}:{first_doc.line(first_loc)}"
                self._issue(doc, (kind, i, "id"), f"{label}: duplicate id (first at {first})")
                continue
            table[item.id] = (item, (doc, (kind, i)))

    def finish(self, origin: str) -> KnowledgeBase:
        self._check_references()
        self._check_phrasings()
        if not self.entries and not self.issues:
            self.issues.append(Issue(origin, 0, "the knowledge base has no entries"))
        if self.issues:
            raise KnowledgeError(self.issues)
        return KnowledgeBase(
            sources=tuple(
                Source(m.id, m.title, m.author, m.published, m.url, tuple(m.sections))
                for m, _ in self.sources.values()
            ),
            topics=tuple(Topic(m.id, m.title, m.summary) for m, _ in self.topics.values()),
            entries=tuple(
                Entry(
                    id=m.id,
                    topic=m.topic,
                    question=m.question,
                    answer=m.answer.strip(),
                    sources=tuple(SourceRef(r.source, r.section) for r in m.sources),
                    alternates=tuple(m.alternates),
                    related=tuple(m.related),
                )
                for m, _ in self.entries.values()
            ),
            synonyms=tuple(self.synonyms),
            origin=origin,
        )

    def _check_references(self) -> None:
        for entry, (doc, loc) in self.entries.values():
            where = f"entry {entry.id!r}"
            if entry.topic not in self.topics and entry.topic not in self.broken:
                self._issue(doc, (*loc, "topic"), f"{where}: unknown topic {entry.topic!r}")
            for i, ref in enumerate(entry.sources):
                at = (*loc, "sources", i)
                known = self.sources.get(ref.source)
                if known is None:
                    if ref.source in self.broken:
                        continue
                    self._issue(doc, at, f"{where}: unknown source {ref.source!r}")
                elif ref.section is not None and ref.section not in known[0].sections:
                    self._issue(
                        doc, at, f"{where}: source {ref.source!r} has no section {ref.section!r}"
                    )
            for i, other in enumerate(entry.related):
                at = (*loc, "related", i)
                if other == entry.id:
                    self._issue(doc, at, f"{where}: lists itself as related")
                elif other not in self.entries and other not in self.broken:
                    self._issue(doc, at, f"{where}: unknown related entry {other!r}")

    def _check_phrasings(self) -> None:
        seen: dict[str, tuple[str, str, int]] = {}
        for entry, (doc, loc) in self.entries.values():
            at_question: LinePath = (*loc, "question")
            spots = [(entry.question, at_question)]
            spots += [(a, (*loc, "alternates", i)) for i, a in enumerate(entry.alternates)]
            for text, at in spots:
                key = phrasing_key(text)
                line = doc.line(at)
                if not key:
                    self._issue(doc, at, f"entry {entry.id!r}: phrasing {text!r} has no words")
                    continue
                first = seen.get(key)
                if first is None:
                    seen[key] = (entry.id, doc.path, line)
                elif first[0] == entry.id:
                    self._issue(doc, at, f"entry {entry.id!r}: phrasing {text!r} is listed twice")
                else:
                    self._issue(
                        doc,
                        at,
                        f"entry {entry.id!r}: phrasing {text!r} is also in entry {first[0]!r} "
                        f"({first[1]}:{first[2]}); one phrasing must lead to one entry",
                    )

    def _issue(self, doc: Document, loc: LinePath, message: str) -> None:
        self.issues.append(Issue(doc.path, doc.line(loc), message))


def _label(kind: str, raw: Any, index: int) -> str:
    singular = {"sources": "source", "topics": "topic", "entries": "entry"}[kind]
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return f"{singular} {raw['id']!r}"
    return f"{singular} #{index + 1}"


def _validate(
    model: type[_M], raw: Any, doc: Document, loc: LinePath, issues: list[Issue], label: str
) -> _M | None:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        issues.extend(_explain(exc.errors(), doc, loc, label))
        return None


def _explain(errors: Iterable[Any], doc: Document, loc: LinePath, label: str) -> list[Issue]:
    out = []
    for err in errors:
        sub = tuple(err["loc"])
        field = ".".join(str(p) for p in sub) or "(value)"
        kind = err["type"]
        if kind == "extra_forbidden":
            message = f"{label}: unknown key {field!r}"
        elif kind == "missing":
            message = f"{label}: missing key {field!r}"
        elif kind in ("string_type", "int_type", "list_type", "dict_type", "model_type"):
            got = type(err.get("input")).__name__
            hint = " (quote it: YAML reads yes/no/on/off as booleans)" if got == "bool" else ""
            message = f"{label}: {field} must be {_expected(kind)}, got {got}{hint}"
        else:
            message = f"{label}: {field}: {err['msg']}"
        out.append(Issue(doc.path, doc.line((*loc, *sub)), message))
    return out


def _expected(kind: str) -> str:
    return {
        "string_type": "text",
        "int_type": "a whole number",
        "list_type": "a list",
        "dict_type": "a mapping",
        "model_type": "a mapping",
    }[kind]

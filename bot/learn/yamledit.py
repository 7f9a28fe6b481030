"""Edit a FAQ file as a person wrote it: comments, key order, quoting and block style survive.

ruamel.yaml's round-trip mode reads the file into commented containers, the change is made
on those, and the file is written back. Whatever ruamel would still normalise on the way
(say `url: null` written as `url:`) is kept out: only the lines the change itself touches
are carried into the original text (`patch`), so every other byte stays as it was.
"""

from __future__ import annotations

import difflib
import io
import itertools
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from bot.errors import LearnError
from bot.text import phrasing_key

__all__ = [
    "Document",
    "Found",
    "add_alternate",
    "add_out_of_scope",
    "find_phrasing",
    "patch",
    "remove_phrasing",
]


@dataclass(frozen=True, slots=True)
class Found:
    """Where a phrasing is in a file.

    Attributes:
        owner: `entry 'ID'` or `out_of_scope #N` (1-based, as validation messages say).
        entry_id: The entry's id, or None for an out-of-scope block.
        block: The out-of-scope block's index, or None for an entry.
        line: 1-based line of the phrasing.
    """

    owner: str
    entry_id: str | None
    block: int | None
    line: int


class Document:
    """One FAQ file read for a round trip.

    Attributes:
        name: The file's name, for messages.
        text: The text as read.
        data: The commented data ruamel built (change it, then call `dump`).
    """

    def __init__(self, text: str, name: str) -> None:
        """Read the text (a file that is not valid YAML is refused with its line)."""
        self.name = name
        self.text = text
        self._yaml = _round_trip(text)
        try:
            self.data: Any = self._yaml.load(text)
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            raise LearnError(f"{name}{line}: not valid YAML, fix it by hand first") from exc
        self._base = self._dump(self.data)  # before any change: what the round trip writes

    def dump(self) -> str:
        """Return the original text with only the changed lines replaced."""
        return patch(self.text, self._base, self._dump(self.data))

    def line_of(self, phrasing: str, written: str) -> int:
        """Return the line a new phrasing is on in `written` (`dump()`'s text), or 0."""
        before = self.text.splitlines()
        after = written.splitlines()
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
            if tag in ("insert", "replace"):
                for j in range(j1, j2):
                    if phrasing in after[j] or repr(phrasing)[1:-1] in after[j]:
                        return j + 1
        return 0

    def entries(self) -> list[CommentedMap]:
        """Return the file's entries (only mappings with an id)."""
        found = self.data.get("entries") if isinstance(self.data, CommentedMap) else None
        if not isinstance(found, CommentedSeq):
            return []
        return [e for e in found if isinstance(e, CommentedMap) and isinstance(e.get("id"), str)]

    def blocks(self) -> list[CommentedMap]:
        """Return the file's out-of-scope blocks."""
        found = self.data.get("out_of_scope") if isinstance(self.data, CommentedMap) else None
        if not isinstance(found, CommentedSeq):
            return []
        return [b for b in found if isinstance(b, CommentedMap)]

    def _dump(self, data: Any) -> str:
        out = io.StringIO()
        self._yaml.dump(data, out)
        return out.getvalue()


def find_phrasing(doc: Document, key: str) -> Found | None:
    """Find the entry or out-of-scope block whose phrasing has this `phrasing_key`."""
    for entry in doc.entries():
        spots: list[tuple[Any, int]] = [(entry.get("question"), _line(entry, "question"))]
        alternates = entry.get("alternates")
        if isinstance(alternates, CommentedSeq):
            spots += [(a, _item_line(alternates, i)) for i, a in enumerate(alternates)]
        for text, line in spots:
            if isinstance(text, str) and phrasing_key(text) == key:
                return Found(f"entry {entry['id']!r}", str(entry["id"]), None, line)
    for i, block in enumerate(doc.blocks()):
        phrasings = block.get("phrasings")
        if not isinstance(phrasings, CommentedSeq):
            continue
        for j, text in enumerate(phrasings):
            if isinstance(text, str) and phrasing_key(text) == key:
                return Found(f"out_of_scope #{i + 1}", None, i, _item_line(phrasings, j))
    return None


def add_alternate(doc: Document, entry_id: str, phrasing: str) -> bool:
    """Append a phrasing to an entry's alternates (creating the list after `question`).

    Returns:
        False when the entry is not in this file (nothing changed).
    """
    for entry in doc.entries():
        if entry["id"] != entry_id:
            continue
        alternates = entry.get("alternates")
        if not isinstance(alternates, CommentedSeq):
            alternates = CommentedSeq()
            keys = list(entry.keys())
            at = keys.index("question") + 1 if "question" in keys else len(keys)
            entry.insert(at, "alternates", alternates)
        alternates.append(_scalar(phrasing))
        return True
    return False


def add_out_of_scope(doc: Document, phrasing: str, block: int | None, note: str | None) -> None:
    """Add a phrasing to out-of-scope block `block`, or to a new block (with `note`)."""
    if not isinstance(doc.data, CommentedMap):
        raise LearnError(f"{doc.name}: the top level is not a mapping; fix it by hand first")
    blocks = doc.data.get("out_of_scope")
    if block is None:
        if not isinstance(blocks, CommentedSeq):
            blocks = CommentedSeq()
            doc.data["out_of_scope"] = blocks
        new = CommentedMap()
        if note:
            new["note"] = _scalar(note)
        new["phrasings"] = CommentedSeq([_scalar(phrasing)])
        blocks.append(new)
    else:
        target = doc.blocks()[block]
        phrasings = target.get("phrasings")
        if not isinstance(phrasings, CommentedSeq):
            raise LearnError(f"{doc.name}: out_of_scope #{block + 1} has no phrasings list")
        phrasings.append(_scalar(phrasing))


def remove_phrasing(doc: Document, key: str, entry_id: str | None) -> bool:
    """Remove the phrasing with this key from an entry (or, with None, an out-of-scope block).

    A block or an alternates list left empty goes too, so undoing a change that created one
    leaves the file as it was.

    Returns:
        True when it was found and removed.
    """
    if entry_id is not None:
        for entry in doc.entries():
            alternates = entry.get("alternates")
            if entry["id"] != entry_id or not isinstance(alternates, CommentedSeq):
                continue
            for i, text in enumerate(alternates):
                if isinstance(text, str) and phrasing_key(text) == key:
                    del alternates[i]
                    if not alternates:
                        del entry["alternates"]
                    return True
        return False
    all_blocks = doc.data.get("out_of_scope") if isinstance(doc.data, CommentedMap) else None
    for block in doc.blocks():
        phrasings = block.get("phrasings")
        if not isinstance(phrasings, CommentedSeq):
            continue
        for i, text in enumerate(phrasings):
            if isinstance(text, str) and phrasing_key(text) == key:
                del phrasings[i]
                if not phrasings and isinstance(all_blocks, CommentedSeq):
                    all_blocks.remove(block)
                    if not all_blocks:
                        del doc.data["out_of_scope"]
                return True
    return False


def patch(original: str, base: str, changed: str) -> str:
    """Carry the difference between `base` and `changed` into `original`.

    `base` is what the round trip writes for the unchanged data and `changed` what it writes
    after the edit. Where `base` and `original` agree around a changed spot (they almost
    always do), the original's own lines are kept everywhere else. If they do not line up,
    the round trip's text is used as it is: still the same data, comments and order. Either
    way comments keep their place above the key they introduce (see `_above_comments`).
    """
    orig, b, new = (s.splitlines(keepends=True) for s in (original, base, changed))
    to_orig = _alignment(b, orig)
    out: list[str] = []
    cursor = 0  # next line of `orig` not yet copied
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, b, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert":
            i1 = i2 = _above_comments(b, i1, new[j1])
        elif tag == "delete":
            i2 = _above_comments(b, i2, b[i1], stop=i1)  # keep the next key's comments
            if i2 == i1:
                continue
        start = to_orig.get(i1) if i1 < len(b) else len(orig)
        end = to_orig.get(i2 - 1) if i2 > i1 else start
        if start is None or end is None:
            return changed
        stop = end + 1 if i2 > i1 else start
        if start < cursor:
            return changed
        out += orig[cursor:start]
        out += new[j1:j2]
        cursor = stop
    out += orig[cursor:]
    return "".join(out)


def _above_comments(lines: list[str], at: int, item: str, stop: int = 0) -> int:
    """Move a position above the comments and blank lines that introduce the next key.

    ruamel keeps a comment that stands above a key as the tail of the list before it, so an
    item appended to that list would land under the comment, and deleting that list's last
    item would delete the comment. A comment less indented than the item belongs to what
    follows it: insert above it, delete only above it.
    """
    depth = _indent(item)
    while at > stop:
        line = lines[at - 1]
        if line.strip() == "" or (line.lstrip().startswith("#") and _indent(line) < depth):
            at -= 1
        else:
            break
    return at


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _alignment(base: list[str], orig: list[str]) -> dict[int, int]:
    """Map each line of `base` to the same line of `orig`, where the two texts agree."""
    mapping: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, base, orig, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            mapping[block.a + k] = block.b + k
    return mapping


def _round_trip(text: str) -> YAML:
    yml = YAML(typ="rt")
    yml.preserve_quotes = True
    yml.width = 4096  # never re-wrap a long line
    mapping, sequence, offset = _indentation(text)
    yml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yml.representer.add_representer(type(None), _represent_null)
    return yml


def _represent_null(representer: Any, _data: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _indentation(text: str) -> tuple[int, int, int]:
    """Guess how the file indents nested mappings and list items (default: 2, 4, 2).

    Only new structure (a new block, a new `alternates:` list) is written with these; lines
    that already exist keep their own indentation (see `patch`).
    """
    offset = 2
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if stripped.startswith("- ") and _indent(line) > 0:
            offset = _indent(line)  # how far "- " sits in from its parent key
            break
        if stripped.startswith("- "):
            offset = 0
            break
    return _mapping_indent(text), offset + 2, offset


def _mapping_indent(text: str) -> int:
    """Return the indentation of the first mapping nested under a top-level key (or 2)."""
    lines = text.splitlines()
    for here, below in itertools.pairwise(lines):
        opens = here and not here[0].isspace() and here.rstrip().endswith(":")
        nested = below.strip() and not below.lstrip().startswith(("-", "#"))
        if opens and nested and below[0] == " ":
            return _indent(below)
    return 2


def _scalar(text: str) -> Any:
    # The bot reads the file with PyYAML (YAML 1.1), which turns a bare `no`, `on` or `1e3`
    # into something else; ruamel writes for YAML 1.2. Quote whatever PyYAML would misread.
    try:
        plain_ok = yaml.safe_load(f"- {text}") == [text]
    except yaml.YAMLError:
        plain_ok = False
    return text if plain_ok else DoubleQuotedScalarString(text)


def _line(mapping: CommentedMap, key: str) -> int:
    try:
        return int(mapping.lc.value(key)[0]) + 1
    except (KeyError, TypeError, AttributeError):
        return int(mapping.lc.line) + 1


def _item_line(seq: CommentedSeq, index: int) -> int:
    try:
        return int(seq.lc.item(index)[0]) + 1
    except (KeyError, TypeError, AttributeError):
        return int(seq.lc.line) + 1

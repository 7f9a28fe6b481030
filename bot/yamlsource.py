"""Safe YAML reading that keeps line numbers and rejects what PyYAML lets through."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import Issue

__all__ = ["Document", "LinePath", "read_yaml"]

LinePath = tuple[str | int, ...]

_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{kind}"
    for kind in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


class _NoAliasLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases (billion-laughs and silent sharing)."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise ComposerError(
                None, None, "YAML aliases (*name) are not allowed here", event.start_mark
            )
        return super().compose_node(parent, index)


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed YAML file: plain data plus the line of every value.

    Attributes:
        path: The file it came from.
        data: Plain Python data (dicts, lists, scalars).
        lines: 1-based line of every value, keyed by its path in `data`.
    """

    path: str
    data: Any
    lines: dict[LinePath, int]

    def line(self, loc: LinePath) -> int:
        """Return the line of the value at `loc`, or of its nearest parent."""
        while loc not in self.lines and loc:
            loc = loc[:-1]
        return self.lines.get(loc, 1)


def read_yaml(
    path: Path, max_bytes: int, text: str | None = None
) -> tuple[Document | None, list[Issue]]:
    """Read one YAML file safely.

    Args:
        path: The file.
        max_bytes: Files larger than this are refused unread.
        text: The file's text, when it is checked before being written (`bot.learn`).

    Returns:
        The document (None when it could not be read) and the problems found.
    """
    name = str(path)
    try:
        size = path.stat().st_size if text is None else len(text.encode("utf-8"))
        if size > max_bytes:
            return None, [Issue(name, 0, f"file is {size} bytes, over the {max_bytes}-byte cap")]
        if text is None:
            text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Issue(name, 0, f"not UTF-8 text ({exc.reason})")]
    except OSError as exc:
        return None, [Issue(name, 0, f"cannot read file: {exc.strerror or exc}")]
    if _FastLoader is not None:
        # libyaml reads a large FAQ some twenty times faster; anything unusual (an
        # alias, a syntax error) is read again below for the exact diagnostics.
        with contextlib.suppress(yaml.YAMLError, _AliasSeen):
            return _read(_FastLoader(text), name, seen=set())
    try:
        return _read(_NoAliasLoader(text), name, seen=None)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_issue(name, exc, text)]
    except yaml.YAMLError as exc:
        return None, [Issue(name, 0, f"invalid YAML: {exc}")]


_FastLoader: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)


class _AliasSeen(Exception):
    """libyaml composed an alias (one node reached twice); the slow path names it."""


def _read(
    loader: yaml.SafeLoader, name: str, seen: set[int] | None
) -> tuple[Document | None, list[Issue]]:
    try:
        root = loader.get_single_node()
        if root is None:
            return None, [Issue(name, 1, "file is empty")]
        issues: list[Issue] = []
        lines: dict[LinePath, int] = {}
        data = _build(loader, root, (), lines, issues, name, seen)
        return Document(name, data, lines), issues
    finally:
        loader.dispose()


# Openers PyYAML reports where it gave up, often many lines below the real mistake.
_OPENERS = {
    "while parsing a flow sequence": "`[`",
    "while parsing a flow mapping": "`{`",
    "while scanning a quoted scalar": "quote",
}


def _syntax_issue(name: str, exc: yaml.MarkedYAMLError, text: str) -> Issue:
    """Name the line where the problem starts, not where PyYAML gave up.

    That is the line of an unclosed `[`, `{` or quote, or of a key missing its `:`
    (PyYAML notices that on the next line: "topic money" then "question: ..." reads as
    one key "topic money question").
    """
    found = exc.problem_mark.line + 1 if exc.problem_mark else 0
    opener = _OPENERS.get(exc.context or "")
    if opener and exc.context_mark is not None:
        return Issue(
            name,
            exc.context_mark.line + 1,
            f"invalid YAML: the {opener} opened on this line is never closed "
            f"(line {found}: {exc.problem})",
        )
    if exc.context == "while scanning a simple key" and exc.context_mark is not None:
        return Issue(name, exc.context_mark.line + 1, _NO_COLON + f" (line {found}: {exc.problem})")
    if exc.problem == "mapping values are not allowed here" and exc.problem_mark is not None:
        lines = text.splitlines()
        here = lines[found - 1] if 0 < found <= len(lines) else ""
        # Only where the line's first colon is the problem ("topic: x" under "- id banks");
        # a second colon in a value ("answer: Note: ...") is that line's own mistake.
        before = _previous_line(lines, found) if here.find(":") == exc.problem_mark.column else 0
        if before and ":" not in lines[before - 1]:
            return Issue(name, before, _NO_COLON + f" (line {found}: {exc.problem})")
    return Issue(name, found, f"invalid YAML: {exc.problem or exc.context}")


_NO_COLON = "invalid YAML: this line has no `:` after its key"


def _previous_line(lines: list[str], line: int) -> int:
    """Return the number of the last line before `line` that is not blank or a comment (0: none)."""
    for number in range(min(line - 1, len(lines)), 0, -1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return 0


def _build(
    loader: yaml.SafeLoader,
    node: Node,
    loc: LinePath,
    lines: dict[LinePath, int],
    issues: list[Issue],
    name: str,
    seen: set[int] | None,
) -> Any:
    _once(node, seen)
    lines[loc] = node.start_mark.line + 1
    if node.tag not in _PLAIN_TAGS:
        # Python object tags and custom tags: refuse instead of building anything.
        issues.append(
            Issue(name, node.start_mark.line + 1, f"YAML tag {node.tag!r} is not allowed")
        )
        return None
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                issues.append(Issue(name, key_node.start_mark.line + 1, "keys must be plain text"))
                continue
            _once(key_node, seen)
            key = loader.construct_object(key_node)
            if key == "<<":
                issues.append(
                    Issue(name, key_node.start_mark.line + 1, "merge keys (<<) are not allowed")
                )
                continue
            if key in result:
                first = lines.get((*loc, key), 0)
                issues.append(
                    Issue(
                        name,
                        key_node.start_mark.line + 1,
                        f"duplicate key {key!r} (first at line {first}); "
                        "YAML would silently keep only the last",
                    )
                )
                continue
            result[key] = _build(loader, value_node, (*loc, key), lines, issues, name, seen)
        return result
    if isinstance(node, SequenceNode):
        return [
            _build(loader, child, (*loc, i), lines, issues, name, seen)
            for i, child in enumerate(node.value)
        ]
    try:
        return loader.construct_object(node, deep=True)
    except ConstructorError as exc:
        issues.append(Issue(name, node.start_mark.line + 1, f"cannot read value: {exc.problem}"))
        return None


def _once(node: Node, seen: set[int] | None) -> None:
    if seen is not None:
        if id(node) in seen:
            raise _AliasSeen
        seen.add(id(node))

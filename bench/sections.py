"""Marked sections of docs/benchmarks.md, so each generator rewrites only its own.

A section runs from `<!-- NAME:start -->` to `<!-- NAME:end -->`. A generator that owns
a section replaces it (or appends it); a generator that writes the whole file keeps the
sections it does not own.
"""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(r"<!-- (?P<name>[\w-]+):start -->.*?<!-- (?P=name):end -->", re.DOTALL)


def marks(name: str) -> tuple[str, str]:
    """The start and end markers of a section."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(out: Path, name: str, body: str) -> None:
    """Replace section `name` of `out` with `body` (markers added), or append it."""
    start, end = marks(name)
    section = f"{start}\n{body.strip()}\n{end}"
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    out.write_text(text, encoding="utf-8")


def kept_sections(old: str, new: str) -> str:
    """Return `new` with every marked section of `old` that `new` lacks appended."""
    missing = [m.group(0) for m in _SECTION.finditer(old) if marks(m.group("name"))[0] not in new]
    if not missing:
        return new
    return new.rstrip() + "\n\n" + "\n\n".join(missing) + "\n"

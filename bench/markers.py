"""Benchmarks write their tables into docs/benchmarks.md between markers of their own."""

from __future__ import annotations

import re
from pathlib import Path

# Any marked section: `<!-- NAME:start -->` ... `<!-- NAME:end -->`.
_SECTION = re.compile(r"<!-- (?P<name>[\w-]+):start -->.*?<!-- (?P=name):end -->", re.DOTALL)


def replace_section(out: Path, start: str, end: str, report: str) -> None:
    """Put `report` (which begins with `start` and ends with `end`) into `out` in place."""
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + report + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + report + "\n"
    out.write_text(text, encoding="utf-8")


def publish(out: Path, lines: list[str]) -> int:
    """Write a generator's report (its first line its start marker, its last its end marker).

    Returns:
        0, the generator's exit status.
    """
    report = "\n".join(lines)
    replace_section(out, lines[0], lines[-1], report)
    print(report)
    return 0


def kept_sections(old: str, new: str) -> str:
    """Return `new` (a whole file's text) with every marked section of `old` it lacks.

    For a generator that writes the whole file (`bench.run`): the sections other
    generators own stay as they are.
    """
    missing = [
        m.group(0) for m in _SECTION.finditer(old) if f"<!-- {m.group('name')}:start -->" not in new
    ]
    if not missing:
        return new
    return new.rstrip() + "\n\n" + "\n\n".join(missing) + "\n"

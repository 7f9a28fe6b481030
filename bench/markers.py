"""Benchmarks write their tables into docs/benchmarks.md between markers of their own."""

from __future__ import annotations

from pathlib import Path


def replace_section(out: Path, start: str, end: str, report: str) -> None:
    """Put `report` (which begins with `start` and ends with `end`) into `out` in place."""
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + report + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + report + "\n"
    out.write_text(text, encoding="utf-8")

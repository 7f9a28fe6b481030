from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.service import FaqService

ROOT = Path(__file__).resolve().parent.parent
FAQ = ROOT / "knowledge" / "faq.yaml"

MINIMAL = """\
version: 1
sources:
  - id: src
    title: A source
    sections: [Part One]
topics:
  - id: tp
    title: A topic
    summary: About things.
entries:
  - id: first
    topic: tp
    question: What is the first thing?
    alternates: [first thing please]
    answer: The first answer.
    sources:
      - {source: src, section: Part One}
  - id: second
    topic: tp
    question: What about the second thing?
    answer: The second answer.
    sources: [{source: src}]
    related: [first]
"""


@pytest.fixture(scope="session")
def service() -> FaqService:
    return FaqService.from_path(FAQ)


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "faq.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.loader import DEFAULT_MAX_BYTES, load_knowledge
from tests.conftest import FAQ, MINIMAL


def errors_of(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(path, max_bytes)
    return [str(issue) for issue in caught.value.issues]


def test_shipped_faq_is_valid_and_complete() -> None:
    kb = load_knowledge(FAQ)
    assert 25 <= len(kb.entries) <= 40
    assert 8 <= len(kb.topics) <= 12
    assert all(len(e.alternates) >= 10 for e in kb.entries)
    cited = {(r.source, r.section) for e in kb.entries for r in e.sources}
    every_section = {(s.id, x) for s in kb.sources for x in (*s.sections, *s.untitled_sections)}
    assert every_section <= cited, f"sections nobody cites: {every_section - cited}"
    assert {t.id for t in kb.topics} == {e.topic for e in kb.entries}


def test_shipped_answers_avoid_the_articles_mistakes() -> None:
    kb = load_knowledge(FAQ)
    for entry in kb.entries:
        text = entry.answer.lower()
        assert "island" not in text or "not an island" in text, entry.id
        assert "founder kim jong" not in text, entry.id
    assert "Kim Il-sung" in kb.entry("who-rules").answer  # type: ignore[union-attr]


def test_minimal_file_loads(write_yaml: Callable[[str], Path]) -> None:
    kb = load_knowledge(write_yaml(MINIMAL))
    assert [e.id for e in kb.entries] == ["first", "second"]
    assert kb.entry("second").related == ("first",)  # type: ignore[union-attr]


# (what is broken, replace this, with this, the line the error must name, words it must contain)
BROKEN = [
    (
        "unknown key",
        "    answer: The first answer.",
        "    answer: The first answer.\n    answr: typo",
        "answr:",
        ["first", "unknown key 'answr'"],
    ),
    (
        "yaml boolean",
        "    answer: The second answer.",
        "    answer: no",
        "answer: no",
        ["second", "answer must be text", "bool"],
    ),
    (
        "duplicate key",
        "    answer: The first answer.",
        "    answer: The first answer.\n    answer: again",
        "answer: again",
        ["duplicate key 'answer'", "first at line 15"],
    ),
    (
        "duplicate id",
        "  - id: second",
        "  - id: first",
        "  - id: first\n    topic: tp\n    question: What about",
        ["duplicate id", "first at"],
    ),
    (
        "unknown topic",
        "    topic: tp\n    question: What about",
        "    topic: nope\n    question: What about",
        "topic: nope",
        ["second", "unknown topic 'nope'"],
    ),
    (
        "unknown source",
        "    sources: [{source: src}]",
        "    sources: [{source: gone}]",
        "source: gone",
        ["second", "unknown source 'gone'"],
    ),
    (
        "unknown section",
        "section: Part One}",
        "section: Part Two}",
        "Part Two",
        ["first", "no section 'Part Two'"],
    ),
    (
        "unknown related",
        "    related: [first]",
        "    related: [third]",
        "related: [third]",
        ["second", "unknown related entry 'third'"],
    ),
    (
        "self related",
        "    related: [first]",
        "    related: [second]",
        "related: [second]",
        ["lists itself"],
    ),
    (
        "same phrasing twice",
        "    answer: The second answer.",
        "    alternates: ['First thing, please!']\n    answer: The second answer.",
        "First thing, please!",
        ["second", "also in entry 'first'"],
    ),
    (
        "empty question",
        "question: What about the second thing?",
        "question: '   '",
        "question: '   '",
        ["second", "question"],
    ),
    (
        "empty answer",
        "    answer: The second answer.",
        "    answer: ''",
        "answer: ''",
        ["second", "answer"],
    ),
    (
        "no sources",
        "    sources: [{source: src}]",
        "    sources: []",
        "sources: []",
        ["second", "sources"],
    ),
    ("bad slug", "  - id: second", "  - id: Second Entry", "Second Entry", ["id", "pattern"]),
    ("alias", "    answer: The second answer.", "    answer: *ans", "*ans", ["aliases"]),
    (
        "python tag",
        "    answer: The second answer.",
        "    answer: !!python/object/apply:os.system [ls]",
        "!!python",
        ["tag", "not allowed"],
    ),
    (
        "syntax",
        "    answer: The second answer.",
        "    answer: [unclosed",
        "[unclosed",
        ["invalid YAML", "`[` opened on this line is never closed"],
    ),
    (
        "unclosed quote",
        "    answer: The second answer.",
        '    answer: "The second answer.',
        '"The second',
        ["invalid YAML", "quote opened on this line is never closed"],
    ),
    ("wrong version", "version: 1", "version: 2", "version: 2", ["version"]),
    # PyYAML notices a missing colon on the next line; the error names the line to fix.
    (
        "key without colon",
        "    answer: The second answer.",
        "    answer The second answer.",
        "answer The",
        ["invalid YAML", "no `:` after its key"],
    ),
    ("id without colon", "  - id: second", "  - id second", "id second", ["no `:` after its key"]),
    # A second colon in a value is that line's own mistake, not the line above's.
    (
        "colon in a value",
        "    alternates: [first thing please]\n    answer: The first answer.",
        "    alternates:\n      - first thing please\n    answer: Note: the first answer.",
        "answer: Note",
        ["mapping values are not allowed here"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "marker", "needles"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_each_rule_names_file_line_and_entry(
    write_yaml: Callable[[str], Path], old: str, new: str, marker: str, needles: list[str]
) -> None:
    assert old in MINIMAL
    text = MINIMAL.replace(old, new, 1)
    line = text[: text.index(marker)].count("\n") + 1
    path = write_yaml(text)
    errors = errors_of(path)
    hits = [e for e in errors if all(n in e for n in needles)]
    assert hits, errors
    assert hits[0].startswith(f"{path}:{line}: "), hits[0]


def test_all_errors_are_collected(write_yaml: Callable[[str], Path]) -> None:
    text = MINIMAL.replace(
        "topic: tp\n    question: What about", "topic: nope\n    question: What about"
    )
    text = text.replace("related: [first]", "related: [third]").replace(
        "answer: The first answer.", "answer: yes"
    )
    errors = errors_of(write_yaml(text))
    assert len(errors) == 3, errors


def test_size_cap(write_yaml: Callable[[str], Path]) -> None:
    errors = errors_of(write_yaml(MINIMAL), max_bytes=100)
    assert "over the 100-byte cap" in errors[0]


def test_missing_path(tmp_path: Path) -> None:
    assert "no such file" in errors_of(tmp_path / "nope.yaml")[0]


def test_folder_is_merged_and_checked_across_files(write_yaml: Callable[[str, str], Path]) -> None:
    write_yaml(MINIMAL, "a.yaml")
    extra = """\
    version: 1
    entries:
      - id: third
        topic: tp
        question: A third question here?
        answer: Third.
        sources: [{source: src}]
        related: [first]
    """
    path = write_yaml(extra, "b.yaml")
    kb = load_knowledge(path.parent)
    assert [e.id for e in kb.entries] == ["first", "second", "third"]
    write_yaml(extra.replace("third", "first", 1), "b.yaml")
    errors = errors_of(path.parent)
    assert any("b.yaml:3" in e and "duplicate id" in e and "a.yaml:" in e for e in errors), errors


BLOCKS = (
    MINIMAL.replace(
        "    sections: [Part One]", "    sections: [Part One]\n    untitled_sections: [Side Note]"
    )
    + """\
safety:
  question: Are you at risk?
  answer: |
    First line
    continues here.

    Second paragraph.
  sources: [ {source: src, section: Side Note} ]
  triggers: [i want to escape]
out_of_scope:
  - note: Not about visits.
    phrasings: [can i visit the place]
retired:
  old-first: first
"""
)


def test_blocks_load_and_answers_flow(write_yaml: Callable[[str], Path]) -> None:
    kb = load_knowledge(write_yaml(BLOCKS))
    assert kb.safety is not None and kb.safety.triggers == ("i want to escape",)
    assert kb.safety.answer == "First line continues here.\n\nSecond paragraph."
    assert kb.safety.entry.id == "safety" and kb.safety.sources[0].section == "Side Note"
    assert kb.out_of_scope[0].note == "Not about visits."
    assert kb.current("old-first") == kb.entry("first")


# (what is broken, replace this, with this, the line the error must name, words it must contain)
BROKEN_BLOCKS = [
    (
        "retired to nowhere",
        "  old-first: first",
        "  old-first: nowhere",
        "old-first: nowhere",
        ["retired 'old-first'", "unknown entry 'nowhere'"],
    ),
    (
        "retired id in use",
        "  old-first: first",
        "  second: first",
        "second: first",
        ["retired 'second'", "an entry still has this id"],
    ),
    (
        "phrasing gets the safety reply",
        "alternates: [first thing please]",
        "alternates: [first thing please, i want to escape north korea]",
        "alternates: [first",
        ["entry 'first'", "gets the safety reply", "can never answer it"],
    ),
    (
        "out-of-scope phrasing of an entry",
        "phrasings: [can i visit the place]",
        "phrasings: [first thing please]",
        "phrasings: [first",
        ["out_of_scope #1", "also in entry 'first'"],
    ),
    (
        "safety without triggers",
        "  triggers: [i want to escape]\n",
        "",
        "  question: Are you at risk?",
        ["safety", "missing key 'triggers'"],
    ),
    (
        "safety cites a missing section",
        "section: Side Note} ]",
        "section: Back Page} ]",
        "Back Page",
        ["safety", "no section 'Back Page'"],
    ),
    (
        "out-of-scope note is not text",
        "  - note: Not about visits.",
        "  - note: no",
        "note: no",
        ["out_of_scope #1", "note must be text", "bool"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "marker", "needles"),
    [case[1:] for case in BROKEN_BLOCKS],
    ids=[case[0] for case in BROKEN_BLOCKS],
)
def test_each_block_rule_names_file_line_and_item(
    write_yaml: Callable[[str], Path], old: str, new: str, marker: str, needles: list[str]
) -> None:
    assert old in BLOCKS
    text = BLOCKS.replace(old, new, 1)
    line = text[: text.index(marker)].count("\n") + 1
    path = write_yaml(text)
    errors = errors_of(path)
    hits = [e for e in errors if all(n in e for n in needles)]
    assert hits, errors
    assert hits[0].startswith(f"{path}:{line}: "), hits[0]


def test_a_second_safety_block_is_refused(write_yaml: Callable[[str, str], Path]) -> None:
    write_yaml(BLOCKS, "a.yaml")
    second = "version: 1\nsafety:\n  question: Again?\n  answer: Again.\n"
    second += "  sources: [{source: src}]\n  triggers: [help me escape]\n"
    path = write_yaml(second, "b.yaml")
    errors = errors_of(path.parent)
    assert any("b.yaml:3: safety: a second safety block (first at" in e for e in errors), errors

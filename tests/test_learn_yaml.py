"""Round-trip edits of FAQ files: only the taught line changes, everything else stays as written."""

from __future__ import annotations

import difflib

import pytest
import yaml

from bot.learn.yamledit import (
    Document,
    add_alternate,
    add_out_of_scope,
    find_phrasing,
    remove_phrasing,
)
from bot.text import phrasing_key
from tests.conftest import FAQ, MINIMAL

SHIPPED = FAQ.read_text(encoding="utf-8")


def diff(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_an_untouched_round_trip_changes_no_byte() -> None:
    assert Document(SHIPPED, "faq.yaml").dump() == SHIPPED


@pytest.mark.parametrize(
    ("text", "entry", "phrasing", "expected"),
    [
        (  # block list: one line appended, indented like its neighbours
            SHIPPED,
            "family-punishment",
            "r relatives of runaways punished in nk",
            ["+      - r relatives of runaways punished in nk"],
        ),
        (  # flow list stays a flow list; YAML 1.1 booleans are quoted
            MINIMAL,
            "first",
            "no",
            [
                "-    alternates: [first thing please]",
                '+    alternates: [first thing please, "no"]',
            ],
        ),
        (  # no alternates yet: the list is made right after the question
            MINIMAL,
            "second",
            "what: about it",
            ["+    alternates:", '+      - "what: about it"'],
        ),
    ],
    ids=["block-list", "flow-list", "new-list"],
)
def test_adding_an_alternate_changes_only_its_lines(
    text: str, entry: str, phrasing: str, expected: list[str]
) -> None:
    doc = Document(text, "faq.yaml")
    assert add_alternate(doc, entry, phrasing)
    written = doc.dump()
    assert diff(text, written) == expected
    data = yaml.safe_load(written)  # the loader's own reader sees the exact text
    (found,) = [e for e in data["entries"] if e["id"] == entry]
    assert found["alternates"][-1] == phrasing
    assert (
        found["question"]
        == next(e for e in yaml.safe_load(text)["entries"] if e["id"] == entry)["question"]
    )


def test_comments_and_quoting_survive_every_kind_of_edit() -> None:
    doc = Document(SHIPPED, "faq.yaml")
    add_alternate(doc, "legal-travel", "can nk people go abroad for work")
    add_out_of_scope(doc, "is pyongyang worth visiting", 0, None)
    add_out_of_scope(doc, "can i bring a camera", None, "Visitors' questions: not covered.")
    written = doc.dump()
    comments = [line for line in SHIPPED.splitlines() if line.lstrip().startswith("#")]
    assert [line for line in written.splitlines() if line.lstrip().startswith("#")] == comments
    assert all(line.startswith("+") for line in diff(SHIPPED, written))  # nothing rewritten
    assert '    title: "Why Don\'t People Leave North Korea"' in written  # quotes kept
    assert "    answer: |\n" in written and "  - note: >-\n" in written  # block styles kept
    # A new group goes after the last one, above the comment that introduces `retired:`.
    tail = written.split("# Ids that went away")[0].rstrip().splitlines()
    assert tail[-3:] == [
        '  - note: "Visitors\' questions: not covered."',
        "    phrasings:",
        "      - can i bring a camera",
    ]


@pytest.mark.parametrize("text", [SHIPPED, MINIMAL], ids=["shipped", "minimal"])
def test_undo_gives_back_the_file_byte_for_byte(text: str) -> None:
    doc = Document(text, "faq.yaml")
    entry = "first" if "id: first" in text else "banks"
    add_alternate(doc, entry, "a phrasing to take back")
    add_out_of_scope(doc, "an out of scope one", None, "A note.")
    changed = Document(doc.dump(), "faq.yaml")
    assert remove_phrasing(changed, phrasing_key("a phrasing to take back"), entry)
    assert remove_phrasing(changed, phrasing_key("an out of scope one"), None)
    assert changed.dump() == text


def test_find_phrasing_names_the_owner_and_line() -> None:
    doc = Document(SHIPPED, "faq.yaml")
    found = find_phrasing(doc, phrasing_key("What happens to defectors families?"))
    assert found is not None and found.owner == "entry 'family-punishment'"
    assert SHIPPED.splitlines()[found.line - 1].strip() == "- what happens to defectors families"
    scoped = find_phrasing(doc, phrasing_key("can i visit north korea"))
    assert scoped is not None and scoped.owner == "out_of_scope #1" and scoped.entry_id is None
    assert find_phrasing(doc, phrasing_key("something nobody wrote")) is None

"""Reading YAML: libyaml's fast path says exactly what the careful path says."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.yamlsource as yamlsource
from bot.errors import Issue
from bot.yamlsource import Document, read_yaml
from tests.conftest import FAQ

CASES = {
    "plain": "a: 1\nb: [x, y]\nc:\n  d: text\n",
    "alias": "a: &x [1, 2]\nb: *x\n",
    "alias-as-key": "a: &k foo\n*k : 2\n",
    "merge-key": "a: &m {x: 1}\nb:\n  <<: *m\n",
    "laughs": "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n",
    "unclosed": "a: [1, 2\nb: 3\n",
    "duplicate": "a: 1\na: 2\n",
    "python-tag": "a: !!python/object:os.system x\n",
    "empty": "",
}


def careful(path: Path, text: str | None) -> tuple[Document | None, list[Issue]]:
    fast, yamlsource._FastLoader = yamlsource._FastLoader, None
    try:
        return read_yaml(path, 10**8, text)
    finally:
        yamlsource._FastLoader = fast


@pytest.mark.skipif(yamlsource._FastLoader is None, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_and_careful_reads_agree(name: str) -> None:
    path = Path("faq.yaml")
    assert read_yaml(path, 10**8, CASES[name]) == careful(path, CASES[name])


def test_the_shipped_faq_reads_the_same_both_ways() -> None:
    assert read_yaml(FAQ, 10**8) == careful(FAQ, None)


@pytest.mark.parametrize("name", ["alias", "alias-as-key", "merge-key", "laughs"])
def test_aliases_are_refused_on_the_line_that_uses_them(name: str) -> None:
    document, issues = read_yaml(Path("faq.yaml"), 10**8, CASES[name])
    assert document is None
    assert [i.message for i in issues] == [
        "invalid YAML: YAML aliases (*name) are not allowed here"
    ]

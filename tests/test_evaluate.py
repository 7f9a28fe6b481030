"""`faqbot eval` and the dev set: the shipped FAQ meets its quality thresholds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from adapters import cli
from adapters.cli import DEFAULT_DEVSET, main
from bot.errors import FaqBotError
from bot.evaluate import evaluate, load_cases
from bot.service import FaqService
from bot.text import phrasing_key
from tests.test_holdout import TWINS_FAQ

SMALL_DEV = """\
- {q: is it against the law to leave nk, expect: illegal}
- {q: how do i bake bread, expect: none}
"""
SMALL_UNTUNED = """\
- {q: can you be arrested for leaving, kind: in_scope, expect: illegal}
- {q: are families punished, kind: in_scope, expect: family}
- {q: is it illegal to leave cuba, kind: look_alike, expect: none}
- {q: what's the best pizza, kind: off_topic, expect: none}
"""


def test_dev_set_is_big_enough_and_not_copied(service: FaqService) -> None:
    cases = load_cases(DEFAULT_DEVSET)
    assert len(cases) >= 200
    assert sum(c.expect == "none" for c in cases) >= 50
    phrasings = {phrasing_key(p) for e in service.kb.entries for p in e.phrasings}
    assert not [c.question for c in cases if phrasing_key(c.question) in phrasings]
    assert len({phrasing_key(c.question) for c in cases}) == len(cases)


def test_shipped_faq_meets_quality_thresholds(service: FaqService) -> None:
    report = evaluate(service, load_cases(DEFAULT_DEVSET))
    misses = "\n".join(f"{m.case.question!r}: {m.outcome} {m.got}" for m in report.misses)
    assert report.accuracy >= 0.92, misses
    assert report.refusal_rate >= 0.92, misses


def test_eval_command_passes_and_fails_on_thresholds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--no-holdout", "--min-accuracy", "0.92", "--min-refusal", "0.92"]) == 0
    out = capsys.readouterr().out
    assert "in scope:" in out and "out of scope:" in out
    assert main(["eval", "--no-holdout", "--min-accuracy", "1.01"]) == 1
    assert "below threshold" in capsys.readouterr().err


def test_eval_lists_misses(
    write_yaml: Callable[[str, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    cases = write_yaml(
        "- {q: what is bitcoin, expect: banks}\n- {q: is leaving nk illegal, expect: none}\n",
        "set.yaml",
    )
    assert main(["eval", "--no-holdout", "--set", str(cases)]) == 0
    out = capsys.readouterr().out
    assert "0/1 answered right" in out and "0/1 refused" in out
    assert "MISS 'what is bitcoin': expected banks" in out
    assert "MISS 'is leaving nk illegal': expected none, got answer leaving-illegal" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("q: not a list", "is a YAML list"),
        ("- {q: hi}", "item 1 must be"),
        ("- {q: hi, expect: no-such-entry}", "lacks: no-such-entry"),
    ],
)
def test_bad_labelled_sets_are_clear_errors(
    service: FaqService, write_yaml: Callable[[str, str], Path], text: str, message: str
) -> None:
    path = write_yaml(text, "set.yaml")
    with pytest.raises(FaqBotError, match=message):
        evaluate(service, load_cases(path))


def test_eval_shows_dev_untuned_and_leave_one_out(
    write_yaml: Callable[[str, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    faq = write_yaml(TWINS_FAQ, "faq.yaml")
    dev = write_yaml(SMALL_DEV, "dev.yaml")
    untuned = write_yaml(SMALL_UNTUNED, "untuned.yaml")
    args = ["eval", "--knowledge", str(faq), "--set", str(dev), "--untuned", str(untuned)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("matcher: lexical\n")  # FAQBOT_SEMANTIC_MODEL is off in tests
    sections = [line for line in out.splitlines() if line.startswith("== ")]
    assert [s.split(":")[0] for s in sections] == [
        "== dev set",
        "== untuned set, never tuned on",
        "== leave-one-phrasing-out",
    ]
    assert "== leave-one-phrasing-out: 5 alternates" in out
    assert "look-alike " in out and "off-topic " in out  # refusals by kind
    loo = out.splitlines()[-1]
    for part in ("answered right", "right first suggestion", "refused", "answered wrong"):
        assert part in loo


def test_a_missing_untuned_set_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    absent = tmp_path / "untuned.yaml"
    assert main(["eval", "--no-holdout", "--untuned", str(absent)]) == 0
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if "untuned" in line]
    assert line == f"== untuned set: {absent} not found: skipped =="


def test_an_installed_package_without_the_untuned_set_says_where_it_ships(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Installed, the default path points into site-packages/tests/, which never exists.
    monkeypatch.setattr(cli, "DEFAULT_UNTUNED", tmp_path / "tests" / "untuned.yaml")
    assert (
        main(["eval", "--no-holdout", "--untuned", str(tmp_path / "tests" / "untuned.yaml")]) == 0
    )
    (line,) = [line for line in capsys.readouterr().out.splitlines() if "untuned" in line]
    assert "skipped (it ships with a source checkout, tests/untuned.yaml" in line
    assert str(tmp_path) not in line

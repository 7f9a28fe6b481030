from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.cli import main
from tests.conftest import FAQ, MINIMAL


def test_validate_shipped_faq(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FAQ)]) == 0
    out = capsys.readouterr().out
    assert "OK:" in out and "entries" in out and "alternates" in out


def test_validate_lists_every_error(
    write_yaml: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml(
        MINIMAL.replace(
            "topic: tp\n    question: What about", "topic: x\n    question: What about"
        ).replace("answer: The first answer.", "answer: on")
    )
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "2 errors" in err and f"{path}:15:" in err and f"{path}:19:" in err
    assert "Traceback" not in err


def test_knowledge_option_and_env(
    write_yaml: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_yaml(MINIMAL)
    assert main(["ask", "--knowledge", str(path), "first", "thing"]) == 0
    assert "The first answer." in capsys.readouterr().out
    monkeypatch.setenv("FAQBOT_KNOWLEDGE", str(path))
    assert main(["ask", "the", "second", "thing"]) == 0
    assert "The second answer." in capsys.readouterr().out


def test_broken_faq_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--knowledge", str(tmp_path / "missing.yaml"), "hi"]) == 1
    err = capsys.readouterr().err
    assert "missing.yaml: no such file or folder" in err and "Traceback" not in err


def test_bad_setting_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAQBOT_ANSWER_THRESHOLD", "lots")
    assert main(["topics"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("faqbot: error: FAQBOT_ANSWER_THRESHOLD=lots:") and err.count("\n") == 1


def test_usage_error_exits_2() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2

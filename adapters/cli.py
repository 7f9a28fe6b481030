"""The `faqbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import ValidationError

from adapters.console import ConsoleChat, PromptSafeHandler, terminal_width
from adapters.plaintext import render_reply, render_sources, render_topics
from adapters.platform_settings import configured_secrets
from adapters.runner import configured_adapters, configured_moderators, serve
from bot.contract import reply_to_json
from bot.conversation import Conversation
from bot.errors import FaqBotError, KnowledgeError
from bot.evaluate import evaluate, load_cases
from bot.loader import load_knowledge
from bot.logsetup import configure_logging
from bot.qlog import QuestionLog
from bot.report import build_report, render_report
from bot.service import FaqService, Thresholds
from bot.settings import Settings
from bot.state import Hasher
from bot.watch import watch_in_thread

__all__ = ["build_parser", "main"]

log = logging.getLogger("faqbot")

DEFAULT_DEVSET = Path(__file__).resolve().parent.parent / "tests" / "devset.yaml"


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (global options work before or after the command)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--knowledge",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="FAQ file or folder of *.yaml files (default: FAQBOT_KNOWLEDGE or knowledge/faq.yaml)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks and debug logs",
    )
    parser = argparse.ArgumentParser(
        prog="faqbot",
        parents=[common],
        description="A cited-answer FAQ bot about why North Koreans cannot simply leave.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", parents=[common], help="start every configured adapter (default)")
    sub.add_parser("chat", parents=[common], help="chat in the terminal (works with a pipe)")
    ask = sub.add_parser(
        "ask", parents=[common], help="answer one question, or '-' for stdin lines"
    )
    ask.add_argument("question", nargs="+", help="the question, or - to read one per line")
    ask.add_argument("--json", action="store_true", help="print the JSON contract")
    sub.add_parser("topics", parents=[common], help="list the topics")
    sub.add_parser("sources", parents=[common], help="list the cited sources")
    validate = sub.add_parser("validate", parents=[common], help="check a FAQ file or folder")
    validate.add_argument("path", nargs="?", type=Path, help="defaults to the configured FAQ")
    rep = sub.add_parser("report", parents=[common], help="what people asked that the FAQ missed")
    rep.add_argument("--days", type=float, default=7.0, help="look back this many days (default 7)")
    rep.add_argument("--json", action="store_true", help="print JSON")
    ev = sub.add_parser("eval", parents=[common], help="measure matching on a labelled set")
    ev.add_argument(
        "--set",
        type=Path,
        default=DEFAULT_DEVSET,
        dest="cases",
        metavar="FILE",
        help="YAML list of {q: ..., expect: ENTRY_ID or none} (default: the dev set)",
    )
    ev.add_argument(
        "--min-accuracy",
        type=float,
        default=0.0,
        metavar="X",
        help="exit 1 if in-scope top-1 accuracy is below X (0-1)",
    )
    ev.add_argument(
        "--min-refusal",
        type=float,
        default=0.0,
        metavar="X",
        help="exit 1 if the out-of-scope refusal rate is below X (0-1)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 usage)."""
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        settings = Settings()
        configure_logging(
            logging.DEBUG if debug else settings.log_level.upper(),
            _secrets(),
            payloads=settings.log_payloads,
        )
        if hasattr(args, "knowledge"):
            settings = settings.model_copy(update={"knowledge": args.knowledge})
        return _dispatch(args, settings)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`faqbot eval | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KnowledgeError as exc:
        print(f"faqbot: {exc}", file=sys.stderr)
        return 1
    except (FaqBotError, ValidationError, OSError) as exc:
        if debug:
            raise
        print(f"faqbot: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:
        if debug:
            raise
        print(
            f"faqbot: unexpected error: {type(exc).__name__}: {_one_line(exc)} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "run"
    if command == "validate":
        return _validate(args.path or settings.knowledge, settings)
    service = FaqService.from_path(
        settings.knowledge,
        thresholds=Thresholds(
            settings.answer_threshold, settings.suggest_threshold, settings.answer_margin
        ),
        max_chars=settings.max_question_chars,
        max_file_bytes=settings.max_file_bytes,
    )
    if command == "ask":
        return _ask(service, args.question, as_json=args.json)
    if command == "eval":
        return _eval(service, args.cases, args.min_accuracy, args.min_refusal)
    if command == "report":
        return _report(service, settings, args.days, as_json=args.json)
    if command in ("topics", "sources"):
        print(
            render_topics(service.topics())
            if command == "topics"
            else render_sources(service.sources())
        )
        return 0
    service.qlog = _open_log(settings)
    conversation = Conversation(
        service,
        moderators=configured_moderators(),
        policy=settings.rate_policy(),
        hasher=Hasher(settings.hash_secret.get_secret_value().encode())
        if settings.hash_secret
        else None,
    )
    try:
        if command == "run":
            adapters = configured_adapters(conversation)
            if adapters:
                watch = settings.knowledge if settings.watch else None
                return asyncio.run(serve(adapters, conversation=conversation, watch=watch))
        # "chat", and "run" while no platform adapter is configured.
        return _chat(conversation, settings)
    finally:
        if service.qlog is not None:
            service.qlog.close()


def _chat(conversation: Conversation, settings: Settings) -> int:
    interactive = sys.stdin.isatty()
    if interactive:  # reload messages go above the prompt, not over it
        handler = PromptSafeHandler(sys.stderr)
        handler.setFormatter(logging.getLogger().handlers[0].formatter)
        logging.getLogger().handlers[:] = [handler]
    watching = settings.watch
    stop = watch_in_thread(conversation.service, settings.knowledge) if watching else None
    chat = ConsoleChat(conversation, width=terminal_width() if interactive else None)
    try:
        chat.run(sys.stdin, sys.stdout, interactive=interactive)
    finally:
        chat.close()
        if stop is not None:
            stop.set()
    return 0


def _open_log(settings: Settings) -> QuestionLog | None:
    if not settings.log_enabled:
        return None
    return QuestionLog(
        settings.log_path,
        store_text=settings.log_questions,
        store_ids=settings.log_user_ids,
        retention_days=settings.log_retention_days,
    )


def _report(service: FaqService, settings: Settings, days: float, *, as_json: bool) -> int:
    if not settings.log_path.exists():
        raise FaqBotError(f"{settings.log_path}: no question log yet (it is created by faqbot run)")
    qlog = QuestionLog(settings.log_path, retention_days=settings.log_retention_days)
    try:
        report = build_report(service, qlog, days)
    finally:
        qlog.close()
    print(json.dumps(report.to_json(), ensure_ascii=False) if as_json else render_report(report))
    return 0


def _validate(path: Path, settings: Settings) -> int:
    kb = load_knowledge(path, settings.max_file_bytes)  # KnowledgeError is reported by main
    refused = sum(len(block.phrasings) for block in kb.out_of_scope)
    print(
        f"{path}: OK: {len(kb.entries)} entries, {len(kb.topics)} topics, "
        f"{len(kb.sources)} sources, {kb.alternate_count} alternates, "
        f"{len(kb.synonyms)} synonym groups, {refused} out-of-scope phrasings, "
        f"{len(kb.retired)} retired ids, safety reply: {'yes' if kb.safety else 'none'}"
    )
    if kb.safety is None:
        # Valid (generic FAQs need none), but for this bot's subject it is a gap to see.
        print(
            "faqbot: warning: no `safety:` block, so people at risk get ordinary answers",
            file=sys.stderr,
        )
    return 0


def _ask(service: FaqService, words: list[str], *, as_json: bool) -> int:
    stdin_lines = (line.rstrip("\n") for line in sys.stdin)
    questions: Iterable[str] = stdin_lines if words == ["-"] else [" ".join(words)]
    for question in questions:
        reply = service.ask(question)
        if as_json:
            print(json.dumps(reply_to_json(reply), ensure_ascii=False), flush=True)
        else:
            print(render_reply(reply, hint=False)[0] + "\n", flush=True)
    return 0


def _eval(service: FaqService, path: Path, min_accuracy: float, min_refusal: float) -> int:
    report = evaluate(service, load_cases(path))
    print(f"{path}: {report.in_scope + report.out_of_scope} questions")
    print(
        f"in scope:     {report.correct}/{report.in_scope} answered right ({report.accuracy:.1%})"
    )
    print(
        f"out of scope: {report.refused}/{report.out_of_scope} refused ({report.refusal_rate:.1%})"
    )
    for miss in report.misses:
        print(
            f"  MISS {miss.case.question!r}: expected {miss.case.expect}, "
            f"got {miss.outcome} {miss.got or '-'} ({miss.score:.2f})"
        )
    failed = []
    if report.accuracy < min_accuracy:
        failed.append(f"accuracy {report.accuracy:.3f} < {min_accuracy}")
    if report.refusal_rate < min_refusal:
        failed.append(f"refusal {report.refusal_rate:.3f} < {min_refusal}")
    if failed:
        print(f"faqbot: eval below threshold: {'; '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _secrets() -> list[str]:
    return configured_secrets()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
